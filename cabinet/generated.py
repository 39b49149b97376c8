"""Generated documents' PDFs, made once per content and kept: MEDIA_ROOT/generated/<kind>/<hash>.pdf.

LibreOffice takes seconds of a core for each conversion, and every download of the minutes, the
invitation or the notice used to start one: ten first requests for one notice ran ten at once,
each taking 19–20 s. Now the DOCX is built (fast, in Python), hashed by what it contains, and its
PDF is converted only if no PDF of that hash is kept. While the content is unchanged every
download is the kept file; a change (a new conclusion, a guest's smaller invitation) is a new hash.

One conversion in flight per document: the converting request holds an exclusive lock
(``fcntl.flock``, which works between processes on one host and between threads of one process),
and concurrent requests for the same content wait for it and then read its file instead of
converting too. The conversion runs in the first request rather than in the task worker: it
takes about as long as the worker's polling would add, needs no waiting page, and a download
still works when the worker is stopped. What must wait is bounded by the per-user export limit
(cabinet/ratelimit.py) and by PAPER_CONVERT_TIMEOUT.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import logging
import os
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from cabinet import decree30
from cabinet.decree30 import PdfUnavailable

logger = logging.getLogger(__name__)

FOLDER = "generated"
# Locks are shared by hashes with the same first two hex digits: a bounded set of files that
# never needs cleaning up, at the cost of two different documents rarely converting one by one.
LOCK_STRIPES_PREFIX = 2
LOCK_POLL_SECONDS = 0.1


def content_key(docx: bytes) -> str:
    """SHA-256 of what the DOCX contains: each part's name and bytes, in order.

    Not of the DOCX file itself: its ZIP entries carry the time they were written, so the same
    document built twice a second apart has different bytes but the same parts. Hashing the parts
    also covers the layout, so a change in cabinet/decree30.py gives new PDFs by itself."""
    digest = hashlib.sha256()
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        for info in archive.infolist():
            name = info.filename.encode("utf-8")
            content = archive.read(info)
            digest.update(len(name).to_bytes(4, "big") + name)
            digest.update(len(content).to_bytes(8, "big") + content)
    return digest.hexdigest()


def _folder(kind: str) -> Path:
    if not kind.isidentifier():
        raise ValueError(f"kind must be a plain name, not {kind!r}")
    return Path(settings.MEDIA_ROOT) / FOLDER / kind


@contextlib.contextmanager
def _exclusive(lock_path: Path, *, timeout: float) -> Iterator[None]:
    """Hold an exclusive flock on lock_path, waiting at most ``timeout`` seconds for it.

    Polled rather than blocking, so that a stuck holder (whose conversion is itself limited by
    PAPER_CONVERT_TIMEOUT) cannot keep a request waiting forever."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise PdfUnavailable(
                        _("Bản PDF đang được tạo, vui lòng thử lại sau ít phút hoặc tải bản DOCX.")
                    ) from None
                time.sleep(LOCK_POLL_SECONDS)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def pdf_for(docx: bytes, *, kind: str) -> bytes:
    """The PDF of this DOCX, converted at most once per content (see the module's docstring).

    Raises PdfUnavailable (a Vietnamese message) when LibreOffice is missing, the conversion
    fails, or another request's conversion of the same content has not finished in time."""
    key = content_key(docx)
    folder = _folder(kind)
    path = folder / f"{key}.pdf"
    with contextlib.suppress(FileNotFoundError):
        return path.read_bytes()
    lock = folder / "locks" / f"{key[:LOCK_STRIPES_PREFIX]}.lock"
    with _exclusive(lock, timeout=settings.PAPER_CONVERT_TIMEOUT + 30):
        # Whoever held the lock before may just have made it.
        with contextlib.suppress(FileNotFoundError):
            return path.read_bytes()
        started = time.monotonic()
        logger.info("Converting %s %s to PDF", kind, key[:16])
        pdf = decree30.docx_to_pdf(docx)
        # Written whole under another name, then renamed: a reader never sees half a PDF.
        partial = folder / f".{key}.{os.getpid()}.partial"
        partial.write_bytes(pdf)
        os.replace(partial, path)
        logger.info("Converted %s %s to PDF in %.1f s", kind, key[:16], time.monotonic() - started)
    return pdf
