"""Generated documents' PDFs, made once per content by the task worker and kept:
MEDIA_ROOT/generated/<kind>/<hash>.pdf.

LibreOffice takes seconds of a core for each conversion (4 s for an invitation, 19–20 s each when
ten ran at once). The DOCX is built in the request (fast, in Python) and hashed by what it
contains; a PDF of that hash that is kept is served at once. Otherwise the request enqueues the
conversion and answers "being made" (HTTP 202, a page that polls): it never converts itself.
Daphne runs every sync view of a process on one thread, so a conversion in a request held up
every page and every socket's database call of that process for its whole length.

One conversion in flight per content: a ``GeneratedPdfJob`` row, unique per (kind, hash), is
created by the first request only, and only that request enqueues the task; the others (of any
process) find the row and wait with their own page. The task writes the PDF and removes the row;
a failed conversion leaves the row with its Vietnamese reason, and the next request for the PDF
(not a poll) tries again. A worker that died mid-conversion leaves a row started long ago: past
PAPER_CONVERT_TIMEOUT and a margin it counts as lost and the next request enqueues it again, and
the file lock (``fcntl.flock``, between processes of one host) keeps two workers on one host from
converting the same content at once should the lost one still be running.

While the content is unchanged every download is the kept file; a change (a new conclusion, a
guest's smaller invitation) is a new hash, hence a new conversion.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import fcntl
import hashlib
import io
import logging
import os
import re
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from cabinet.core.jobs import WAITED_FOR
from cabinet.models import GeneratedPdfJob
from cabinet.records.documents import decree30
from cabinet.records.documents.decree30 import DocumentError, PdfUnavailable

logger = logging.getLogger(__name__)

FOLDER = "generated"
KEY_PATTERN = re.compile(r"^[0-9a-f]{64}$")
# Locks are shared by hashes with the same first two hex digits: a bounded set of files that
# never needs cleaning up, at the cost of two different documents rarely converting one by one.
LOCK_STRIPES_PREFIX = 2
LOCK_POLL_SECONDS = 0.1
# A conversion is killed after PAPER_CONVERT_TIMEOUT; one started longer ago than that and this
# margin (the sandbox's start and the file's writing) has lost its worker.
LOST_AFTER_MARGIN_SECONDS = 60


class PdfStatus(enum.Enum):
    READY = "ready"  # kept: serve it
    PENDING = "pending"  # enqueued or being converted
    FAILED = "failed"  # the last conversion failed; ``failure`` says why
    UNKNOWN = "unknown"  # neither kept nor asked for (the folder was emptied, or a stale key)


@dataclass(frozen=True)
class GeneratedPdf:
    kind: str
    key: str
    status: PdfStatus
    failure: str = ""

    @property
    def path(self) -> Path:
        return _folder(self.kind) / f"{self.key}.pdf"

    @property
    def reason(self) -> str:
        """Why it failed, in the reader's language (stored in the source language)."""
        return _(self.failure) if self.failure else ""

    def read(self) -> bytes:
        """The kept PDF's bytes (READY only)."""
        return self.path.read_bytes()


def content_key(docx: bytes) -> str:
    """SHA-256 of what the DOCX contains: each part's name and bytes, in order.

    Not of the DOCX file itself: its ZIP entries carry the time they were written, so the same
    document built twice a second apart has different bytes but the same parts. Hashing the parts
    also covers the layout, so a change in cabinet/records/documents/decree30.py gives new PDFs by itself."""
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


def pdf_state(*, kind: str, key: str) -> GeneratedPdf:
    """Where this content's PDF stands; reads no PDF and starts nothing (what the page polls)."""
    if not KEY_PATTERN.match(key):
        raise ValueError("not a content key")
    if (_folder(kind) / f"{key}.pdf").is_file():
        return GeneratedPdf(kind, key, PdfStatus.READY)
    failure = (
        GeneratedPdfJob.objects.filter(kind=kind, key=key).values_list("failure", flat=True).first()
    )
    if failure is None:
        return GeneratedPdf(kind, key, PdfStatus.UNKNOWN)
    if failure:
        return GeneratedPdf(kind, key, PdfStatus.FAILED, failure)
    return GeneratedPdf(kind, key, PdfStatus.PENDING)


