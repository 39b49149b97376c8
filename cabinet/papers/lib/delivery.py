"""Serving a file's bytes: HTTP Range and validator parsing, and bounded-memory file streaming.

No Django models here: the views decide who may read what, this module only says which bytes to
send and streams them.

Streaming under ASGI (Daphne) uses an async iterator that reads CHUNK_SIZE bytes at a time with
os.pread in a worker thread. Django's FileResponse is no good there: under ASGI, Django 5.2 turns
any sync streaming iterator into a list in a worker thread before sending, i.e. the whole file in
memory per request (bench/papers.py measures both). Under WSGI (and the sync test client) a plain
iterator is used, because Django would likewise collect an async iterator into memory there.
"""

from __future__ import annotations

import asyncio
import os
import re
import unicodedata
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from urllib.parse import quote

from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse

from cabinet.core.text import strip_diacritics

# 128 KiB, measured with bench/papers.py (50 streams of 20 MB under Daphne, 2 cores): as fast as
# 256 KiB (~420 MB/s) at 0.65 MB of server memory per stream instead of 1.5 MB; 64 KiB saves a
# little more memory but loses a third of the throughput to per-chunk costs.
CHUNK_SIZE = 128 * 1024

_RANGE_SPEC = re.compile(r"^(\d*)-(\d*)$")


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive, as in Content-Range

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


class RangeNotSatisfiable(Exception):
    """The Range header is malformed or asks for bytes past the end: answer 416."""


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The single byte range asked for, or None to send the whole file.

    None covers: no header, a unit other than bytes (RFC 9110 lets a server ignore those), and
    several ranges, which are answered with the whole file rather than multipart/byteranges
    (pdf.js never asks for several, and a full 200 is always a valid answer to a Range request).
    """
    if not header:
        return None
    unit, _, specs = header.partition("=")
    if unit.strip().lower() != "bytes":
        return None
    parts = [part.strip() for part in specs.split(",")]
    if len(parts) > 1:
        return None
    match = _RANGE_SPEC.match(parts[0])
    if match is None or match.group(0) == "-":
        raise RangeNotSatisfiable
    first, last = match.groups()
    if not first:  # "-n": the last n bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable
        return ByteRange(max(0, size - suffix), size - 1)
    start = int(first)
    end = int(last) if last else size - 1
    if end < start or start >= size:
        raise RangeNotSatisfiable
    return ByteRange(start, min(end, size - 1))


def _entity_tags(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def none_match(header: str | None, etag: str) -> bool:
    """If-None-Match matches (weak comparison, RFC 9110 13.1.2): the client's copy is current."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(tag.removeprefix("W/") == etag for tag in _entity_tags(header))


def if_range_holds(header: str | None, etag: str) -> bool:
    """Whether a Range may be honoured given If-Range (strong comparison, RFC 9110 13.1.5).

    A date never holds: these responses carry no Last-Modified to compare it with, so the client
    gets the whole file, which is always safe.
    """
    if header is None:
        return True
    return header.strip() == etag and not etag.startswith("W/")


def content_disposition(disposition: str, filename: str) -> str:
    """`inline` or `attachment` with an ASCII fallback name and the exact UTF-8 name (RFC 6266)."""
    cleaned = re.sub(r'[\x00-\x1f\x7f/\\"]+', " ", unicodedata.normalize("NFC", filename)).strip()
    fallback = ascii_fallback(cleaned) or "document.pdf"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(cleaned, safe='')}"


def ascii_fallback(text: str) -> str:
    """Vietnamese without diacritics ("Báo cáo Đề án" → "Bao cao De an") for old clients."""
    return re.sub(r"[^A-Za-z0-9._ ()-]+", "_", strip_diacritics(text, compatibility=True)).strip()


