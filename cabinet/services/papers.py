"""Attach papers to a meeting or an agenda item, and replace them with new immutable versions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from cabinet.models import AgendaItem, Meeting, MeetingStatus, Paper, PaperKind, PaperVersion, User
from cabinet.services import ServiceError
from cabinet.services.events import record_event
from cabinet.services.meetings import lock_meeting, require_manager
from cabinet.uploads import PdfFacts, inspect_pdf

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
            version.file.storage.delete(version.file.name)
        raise


def _check_upload(upload: UploadedFile) -> PdfFacts:
    return inspect_pdf(upload, size=upload.size or 0)


def _new_version(
    *, paper: Paper, upload: UploadedFile, facts: PdfFacts, actor: User, note: str
) -> PaperVersion:
    last = paper.versions.aggregate(m=Max("number"))["m"] or 0
    version = PaperVersion(
        paper=paper,
        number=last + 1,
        file=upload,
        original_name=(upload.name or "tai-lieu.pdf")[-MAX_NAME:],
        sha256=facts.sha256,
        size=facts.size,
        page_count=facts.page_count,
        note=note.strip(),
        uploaded_by=actor,
    )
    version.save()
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
    """A new paper with its first version. The PDF is checked before anything is written."""
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
        version = _new_version(paper=paper, upload=upload, facts=facts, actor=actor, note=note)
        stored.versions.append(version)
        record_event(
            meeting=locked,
            type="paper.added",
            payload={
                "paper": paper.pk,
                "item": agenda_item.pk if agenda_item else None,
                "version": version.number,
            },
            actor=actor,
        )
    return paper


def add_paper_version(
    *, actor: User, paper: Paper, upload: UploadedFile, note: str = ""
) -> PaperVersion:
    """Replace a paper: the old version stays; participants are told there is a new one."""
    require_manager(actor, paper.meeting)
    facts = _check_upload(upload)
    with _atomic_with_files() as stored:
        locked = lock_meeting(paper.meeting)
        if locked.status not in PAPERS_OPEN:
            raise ServiceError(_("Cuộc họp đã kết thúc, không thể thay đổi tài liệu."))
        current = paper.versions.order_by("-number").first()
        if current is not None and current.sha256 == facts.sha256:
            raise ServiceError(_("Tệp này giống hệt phiên bản hiện tại; không có gì thay đổi."))
        version = _new_version(paper=paper, upload=upload, facts=facts, actor=actor, note=note)
        stored.versions.append(version)
        record_event(
            meeting=locked,
            type="paper.version_added",
            payload={"paper": paper.pk, "version": version.number},
            actor=actor,
        )
    return version
