"""The background half of an upload: convert to PDF if needed, extract pages in the sandbox, and
either make the version READY (and tell the meeting) or quarantine it (and tell the uploader).

Runs in the task worker (process_paper_version, below), never in a web request. Progress is
written as it goes so the uploader's page can show it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import TypedDict

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from cabinet.core.event_types import Event
from cabinet.core.events import record_access, record_event
from cabinet.core.jobs import WAITED_FOR
from cabinet.meetings.selectors import paper_scope
from cabinet.meetings.services.meetings import lock_meeting
from cabinet.models import VERSION_FAILURES, PageText, PaperVersion, SourceKind, VersionStatus
from cabinet.papers.lib.convert import ConversionUnavailable, convert_to_pdf
from cabinet.papers.lib.sandbox import Limits, Outcome, parse_json_line, run_limited
from cabinet.papers.services.notes import reanchor_notes
from cabinet.trust.security_events import record_security_event
from cabinet.trust.signals import paper_version_ready

logger = logging.getLogger(__name__)


class PaperReadyPayload(TypedDict):
    """paper.added (its first ready version), paper.version_added."""

    paper: int
    item: int | None
    version: int
    pages: int


class _Rejected(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _set(version: PaperVersion, **fields: object) -> None:
    """Pipeline fields are the only ones that change after upload (see PaperVersion.save)."""
    PaperVersion.objects.filter(pk=version.pk).update(**fields)
    for name, value in fields.items():
        setattr(version, name, value)


def process_version(version_id: int) -> None:
    """Take one queued version through conversion and extraction. Safe to call twice."""
    version = PaperVersion.objects.select_related("paper__meeting").filter(pk=version_id).first()
    if version is None or version.status in (VersionStatus.READY, VersionStatus.FAILED):
        return
    with tempfile.TemporaryDirectory(prefix="paper-") as tmp:
        workdir = Path(tmp)
        try:
            pdf_path = _pdf_of(version, workdir)
            reading = _extract(version, pdf_path, workdir)
            if reading.cleaned is not None:
                install_clean_copy(pdf_path, reading.cleaned, original_name=_kept_original(version))
        except _Rejected as rejected:
            _quarantine(version, rejected.code)
            return
        except Exception:
            logger.exception("processing paper version %s failed", version.pk)
            _quarantine(version, "internal")
            return
    _make_ready(version, reading.pages, active_content=reading.active_content)


def _kept_original(version: PaperVersion) -> str:
    """The name, in MEDIA_ROOT/quarantine, of the PDF as it was before its active content went."""
    name = version.file.name
    assert name, "a version is stored with its file"
    return f"version-{version.pk}-original-{Path(name).name}"


def _pdf_of(version: PaperVersion, workdir: Path) -> Path:
    if version.source_kind == SourceKind.PDF:
        return Path(version.file.path)
    _set(version, status=VersionStatus.CONVERTING, progress=5)
    try:
        pdf, outcome = convert_to_pdf(
            Path(version.source_file.path), suffix=version.source_kind, workdir=workdir
        )
    except ConversionUnavailable as exc:
        raise _Rejected("conversion_unavailable") from exc
    if pdf is None:
        logger.warning("conversion of version %s failed: %s", version.pk, outcome.stderr_tail)
        raise _Rejected("timeout" if outcome.timed_out else "conversion_failed")
    size = pdf.stat().st_size
    if size > settings.PAPER_MAX_BYTES:
        raise _Rejected("too_large")
    with pdf.open("rb") as handle:
        if handle.read(5) != b"%PDF-":
            raise _Rejected("conversion_failed")
        handle.seek(0)
        # The stored name comes from upload_to (meeting/paper/v<n>-<sha>.pdf), not from this one.
        version.file.save("converted.pdf", File(handle), save=False)
    _set(version, file=version.file.name, progress=30)
    return Path(version.file.path)


def run_pdf_probe(
    pdf_path: Path, *, on_line: Callable[[str], None], clean_into: Path | None = None
) -> Outcome:
    """Read a PDF with cabinet.papers.lib.pdf_probe in the sandbox, under the configured limits; with
    ``clean_into``, the probe also writes there a copy without active content, if it has any."""
    argv = [
        sys.executable,
        "-m",
        "cabinet.papers.lib.pdf_probe",
        str(pdf_path),
        str(settings.PAPER_MAX_PAGES),
    ]
    # The probe writes no file unless it is to clean one; then its copy may be somewhat larger
    # than the upload (pypdf writes objects out of their compressed object streams).
    file_size_mb = 0
    if clean_into is not None:
        argv.append(str(clean_into))
        file_size_mb = 2 * settings.PAPER_MAX_BYTES // (1024 * 1024) + 1
    return run_limited(
        argv,
        limits=Limits(
            wall_seconds=settings.PAPER_PARSE_TIMEOUT,
            cpu_seconds=settings.PAPER_PARSE_CPU_SECONDS,
            memory_mb=settings.PAPER_PARSE_MEMORY_MB,
            file_size_mb=file_size_mb,
        ),
        on_line=on_line,
        keep_lines=False,
    )


class PdfRefused(Exception):
    """The sandboxed reader refused a PDF; ``code`` is a key of VERSION_FAILURES."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class PdfReading:
    """What the sandboxed reader made of a PDF."""

    pages: list[str]
    # Active content found (kind → count, see cabinet.papers.lib.pdf_active) and the copy without it: None
    # when there was none, or when no copy was asked for.
    active_content: dict[str, int] = dataclass_field(default_factory=dict)
    cleaned: Path | None = None


