"""The directive library's services: the only code that writes Directives and Chunks.

Upload (web request: size and content checks only, the file stored, a task queued) →
processing (task worker: LibreOffice for office files, the sandboxed PDF probe for the pages,
exactly as for meeting papers; the header read for the metadata) → indexing (chunks and their
embeddings computed outside any transaction, then swapped in one transaction with the index's
token) → READY. A refused file is quarantined and the librarian sees why.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from assistant.library import metadata
from assistant.models import (
    Chunk,
    Directive,
    DirectivePage,
    DirectiveStatus,
    DocType,
    SourceFormat,
    Visibility,
    library_storage,
)
from assistant.permissions import can_manage_library
from assistant.search import chunking
from assistant.search.embedding.encoder import get_encoder
from assistant.search.index import mark_changed, vector_to_bytes
from cabinet.core.errors import ServiceError
from cabinet.core.jobs import BACKGROUND, WAITED_FOR
from cabinet.models import PageText, PaperVersion, Unit, User, VersionStatus
from cabinet.papers.lib.convert import ConversionUnavailable, conversion_available, convert_to_pdf
from cabinet.papers.lib.uploads import UploadRejected, check_upload
from cabinet.papers.services.processing import PdfRefused, install_clean_copy, read_pdf
from cabinet.trust.security_events import record_security_event

logger = logging.getLogger(__name__)

EDITABLE_FIELDS = ("number", "title", "doc_type", "issuer", "issued_on")
TEXT_MAX_BYTES = 20 * 1024 * 1024
# Chunks embedded per call: the encoder sorts a call's texts by length, so larger groups waste
# less padding; progress is written after each group.
EMBED_GROUP = 128

FAILURES = {
    "encrypted": gettext_lazy("Tệp PDF có mật khẩu hoặc bị mã hóa; hãy tải lên bản không mã hóa."),
    "too_many_pages": gettext_lazy("Văn bản vượt giới hạn số trang cho phép."),
    "no_pages": gettext_lazy("Tệp PDF không có trang nào."),
    "no_text": gettext_lazy("Văn bản không có lớp chữ (bản quét?): chưa tìm kiếm được."),
    "unreadable": gettext_lazy("Không đọc được tệp (tệp hỏng hoặc có cấu trúc bất thường)."),
    "not_pdf": gettext_lazy("Tệp không phải PDF."),
    "bomb": gettext_lazy(
        "Tệp chứa dữ liệu nén bất thường (nghi là “bom giải nén”); tệp đã bị cách ly."
    ),
    "timeout": gettext_lazy("Xử lý tệp quá thời gian cho phép; tệp đã bị cách ly."),
    "limits": gettext_lazy("Xử lý tệp vượt giới hạn tài nguyên; tệp đã bị cách ly."),
    "conversion_failed": gettext_lazy(
        "Không chuyển được văn bản sang PDF (tệp hỏng hoặc không hỗ trợ)."
    ),
    "conversion_unavailable": gettext_lazy(
        "Máy chủ chưa cài LibreOffice nên không đọc được DOCX/DOC/ODT."
    ),
    "internal": gettext_lazy("Lỗi hệ thống khi xử lý tệp."),
}


def _require_manager(user: User) -> None:
    if not can_manage_library(user):
        raise ServiceError(_("Đồng chí không có quyền quản lý thư viện văn bản."))


# --- Upload ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Access:
    visibility: str = Visibility.PUBLIC
    units: Sequence[Unit] = ()
    users: Sequence[User] = ()


def _sniff(file: IO[bytes], *, size: int) -> tuple[str, str]:
    """(format, sha256) by content: PDF/DOCX/DOC/ODT through the papers' checks, or UTF-8 text."""
    try:
        facts = check_upload(file, size=size)
    except UploadRejected:
        file.seek(0)
        head = file.read(4096)
        file.seek(0)
        if size > TEXT_MAX_BYTES or not _looks_like_text(head):
            raise ServiceError(
                _(
                    "Định dạng tệp không được hỗ trợ: chỉ nhận PDF, DOCX, DOC, ODT hoặc văn bản (TXT)."
                )
            ) from None
        # Read in chunks: an upload stays on disk, never whole in memory.
        digest = hashlib.sha256()
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := file.read(1024 * 1024):
                decoder.decode(chunk)
                digest.update(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise ServiceError(_("Tệp văn bản phải được mã hóa UTF-8.")) from None
        finally:
            file.seek(0)
        return SourceFormat.TXT, digest.hexdigest()
    if facts.kind != "pdf" and not conversion_available():
        raise ServiceError(str(FAILURES["conversion_unavailable"]))
    return str(facts.kind), facts.sha256


def _looks_like_text(head: bytes) -> bool:
    """Text has no NUL byte (binary formats do, early on); its encoding is checked next."""
    return bool(head.strip()) and b"\x00" not in head


def add_directive(
    *,
    upload: UploadedFile,
    actor: User,
    access: Access = Access(),
    fields: dict[str, Any] | None = None,
    queue: bool = True,
) -> Directive:
    """Store an uploaded directive and queue its processing (``queue=False``: the caller runs
    ``process_directive`` itself, as the import command does). Metadata given in ``fields`` is
    kept as typed (the header read later never overwrites it)."""
    _require_manager(actor)
    size = upload.size or 0
    if size <= 0:
        raise ServiceError(_("Tệp rỗng (0 byte)."))
    if size > settings.PAPER_MAX_BYTES:
        raise ServiceError(
            _("Tệp quá lớn: tối đa %(mb)d MB.") % {"mb": settings.PAPER_MAX_BYTES // (1024 * 1024)}
        )
    source_format, sha256 = _sniff(upload, size=size)
    existing = Directive.objects.filter(sha256=sha256).first()
    if existing is not None:
        raise ServiceError(
            _("Văn bản này đã có trong thư viện: %(name)s.") % {"name": existing.label}
        )
    fields = {k: v for k, v in (fields or {}).items() if k in EDITABLE_FIELDS and v}
    name = (upload.name or "van-ban")[-255:]
    directive = Directive(
        title=fields.get("title") or Path(name).stem[:500],
        source_format=source_format,
        original_name=name,
        sha256=sha256,
        size=size,
        uploaded_by=actor,
        visibility=access.visibility,
        edited_fields=sorted(fields),
        **{k: v for k, v in fields.items() if k != "title"},
    )
    written: list[str] = []
    try:
        with transaction.atomic():
            if source_format == SourceFormat.PDF:
                stored = directive.file
                stored.save("x.pdf", upload, save=False)
            else:
                stored = directive.source_file
                stored.save("x", upload, save=False)
            assert stored.name is not None  # save() has just named it
            written.append(stored.name)
            directive.save()
            _set_access(directive, access)
            directive_id = directive.pk
            if queue:
                transaction.on_commit(lambda: process_directive_task.enqueue(directive_id))
    except BaseException:
        for name in written:
            directive.file.storage.delete(name)
        raise
    return directive


def _set_access(directive: Directive, access: Access) -> None:
    if access.visibility not in Visibility.values:
        raise ServiceError(_("Phạm vi truy cập không hợp lệ."))
    if access.visibility == Visibility.RESTRICTED and not (access.units or access.users):
        raise ServiceError(
            _("Văn bản hạn chế phải chọn ít nhất một đơn vị hoặc một người được xem.")
        )
    directive.allowed_units.set(access.units if access.visibility == Visibility.RESTRICTED else [])
    directive.allowed_users.set(access.users if access.visibility == Visibility.RESTRICTED else [])


@transaction.atomic
def update_directive(
    *, directive: Directive, actor: User, fields: dict[str, Any], access: Access | None = None
) -> Directive:
    """Correct the metadata (kept as typed from then on) and, if given, who may read it."""
    _require_manager(actor)
    directive = Directive.objects.select_for_update().get(pk=directive.pk)
    edited = set(directive.edited_fields)
    for name in EDITABLE_FIELDS:
        if name not in fields:
            continue
        value = fields[name]
        if name == "title" and not (value or "").strip():
            raise ServiceError(_("Trích yếu không được để trống."))
        if name == "doc_type" and value not in DocType.values:
            raise ServiceError(_("Loại văn bản không hợp lệ."))
        if value != getattr(directive, name):
            setattr(directive, name, value.strip() if isinstance(value, str) else value)
            edited.add(name)
    directive.edited_fields = sorted(edited)
    if access is not None:
        directive.visibility = access.visibility
        _set_access(directive, access)
    directive.save()
    return directive


@transaction.atomic
def delete_directive(*, directive: Directive, actor: User) -> None:
    """Remove the directive, its chunks (the index forgets them in the same transaction) and files."""
    _require_manager(actor)
    files = [f.name for f in (directive.file, directive.source_file) if f and f.name]
    Directive.objects.filter(pk=directive.pk).delete()
    mark_changed()
    transaction.on_commit(lambda: _delete_files(files))


def _delete_files(names: list[str]) -> None:

    for name in names:
        library_storage.delete(name)


def reindex_directive(*, directive: Directive, actor: User) -> None:
    """Queue the directive to be read and indexed again (after a chunking or model change)."""
    _require_manager(actor)
    if directive.is_processing:
        raise ServiceError(_("Văn bản đang được xử lý."))
    if directive.status == DirectiveStatus.FAILED:
        raise ServiceError(_("Văn bản đã bị từ chối; hãy tải lên lại tệp hợp lệ."))
    Directive.objects.filter(pk=directive.pk).update(
        status=DirectiveStatus.QUEUED, progress=0, error=""
    )
    directive_id = directive.pk
    transaction.on_commit(lambda: process_directive_task.enqueue(directive_id))


# --- Processing (task worker) ---------------------------------------------------------------------


class _Rejected(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _set(directive: Directive, **fields: object) -> None:
    Directive.objects.filter(pk=directive.pk).update(**fields)
    for name, value in fields.items():
        setattr(directive, name, value)


def process_directive(directive_id: int) -> None:
    """Read the stored file into pages, fill in the metadata from its header, index it."""
    directive = Directive.objects.filter(pk=directive_id).first()
    if directive is None or directive.status in (DirectiveStatus.READY, DirectiveStatus.FAILED):
        return
    try:
        pages = _read_pages(directive)
        if not any(page.strip() for page in pages):
            raise _Rejected("no_text")
        _store_pages(directive, pages)
        _fill_metadata(directive, pages)
        index_directive(directive, pages)
    except _Rejected as rejected:
        _quarantine(directive, rejected.code)
    except Exception:
        logger.exception("processing directive %s failed", directive_id)
        _quarantine(directive, "internal")


def _read_pages(directive: Directive) -> list[str]:
    if directive.source_format == SourceFormat.TXT:
        _set(directive, status=DirectiveStatus.EXTRACTING, progress=10)
        with directive.source_file.open("rb") as handle:
            return [chunking.document_text([handle.read().decode("utf-8", errors="replace")])]
    if directive.source_format == SourceFormat.PDF:
        return _probe(directive, Path(directive.file.path))
    _set(directive, status=DirectiveStatus.CONVERTING, progress=5)
    with tempfile.TemporaryDirectory(prefix="directive-") as tmp:
        try:
            pdf, outcome = convert_to_pdf(
                Path(directive.source_file.path), suffix=directive.source_format, workdir=Path(tmp)
            )
        except ConversionUnavailable as exc:
            raise _Rejected("conversion_unavailable") from exc
        if pdf is None:
            raise _Rejected("timeout" if outcome.timed_out else "conversion_failed")
        with pdf.open("rb") as handle:
            if handle.read(5) != b"%PDF-":
                raise _Rejected("conversion_failed")
            handle.seek(0)
            directive.file.save("converted.pdf", File(handle), save=False)
        _set(directive, file=directive.file.name, progress=20)
    return _probe(directive, Path(directive.file.path))


def _probe(directive: Directive, pdf_path: Path) -> list[str]:
    """The meeting papers' sandboxed reader: page count first, then each page's text; the stored
    PDF is replaced by a copy without active content (scripts, automatic actions, embedded
    files, XFA) when it has any, as a meeting paper's is."""
    _set(directive, status=DirectiveStatus.EXTRACTING)
    with tempfile.TemporaryDirectory(prefix="directive-") as tmp:
        try:
            reading = read_pdf(
                pdf_path,
                clean_into=Path(tmp) / "clean.pdf",
                on_count=lambda count: _set(directive, page_count=count),
            )
        except PdfRefused as refused:
            raise _Rejected(refused.code if refused.code in FAILURES else "unreadable") from refused
        if reading.cleaned is not None:
            kept = f"directive-{directive.pk}-original-{pdf_path.name}"
            install_clean_copy(pdf_path, reading.cleaned, original_name=kept)
            record_security_event(
                action="directive.active_content_removed",
                actor=directive.uploaded_by,
                target=directive,
                detail={"removed": reading.active_content, "original": f"quarantine/{kept}"},
            )
    _set(directive, progress=30)
    if reading.active_content:
        # Only when found: indexing again reads the cleaned copy, and the record must stay.
        _set(directive, active_content_removed=reading.active_content)
    return reading.pages


def _store_pages(directive: Directive, pages: Sequence[str]) -> None:
    with transaction.atomic():
        DirectivePage.objects.filter(directive=directive).delete()
        DirectivePage.objects.bulk_create(
            DirectivePage(directive=directive, number=i, text=chunking.document_text([text]))
            for i, text in enumerate(pages, 1)
        )
    _set(directive, page_count=len(pages))


def _fill_metadata(directive: Directive, pages: Sequence[str]) -> None:
    """Fields read from the header, except those the librarian typed."""
    meta = metadata.parse_header("\n".join(pages[:2]))
    found: dict[str, object] = {
        "number": meta.number,
        "issuer": meta.issuer[:200],
        "issued_on": meta.issued_on,
        "doc_type": meta.doc_type if meta.doc_type in DocType.values else "",
        "title": (meta.title or meta.summary)[:500],
    }
    updates = {
        name: value
        for name, value in found.items()
        if value and name not in directive.edited_fields
    }
    if updates:
        _set(directive, **updates)


def _quarantine(directive: Directive, code: str) -> None:
    quarantine = Path(settings.MEDIA_ROOT) / "quarantine"
    quarantine.mkdir(parents=True, exist_ok=True)
    for field in (directive.file, directive.source_file):
        if field and field.name and Path(field.path).exists():
            shutil.move(
                field.path, quarantine / f"directive-{directive.pk}-{Path(field.name).name}"
            )
    with transaction.atomic():
        Chunk.objects.filter(directive=directive).delete()
        _set(directive, status=DirectiveStatus.FAILED, error=code, file="", source_file="")
        mark_changed()
    logger.warning("directive %s refused: %s", directive.pk, code)


# --- Indexing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedChunk:
    chunk: chunking.Chunk
    vector: bytes


def prepare_chunks(
    pages: Sequence[str],
    *,
    document: str = "",
    on_progress: Callable[[int, int], None] | None = None,
) -> list[PreparedChunk]:
    """Chunk a document and embed every chunk (document name + context + text) with the
    configured model; the chunks leave room for the name within the model's limit."""
    encoder = get_encoder()
    reserved = encoder.count_tokens(document) + 1 if document else 0
    pieces = chunking.chunk_document(
        pages,
        count_tokens=lambda text: encoder.count_tokens(text),
        max_tokens=encoder.max_tokens - reserved,
    )
    prepared: list[PreparedChunk] = []
    for first in range(0, len(pieces), EMBED_GROUP):
        batch = pieces[first : first + EMBED_GROUP]
        vectors = encoder.encode_passages([indexed_text(c, document) for c in batch])
        prepared.extend(
            PreparedChunk(chunk=c, vector=vector_to_bytes(v))
            for c, v in zip(batch, vectors, strict=True)
        )
        if on_progress:
            on_progress(len(prepared), len(pieces))
    return prepared


def indexed_text(chunk: chunking.Chunk, document: str = "") -> str:
    """Chunk.indexed_text, before the row exists."""
    return "\n".join(part for part in (document, chunk.context, chunk.text) if part)


def document_name(title: str, number: str) -> str:
    return f"{title} {number}".strip()[:300]


def _chunk_rows(
    prepared: Iterable[PreparedChunk], *, document: str, **owner: object
) -> list[Chunk]:
    return [
        Chunk(
            document=document,
            ordinal=p.chunk.ordinal,
            heading=p.chunk.heading[:300],
            article=p.chunk.article[:20],
            clause=p.chunk.clause[:10],
            point=p.chunk.point[:4],
            context=p.chunk.context[:300],
            text=p.chunk.text,
            start=p.chunk.start,
            end=p.chunk.end,
            page_start=p.chunk.page_start,
            page_end=p.chunk.page_end,
            vector=p.vector,
            **owner,
        )
        for p in prepared
    ]


def index_directive(directive: Directive, pages: Sequence[str]) -> None:
    """Replace the directive's chunks with fresh ones, atomically: a search sees the old set or the
    new one, never a mix, and a failure leaves the old one in place."""
    _set(directive, status=DirectiveStatus.INDEXING, progress=35)

    def progress(done: int, total: int) -> None:
        _set(directive, progress=35 + 64 * done // max(total, 1))

    document = document_name(directive.title, directive.number)
    prepared = prepare_chunks(pages, document=document, on_progress=progress)
    with transaction.atomic():
        locked = Directive.objects.select_for_update().filter(pk=directive.pk).first()
        if locked is None:  # deleted while it was being indexed
            return
        Chunk.objects.filter(directive=directive).delete()
        Chunk.objects.bulk_create(
            _chunk_rows(prepared, document=document, directive=directive), batch_size=500
        )
        _set(
            directive,
            status=DirectiveStatus.READY,
            progress=100,
            chunk_count=len(prepared),
            indexed_at=timezone.now(),
            error="",
        )
        mark_changed()


def index_paper_version(version_id: int) -> None:
    """Index a ready paper version for its meeting's participants, replacing the paper's older
    version's chunks (only the current version is searched; older ones stay readable)."""
    version = (
        PaperVersion.objects.select_related("paper")
        .filter(pk=version_id, status=VersionStatus.READY)
        .first()
    )
    if version is None:
        return
    pages = [
        chunking.document_text([text])
        for text in PageText.objects.filter(version=version)
        .order_by("number")
        .values_list("text", flat=True)
    ]
    paper = version.paper
    document = document_name(paper.title, "")
    prepared = prepare_chunks(pages, document=document) if any(p.strip() for p in pages) else []
    with transaction.atomic():
        newest = (
            PaperVersion.objects.select_for_update()
            .filter(paper=paper, status=VersionStatus.READY)
            .order_by("-number")
            .first()
        )
        if newest is None or newest.pk != version.pk:
            return  # a newer version is (or will be) indexed instead
        Chunk.objects.filter(paper=paper).delete()
        Chunk.objects.bulk_create(
            _chunk_rows(
                prepared,
                document=document,
                paper_version=version,
                paper=paper,
                meeting_id=paper.meeting_id,
            ),
            batch_size=500,
        )
        mark_changed()


@task(priority=WAITED_FOR)
def process_directive_task(directive_id: int) -> None:
    """The worker's job for an uploaded directive: read, describe and index it."""
    process_directive(directive_id)


@task(priority=BACKGROUND)
def index_paper_version_task(version_id: int) -> None:
    """The worker's job for a meeting paper's ready version: index it for its participants."""
    index_paper_version(version_id)
