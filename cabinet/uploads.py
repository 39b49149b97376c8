"""Checks on an uploaded paper before it is stored: content type by magic bytes, size, pages.

The order matters: the cheap checks (size, magic bytes) run before any parsing, and the page count
is read only from a file that passed them. Sandboxed parsing in a separate process arrives with the
papers issue; until then pypdf reads only the page tree here, never page contents.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from cabinet.services import ServiceError

PDF_MAGIC = b"%PDF-"
CHUNK = 1024 * 1024


class UploadRejected(ServiceError):
    pass


@dataclass(frozen=True)
class PdfFacts:
    sha256: str
    size: int
    page_count: int


def inspect_pdf(file: IO[bytes], *, size: int) -> PdfFacts:
    """Validate an uploaded PDF and return its facts, or raise UploadRejected with a clear message."""
    if size <= 0:
        raise UploadRejected(_("Tệp rỗng (0 byte)."))
    if size > settings.PAPER_MAX_BYTES:
        raise UploadRejected(
            _("Tệp quá lớn: tối đa %(mb)d MB.") % {"mb": settings.PAPER_MAX_BYTES // (1024 * 1024)}
        )
    file.seek(0)
    head = file.read(len(PDF_MAGIC))
    # Readers tolerate junk before the header, but a file that does not start with it is at best a
    # mangled PDF and at worst a polyglot (an HTML or ZIP file that also parses as PDF): refuse it.
    if head != PDF_MAGIC:
        raise UploadRejected(_("Tệp không phải PDF (nội dung không có chữ ký %PDF)."))
    file.seek(0)
    digest = hashlib.sha256()
    while chunk := file.read(CHUNK):
        digest.update(chunk)
    file.seek(0)
    try:
        reader = PdfReader(file, strict=False)
        if reader.is_encrypted:
            raise UploadRejected(
                _("Tệp PDF có mật khẩu hoặc bị mã hóa; hãy tải lên bản không mã hóa.")
            )
        page_count = len(reader.pages)
    except UploadRejected:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, RecursionError, OSError) as exc:
        raise UploadRejected(_("Không đọc được tệp PDF (tệp hỏng hoặc không hoàn chỉnh).")) from exc
    finally:
        file.seek(0)
    if page_count < 1:
        raise UploadRejected(_("Tệp PDF không có trang nào."))
    if page_count > settings.PAPER_MAX_PAGES:
        raise UploadRejected(
            _("Tài liệu có %(n)d trang, vượt giới hạn %(max)d trang.")
            % {"n": page_count, "max": settings.PAPER_MAX_PAGES}
        )
    return PdfFacts(sha256=digest.hexdigest(), size=size, page_count=page_count)