def read_pdf_pages(
    pdf_path: Path,
    *,
    on_count: Callable[[int], None] | None = None,
    on_page: Callable[[int, int], None] | None = None,
) -> list[str]:
    """Every page's text (read_pdf without cleaning)."""
    return read_pdf(pdf_path, on_count=on_count, on_page=on_page).pages


def read_pdf(
    pdf_path: Path,
    *,
    clean_into: Path | None = None,
    on_count: Callable[[int], None] | None = None,
    on_page: Callable[[int, int], None] | None = None,
) -> PdfReading:
    """Every page's text, read by cabinet.papers.lib.pdf_probe in the sandbox (papers and the assistant's
    library alike), and with ``clean_into`` (a path in a temporary folder) a copy of the PDF
    without its active content there if it has any. ``on_count(pages)`` is called once the page
    count is known (before any text is read), ``on_page(done, pages)`` after each page. Raises
    PdfRefused with the reason."""
    pages: list[str] = []
    expected = 0
    refusal: str | None = None
    active: dict[str, int] = {}

    def on_line(line: str) -> None:
        nonlocal expected, refusal, active
        message = parse_json_line(line)
        if message is None:
            return
        if "error" in message:
            refusal = str(message["error"])
        elif "active_content" in message:
            found = message["active_content"]
            if isinstance(found, dict):
                active = {str(k): int(v) for k, v in found.items()}
        elif "pages" in message:
            expected = int(message["pages"])  # type: ignore[call-overload]
            if on_count:
                on_count(expected)
        elif "page" in message:
            pages.append(str(message.get("text", "")))
            if on_page:
                on_page(len(pages), expected)

    outcome = run_pdf_probe(pdf_path, on_line=on_line, clean_into=clean_into)
    if outcome.timed_out:
        raise PdfRefused("timeout")
    if outcome.output_overflow:
        raise PdfRefused("limits")
    if outcome.returncode != 0:
        code = refusal if refusal in VERSION_FAILURES else None
        if code is None:
            # Killed by a signal (SIGXCPU, SIGKILL) or died on a memory limit (MemoryError).
            logger.warning("pdf probe of %s: %s", pdf_path.name, outcome.stderr_tail)
            code = "limits" if _hit_limits(outcome) else "unreadable"
        raise PdfRefused(code)
    if not expected or len(pages) != expected:
        raise PdfRefused("unreadable")
    cleaned = clean_into if active and clean_into is not None else None
    if cleaned is not None and not cleaned.is_file():
        raise PdfRefused("unreadable")  # found but not cleaned: never serve it as it is
    return PdfReading(pages=pages, active_content=active, cleaned=cleaned)


