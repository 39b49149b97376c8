"""The checks an upload passes in the request, before anything is stored: size and type by content.

Only cheap checks run here: the size, the first bytes, and for ZIP-based formats the archive's
directory. Everything that parses a document (page count, text, conversion) runs later in a
resource-limited child process (cabinet.papers.lib.sandbox), so a hostile file cannot hurt the web server.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

from cabinet.core.errors import ServiceError
from cabinet.models import SourceKind

PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of Word 97–2003 .doc files
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
CHUNK = 1024 * 1024
# A DOCX or ODT whose parts claim more than this uncompressed is a zip bomb, not a meeting paper.
MAX_UNZIPPED_BYTES = 1024 * 1024 * 1024
MAX_ZIP_MEMBERS = 10_000


class UploadRejected(ServiceError):
    pass


@dataclass(frozen=True)
class UploadFacts:
    kind: SourceKind
    sha256: str
    size: int


def check_upload(file: IO[bytes], *, size: int) -> UploadFacts:
    """Validate an upload by its size and content; return what it is, or raise UploadRejected."""
    if size <= 0:
        raise UploadRejected(_("Tệp rỗng (0 byte)."))
    if size > settings.PAPER_MAX_BYTES:
        raise UploadRejected(
            _("Tệp quá lớn: tối đa %(mb)d MB.") % {"mb": settings.PAPER_MAX_BYTES // (1024 * 1024)}
        )
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    # Readers tolerate junk before "%PDF-", but a file that does not start with it is at best a
    # mangled PDF and at worst a polyglot (an HTML or ZIP file that also parses as PDF): refuse it.
    if head.startswith(PDF_MAGIC):
        kind = SourceKind.PDF
    elif head.startswith(OLE2_MAGIC):
        kind = SourceKind.DOC
    elif head.startswith(ZIP_MAGIC):
        kind = _office_zip_kind(file)
    else:
        raise UploadRejected(
            _("Định dạng tệp không được hỗ trợ: chỉ nhận PDF, DOCX, DOC hoặc ODT.")
        )
    return UploadFacts(kind=kind, sha256=_sha256(file), size=size)


def _office_zip_kind(file: IO[bytes]) -> SourceKind:
    """DOCX or ODT, told apart by the archive's own directory, never by the file name."""
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS or (
                sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES
            ):
                raise UploadRejected(_("Tệp nén bất thường (quá lớn khi giải nén); không nhận."))
            names = {m.filename for m in members}
            if "word/document.xml" in names and "[Content_Types].xml" in names:
                return SourceKind.DOCX
            mimetype = archive.getinfo("mimetype") if "mimetype" in names else None
            if (
                mimetype is not None
                and mimetype.file_size <= 100
                and archive.read(mimetype).strip() == ODT_MIMETYPE
            ):
                return SourceKind.ODT
    except zipfile.BadZipFile as exc:
        raise UploadRejected(_("Tệp nén bị hỏng hoặc không hoàn chỉnh.")) from exc
    finally:
        file.seek(0)
    raise UploadRejected(
        _("Tệp nén này không phải văn bản DOCX hay ODT; chỉ nhận PDF, DOCX, DOC hoặc ODT.")
    )


def _sha256(file: IO[bytes]) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    while chunk := file.read(CHUNK):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


# --- Progress reports' attachments (cabinet.followup.services) -------------------------------

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
# Attachment kind → (file extension, content type), what the download view sends.
ATTACHMENT_KINDS = {
    "pdf": (".pdf", "application/pdf"),
    "docx": (
        ".docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xlsx": (".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "png": (".png", "image/png"),
    "jpeg": (".jpg", "image/jpeg"),
}


def check_attachment(file: IO[bytes], *, size: int, max_bytes: int) -> str:
    """The kind of a progress report's attachment (a key of ATTACHMENT_KINDS), told by its size
    and content, never by its name; raise UploadRejected otherwise. A PDF's pages are counted
    later, in the sandbox (cabinet.followup.services)."""
    if size <= 0:
        raise UploadRejected(_("Tệp rỗng (0 byte)."))
    if size > max_bytes:
        raise UploadRejected(
            _("Tệp đính kèm quá lớn: tối đa %(mb)d MB.")
            % {"mb": max(1, max_bytes // (1024 * 1024))}
        )
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if head.startswith(PDF_MAGIC):
        return "pdf"
    if head.startswith(PNG_MAGIC):
        return "png"
    if head.startswith(JPEG_MAGIC):
        return "jpeg"
    if head.startswith(ZIP_MAGIC):
        return _office_attachment_kind(file)
    raise UploadRejected(
        _("Định dạng tệp đính kèm không được hỗ trợ: chỉ nhận PDF, DOCX, XLSX, PNG hoặc JPEG.")
    )


def _office_attachment_kind(file: IO[bytes]) -> str:
    """DOCX or XLSX, told apart by the archive's own directory (with the same zip-bomb limits as
    the papers)."""
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS or (
                sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES
            ):
                raise UploadRejected(_("Tệp nén bất thường (quá lớn khi giải nén); không nhận."))
            names = {m.filename for m in members}
    except zipfile.BadZipFile as exc:
        raise UploadRejected(_("Tệp nén bị hỏng hoặc không hoàn chỉnh.")) from exc
    finally:
        file.seek(0)
    if "[Content_Types].xml" in names:
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
    raise UploadRejected(_("Tệp nén này không phải văn bản DOCX hay bảng tính XLSX; không nhận."))