class _OpenRange:
    """A byte range of an open file descriptor, read CHUNK_SIZE bytes at a time with os.pread.

    Owns the descriptor: it is closed when iteration ends, fails or is cancelled (under ASGI
    Django cancels the response when the client goes away, and then does not call close()), and
    by close(), which Django calls once a response is sent.
    """

    def __init__(self, fd: int, start: int, length: int, chunk_size: int = CHUNK_SIZE) -> None:
        self.fd, self.start, self.length, self.chunk_size = fd, start, length, chunk_size

    def close(self) -> None:
        if self.fd >= 0:
            fd, self.fd = self.fd, -1
            os.close(fd)

    def _next_read(self, offset: int) -> int:
        return min(self.chunk_size, self.start + self.length - offset)


class FileChunks(_OpenRange):
    """For WSGI and the sync test client."""

    def __iter__(self) -> Iterator[bytes]:
        offset = self.start
        try:
            while (size := self._next_read(offset)) > 0:
                chunk = os.pread(self.fd, size, offset)
                if not chunk:  # the file is shorter than it should be: stop, never spin
                    return
                offset += len(chunk)
                yield chunk
        finally:
            self.close()


class AsyncFileChunks(_OpenRange):
    """For ASGI. It must have no __iter__: StreamingHttpResponse prefers a sync iterator when
    there is one, and under ASGI Django 5.2 consumes a sync iterator with list() in a thread,
    which holds the whole file in memory (that is what FileResponse does there).

    Each read runs in a worker thread so the event loop keeps serving other requests while the
    disk is read, and only one chunk per stream is in memory at a time.
    """

    async def __aiter__(self) -> AsyncIterator[bytes]:
        offset = self.start
        try:
            while (size := self._next_read(offset)) > 0:
                chunk = await asyncio.to_thread(os.pread, self.fd, size, offset)
                if not chunk:
                    return
                offset += len(chunk)
                yield chunk
        finally:
            self.close()


# --- Responses (the views check access first, then hand over an open descriptor) ------------------

PDF = "application/pdf"


def stream_file(
    request: HttpRequest, fd: int, byte_range: ByteRange, *, status: int, content_type: str = PDF
) -> StreamingHttpResponse:
    """Stream part of an open file; the response owns (and closes) the descriptor."""
    chunks_class = AsyncFileChunks if isinstance(request, ASGIRequest) else FileChunks
    chunks = chunks_class(fd, byte_range.start, byte_range.length)
    response = StreamingHttpResponse(chunks, status=status, content_type=content_type)
    response["Content-Length"] = str(byte_range.length)
    return response


def inline_pdf_response(
    request: HttpRequest, fd: int, *, etag: str, filename: str
) -> HttpResponseBase:
    """Answer GET or HEAD for an open PDF for the viewer: the whole file, or the Range asked for
    when If-Range (if any) still names ``etag``. Takes ownership of ``fd``. The caller adds its
    validators and caching headers (and answers If-None-Match before opening the file)."""
    size = 0
    try:
        size = os.fstat(fd).st_size
        byte_range = None  # the client's partial copy is of other bytes: send them all
        if if_range_holds(request.headers.get("If-Range"), etag):
            byte_range = parse_range(request.headers.get("Range"), size)
    except RangeNotSatisfiable:
        os.close(fd)
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        return refused
    except BaseException:
        os.close(fd)
        raise
    status = 206 if byte_range else 200
    response: HttpResponseBase
    if request.method == "HEAD" or size == 0:
        os.close(fd)
        response = HttpResponse(status=status, content_type=PDF)
        response["Content-Length"] = str(byte_range.length if byte_range else size)
    else:
        response = stream_file(request, fd, byte_range or ByteRange(0, size - 1), status=status)
    if byte_range:
        response["Content-Range"] = byte_range.content_range(size)
    response["Content-Disposition"] = content_disposition("inline", filename)
    return response


def attachment_response(data: bytes, *, filename: str, content_type: str) -> HttpResponse:
    """A generated file (DOCX, PDF, XLSX) to save, never cached: it may hold what the next user
    of the tablet must not see, and its content follows permissions that can change."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition("attachment", filename)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