def install_clean_copy(stored: Path, cleaned: Path, *, original_name: str) -> None:
    """Put the cleaned copy in the stored file's place, keeping the file as uploaded out of the
    served tree (MEDIA_ROOT/quarantine/original_name) for the security office to inspect."""
    quarantine = Path(settings.MEDIA_ROOT) / "quarantine"
    quarantine.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(stored, quarantine / original_name)
    # Copied next to the stored file first, then renamed over it: never a half-written file.
    partial = stored.with_name(stored.name + ".clean")
    shutil.copyfile(cleaned, partial)
    os.replace(partial, stored)


def _extract(version: PaperVersion, pdf_path: Path, workdir: Path) -> PdfReading:
    _set(version, status=VersionStatus.EXTRACTING)
    base = version.progress

    def on_page(done: int, expected: int) -> None:
        step = max(1, expected // 20)
        if expected and done % step == 0:
            _set(version, progress=base + (99 - base) * done // expected)

    try:
        return read_pdf(
            pdf_path,
            clean_into=workdir / "clean.pdf",
            on_count=lambda count: _set(version, page_count=count),
            on_page=on_page,
        )
    except PdfRefused as refused:
        raise _Rejected(refused.code) from refused


def _hit_limits(outcome: Outcome) -> bool:
    return outcome.returncode is not None and (
        outcome.returncode < 0 or "MemoryError" in outcome.stderr_tail
    )


def _make_ready(version: PaperVersion, pages: list[str], *, active_content: dict[str, int]) -> None:
    digest = hashlib.sha256()
    with open(version.file.path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    paper = version.paper
    with transaction.atomic():
        meeting = lock_meeting(paper.meeting)
        PageText.objects.filter(version=version).delete()
        PageText.objects.bulk_create(
            PageText(version=version, number=i, text=text) for i, text in enumerate(pages, 1)
        )
        _set(
            version,
            status=VersionStatus.READY,
            progress=100,
            page_count=len(pages),
            pdf_sha256=digest.hexdigest(),
            pdf_size=Path(version.file.path).stat().st_size,
            ready_at=timezone.now(),
            error="",
            active_content_removed=active_content,
        )
        if active_content:
            record_security_event(
                action="paper.active_content_removed",
                actor=version.uploaded_by,
                target=version,
                detail={
                    "meeting": paper.meeting_id,
                    "paper": paper.pk,
                    "version": version.number,
                    "removed": active_content,
                    "original": f"quarantine/{_kept_original(version)}",
                },
            )
        first_ready = not paper.versions.filter(status=VersionStatus.READY).exclude(pk=version.pk)
        reanchor_notes(paper=paper, new_version=version)
        record_event(
            meeting=meeting,
            type=Event.PAPER_ADDED if first_ready else Event.PAPER_VERSION_ADDED,
            payload=PaperReadyPayload(
                paper=paper.pk, item=paper.agenda_item_id, version=version.number, pages=len(pages)
            ),
            actor=version.uploaded_by,
            scope=paper_scope(paper),
        )
        version_id = version.pk
        transaction.on_commit(
            lambda: paper_version_ready.send(sender=PaperVersion, version_id=version_id)
        )


def _quarantine(version: PaperVersion, code: str) -> None:
    """Move the upload (and any converted PDF) out of the served tree and mark the version FAILED."""
    quarantine = Path(settings.MEDIA_ROOT) / "quarantine"
    quarantine.mkdir(parents=True, exist_ok=True)
    moved = []
    for field in (version.file, version.source_file):
        if field and field.name and Path(field.path).exists():
            target = quarantine / f"version-{version.pk}-{Path(field.name).name}"
            shutil.move(field.path, target)
            moved.append(target.name)
    _set(version, status=VersionStatus.FAILED, error=code, file="", source_file="")
    record_access(
        meeting_id=version.paper.meeting_id,
        type=Event.PAPER_REJECTED,
        payload={
            "paper": version.paper_id,
            "version": version.number,
            "reason": code,
            "quarantined": moved,
        },
        actor=version.uploaded_by,
    )
    logger.warning("paper version %s quarantined: %s (%s)", version.pk, code, moved)


@task(priority=WAITED_FOR)
def process_paper_version(version_id: int) -> None:
    """The worker's job for an uploaded version: convert and extract it (process_version)."""
    process_version(version_id)
