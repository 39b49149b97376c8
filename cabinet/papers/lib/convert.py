"""DOCX/DOC/ODT → PDF with LibreOffice in headless mode, inside the sandbox."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from django.conf import settings

from cabinet.papers.lib.sandbox import Limits, Outcome, run_limited


class ConversionUnavailable(RuntimeError):
    """LibreOffice is not installed: office documents cannot be accepted, PDFs still can."""


def libreoffice_binary() -> str | None:
    configured = settings.LIBREOFFICE_BIN
    if configured:
        return configured if Path(configured).exists() else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def conversion_available() -> bool:
    return libreoffice_binary() is not None


def convert_to_pdf(source: Path, *, suffix: str, workdir: Path) -> tuple[Path | None, Outcome]:
    """Convert the document; return the PDF's path (None on failure) and how the run went.

    Each conversion gets its own LibreOffice profile in workdir, so conversions can run side by side
    and a hostile document cannot leave anything behind in a shared profile.
    """
    binary = libreoffice_binary()
    if binary is None:
        raise ConversionUnavailable
    # LibreOffice picks its import filter from the name, so the input gets the sniffed extension.
    document = workdir / f"document.{suffix}"
    shutil.copyfile(source, document)
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-", dir=workdir))
    out_dir = workdir / "out"
    out_dir.mkdir()
    limit_mb = settings.PAPER_MAX_BYTES // (1024 * 1024) * 2 + 64
    outcome = run_limited(
        [
            binary,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--nodefault",
            "--nologo",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(out_dir),
            str(document),
        ],
        limits=Limits(
            wall_seconds=settings.PAPER_CONVERT_TIMEOUT,
            cpu_seconds=settings.PAPER_CONVERT_TIMEOUT,
            # LibreOffice reserves much more address space than it uses.
            memory_mb=max(settings.PAPER_PARSE_MEMORY_MB, 4096),
            file_size_mb=limit_mb,
            max_output_bytes=1024 * 1024,
        ),
        cwd=workdir,
        keep_lines=False,
    )
    pdf = out_dir / "document.pdf"
    return (pdf if outcome.ok and pdf.exists() else None), outcome
