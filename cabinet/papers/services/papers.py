"""Attach papers to a meeting or an agenda item, and replace them with new immutable versions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from cabinet.core.errors import ServiceError
from cabinet.core.event_types import Event
from cabinet.core.events import record_access
from cabinet.meetings.services.meetings import lock_meeting, require_manager
from cabinet.models import (
    PROCESSING_STATUSES,
    AgendaItem,
    Meeting,
    MeetingStatus,
    Paper,
    PaperKind,
    PaperVersion,
    SourceKind,
    User,
    VersionStatus,
)
from cabinet.papers.lib.convert import conversion_available
from cabinet.papers.lib.uploads import UploadFacts, check_upload
from cabinet.papers.services.processing import process_paper_version

MAX_NAME = 255
# Papers may still be corrected during the session (a table fixed on the morning of the meeting);
# once it has ended the record is closed.
PAPERS_OPEN = frozenset({MeetingStatus.DRAFT, MeetingStatus.PUBLISHED, MeetingStatus.IN_SESSION})


class _StoredFiles:
    def __init__(self) -> None:
        self.versions: list[PaperVersion] = []


@contextmanager
def _atomic_with_files() -> Iterator[_StoredFiles]:
    """A transaction that also deletes the files it wrote if it rolls back: no orphan files."""
    stored = _StoredFiles()
    try:
        with transaction.atomic():
            yield stored
    except BaseException:
        for version in stored.versions:
            for field in (version.file, version.source_file):
                if field.name:
                    field.storage.delete(field.name)
        raise


def _check_upload(upload: UploadedFile) -> UploadFacts:
    facts = check_upload(upload, size=upload.size or 0)
    if facts.kind != SourceKind.PDF and not conversion_available():
        raise ServiceError(
            _("Máy chủ chưa cài LibreOffice nên không nhận được DOCX/DOC/ODT; hãy tải lên bản PDF.")
        )
    return facts


def _new_version(
    *,
    paper: Paper,
    upload: UploadedFile,
    facts: UploadFacts,
    actor: User,
    note: str,
    stored: _StoredFiles,
) -> PaperVersion:
    """Store the upload as a QUEUED version and have the worker process it once this commits.

    A PDF is stored as the served file straight away (processing only reads it); any other format
    is kept as the source and the PDF is written by the conversion step.
    """
    last = paper.versions.aggregate(m=Max("number"))["m"] or 0
    version = PaperVersion(
        paper=paper,
        number=last + 1,
        source_kind=facts.kind,
        original_name=(upload.name or "tai-lieu")[-MAX_NAME:],
        sha256=facts.sha256,
        size=facts.size,
        status=VersionStatus.QUEUED,
        note=note.strip(),
        uploaded_by=actor,
    )
    if facts.kind == SourceKind.PDF:
        version.file = upload
    else:
        version.source_file = upload
    version.save()
    stored.versions.append(version)  # from here on a rollback deletes the written file
    record_access(
        meeting_id=paper.meeting_id,
        type=Event.PAPER_UPLOADED,
        payload={"paper": paper.pk, "version": version.number, "format": facts.kind},
        actor=actor,
    )
    version_id = version.pk
    transaction.on_commit(lambda: process_paper_version.enqueue(version_id))
    return version


def attach_paper(
    *,
    actor: User,
    meeting: Meeting,
    title: str,
    kind: str,
    upload: UploadedFile,
    agenda_item: AgendaItem | None = None,
    note: str = "",
) -> Paper:
    """A new paper with its first version. The upload is checked (size, type by content) before
    anything is written; members see the paper once the worker has made the version READY."""
    require_manager(actor, meeting)
    if kind not in PaperKind.values:
        raise ServiceError(_("Loại tài liệu không hợp lệ."))
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        raise ServiceError(_("Nội dung được chọn không thuộc cuộc họp này."))
    facts = _check_upload(upload)
    with _atomic_with_files() as stored:
        locked = lock_meeting(meeting)
        if locked.status not in PAPERS_OPEN:
            raise ServiceError(_("Cuộc họp đã kết thúc, không thể thay đổi tài liệu."))
        paper = Paper.objects.create(
            meeting=locked,
            agenda_item=agenda_item,
            title=title.strip(),
            kind=kind,
            created_by=actor,
        )
        _new_version(paper=paper, upload=upload, facts=facts, actor=actor, note=note, stored=stored)
    return paper


def add_paper_version(
    *, actor: User, paper: Paper, upload: UploadedFile, note: str = ""
) -> PaperVersion:
    """Replace a paper: the old version stays; participants are told once the new one is READY."""
    require_manager(actor, paper.meeting)
    facts = _check_upload(upload)
    with _atomic_with_files() as stored:
        locked = lock_meeting(paper.meeting)
        if locked.status not in PAPERS_OPEN:
            raise ServiceError(_("Cuộc họp đã kết thúc, không thể thay đổi tài liệu."))
        current = paper.versions.order_by("-number").first()
        if (
            current is not None
            and current.sha256 == facts.sha256
            and current.status != VersionStatus.FAILED
        ):
            raise ServiceError(_("Tệp này giống hệt phiên bản hiện tại; không có gì thay đổi."))
        if paper.versions.filter(status__in=PROCESSING_STATUSES).exists():
            raise ServiceError(_("Phiên bản trước đang được xử lý; hãy chờ xong rồi tải lên tiếp."))
        version = _new_version(
            paper=paper, upload=upload, facts=facts, actor=actor, note=note, stored=stored
        )
    return version