def request_pdf(docx: bytes, *, kind: str) -> GeneratedPdf:
    """The PDF of this DOCX if it is kept; otherwise its conversion is enqueued, unless one is
    already in flight, and the answer is PENDING (or, when tasks run in the enqueuing process,
    as the tests' backend does, READY or FAILED at once). Never converts in the caller."""
    key = content_key(docx)
    state = pdf_state(kind=kind, key=key)
    if state.status is PdfStatus.READY:
        return state
    if _claim(kind=kind, key=key, docx=docx):
        try:
            convert_generated_pdf.enqueue(kind=kind, key=key)
        except Exception:
            # Not enqueued: leave no row that would make every later request wait for nothing.
            GeneratedPdfJob.objects.filter(kind=kind, key=key).delete()
            raise
        logger.info("Enqueued the PDF of %s %s", kind, key[:16])
    return pdf_state(kind=kind, key=key)


def _claim(*, kind: str, key: str, docx: bytes) -> bool:
    """Make this request the one that enqueues the conversion: True for exactly one caller while
    none is in flight. A failed job, or one whose worker was lost, is claimed again."""
    now = timezone.now()
    try:
        with transaction.atomic():
            GeneratedPdfJob.objects.create(kind=kind, key=key, docx=docx, enqueued_at=now)
        return True
    except IntegrityError:
        pass
    lost = now - dt.timedelta(seconds=settings.PAPER_CONVERT_TIMEOUT + LOST_AFTER_MARGIN_SECONDS)
    # One UPDATE decides between concurrent requests: the first changes the row, and the row no
    # longer matches for the others.
    retried = (
        GeneratedPdfJob.objects.filter(kind=kind, key=key)
        .filter(~Q(failure="") | Q(started_at__lt=lost))
        .update(failure="", started_at=None, enqueued_at=now, docx=docx)
    )
    return retried == 1


def convert(*, kind: str, key: str) -> None:
    """The task worker's part (convert_generated_pdf, below): convert the job's DOCX, keep
    its PDF, remove the job; when the conversion fails, record why on the job instead."""
    folder = _folder(kind)
    path = folder / f"{key}.pdf"
    jobs = GeneratedPdfJob.objects.filter(kind=kind, key=key)
    lock = folder / "locks" / f"{key[:LOCK_STRIPES_PREFIX]}.lock"
    # Stored in the source language and translated when shown, whoever reads it.
    with translation.override(settings.LANGUAGE_CODE):
        try:
            with _exclusive(lock, timeout=settings.PAPER_CONVERT_TIMEOUT + 30):
                if path.is_file():
                    # Made by a task enqueued just before this one's row was created.
                    jobs.delete()
                    return
                job = jobs.filter(failure="").first()
                if job is None:
                    return  # nobody is waiting for it any more
                jobs.update(started_at=timezone.now())
                started = time.monotonic()
                logger.info("Converting %s %s to PDF", kind, key[:16])
                pdf = decree30.docx_to_pdf(bytes(job.docx))
                # Written whole under another name, then renamed: a reader never sees half a PDF.
                partial = folder / f".{key}.{os.getpid()}.partial"
                partial.write_bytes(pdf)
                os.replace(partial, path)
                jobs.delete()
                logger.info(
                    "Converted %s %s to PDF in %.1f s", kind, key[:16], time.monotonic() - started
                )
        except DocumentError as error:
            logger.warning("The PDF of %s %s was not made: %s", kind, key[:16], error)
            jobs.update(failure=str(error), started_at=None)
        except Exception:
            jobs.update(
                failure=_(
                    "Không chuyển được văn bản sang PDF. Đồng chí vui lòng tải bản DOCX hoặc thử lại sau."
                ),
                started_at=None,
            )
            raise


@contextlib.contextmanager
def _exclusive(lock_path: Path, *, timeout: float) -> Iterator[None]:
    """Hold an exclusive flock on lock_path, waiting at most ``timeout`` seconds for it.

    Polled rather than blocking, so that a stuck holder (whose conversion is itself limited by
    PAPER_CONVERT_TIMEOUT) cannot keep a worker waiting forever."""
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


@task(priority=WAITED_FOR)
def convert_generated_pdf(kind: str, key: str) -> None:
    """The worker's job: convert a generated document's DOCX to its kept PDF (convert); someone is
    looking at the "Đang tạo bản PDF…" page meanwhile."""
    convert(kind=kind, key=key)
