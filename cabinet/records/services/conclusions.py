"""Record what the meeting concluded and the tasks it assigned, during or after the meeting.

Who: the meeting's secretary or chair (cabinet.core.permissions.can_record_conclusions). When: while
the meeting is in session or has ended, and until its notice is issued; an issued notice has
made the tasks official (they are tracked from then on), so the record is frozen.

Changes are audited in the meeting's event log without a sequence number (nothing on the tablets
shows conclusions, so no broadcast).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cabinet.core.errors import ServiceError
from cabinet.core.event_types import Event
from cabinet.core.events import record_access
from cabinet.core.permissions import can_record_conclusions, participant_for
from cabinet.meetings.selectors import record_is_open
from cabinet.meetings.services.meetings import lock_meeting
from cabinet.models import (
    AgendaItem,
    Conclusion,
    ConclusionNotice,
    Meeting,
    MeetingStatus,
    NoticeStatus,
    Task,
    Unit,
    User,
)
from cabinet.records.documents.decree30 import printable

MAX_CONCLUSION_CHARS = 20_000
MAX_TASK_CHARS = 4_000


def require_recorder(actor: User, meeting: Meeting) -> None:
    if not can_record_conclusions(participant_for(actor, meeting)):
        raise ServiceError(_("Chỉ thư ký hoặc chủ trì cuộc họp mới được ghi kết luận."))


def _require_open_record(meeting: Meeting) -> None:
    """The record may change while the meeting runs or has ended, until the notice is issued
    (cabinet.meetings.selectors.record_is_open); otherwise say why not."""
    if record_is_open(meeting):
        return
    if meeting.status in (MeetingStatus.DRAFT, MeetingStatus.PUBLISHED):
        raise ServiceError(_("Cuộc họp chưa bắt đầu, chưa thể ghi kết luận."))
    raise ServiceError(_("Thông báo kết luận đã ban hành, không thể sửa kết luận và nhiệm vụ."))


def _locked_for_recording(actor: User, meeting: Meeting) -> Meeting:
    require_recorder(actor, meeting)
    # The meeting row lock orders record changes against issuing the notice (which takes it too).
    locked = lock_meeting(meeting)
    _require_open_record(locked)
    return locked


def _item_of(meeting: Meeting, item_id: int | None) -> AgendaItem | None:
    if item_id is None:
        return None
    item = AgendaItem.objects.filter(pk=item_id, meeting=meeting).first()
    if item is None:
        raise ServiceError(_("Nội dung chương trình không thuộc cuộc họp này."))
    return item


@transaction.atomic
def record_conclusion(
    *, actor: User, meeting: Meeting, item_id: int | None, text: str
) -> Conclusion | None:
    """Set the conclusion on an agenda item (or on the whole meeting when ``item_id`` is None).
    An empty text removes it."""
    locked = _locked_for_recording(actor, meeting)
    item = _item_of(locked, item_id)
    text = printable(text).strip()
    if len(text) > MAX_CONCLUSION_CHARS:
        raise ServiceError(_("Kết luận quá dài (tối đa 20.000 ký tự)."))
    existing = Conclusion.objects.filter(meeting=locked, agenda_item=item).first()
    if not text:
        if existing is not None:
            existing.delete()
            _audit(locked, actor, Event.CONCLUSION_REMOVED, item)
            _notice_back_to_draft(locked)
        return None
    if existing is None:
        existing = Conclusion(meeting=locked, agenda_item=item)
    existing.text = text
    existing.updated_by = actor
    existing.save()
    _audit(locked, actor, Event.CONCLUSION_RECORDED, item)
    _notice_back_to_draft(locked)
    return existing


def _clean_task_fields(
    meeting: Meeting,
    *,
    lead_unit_id: int | None,
    coordinating_unit_ids: Sequence[int],
    content: str,
    deadline: dt.date | None,
    report_to: str,
) -> tuple[Unit, list[Unit], str, str]:
    content = " ".join(printable(content).split())
    if not content:
        raise ServiceError(_("Cần nhập nội dung nhiệm vụ."))
    if len(content) > MAX_TASK_CHARS:
        raise ServiceError(_("Nội dung nhiệm vụ quá dài (tối đa 4.000 ký tự)."))
    lead = Unit.objects.filter(pk=lead_unit_id, is_active=True).first() if lead_unit_id else None
    if lead is None:
        raise ServiceError(_("Cần chọn đơn vị chủ trì trong danh sách đơn vị."))
    partner_ids = {pk for pk in coordinating_unit_ids if pk != lead.pk}
    partners = list(Unit.objects.filter(pk__in=partner_ids, is_active=True))
    if len(partners) != len(partner_ids):
        raise ServiceError(_("Có đơn vị phối hợp không có trong danh sách đơn vị."))
    if deadline is not None and deadline < timezone.localdate(meeting.starts_at):
        raise ServiceError(_("Thời hạn không thể trước ngày họp."))
    return lead, partners, content, " ".join(report_to.split())[:200]


@transaction.atomic
def add_task(
    *,
    actor: User,
    meeting: Meeting,
    item_id: int | None,
    lead_unit_id: int | None,
    coordinating_unit_ids: Sequence[int] = (),
    with_related_units: bool = False,
    content: str,
    deadline: dt.date | None,
    report_to: str = "",
    source_text: str = "",
) -> Task:
    """Assign a task under an agenda item (or the meeting). Fields are the secretary's confirmed
    ones (the sentence parser only pre-fills the form)."""
    locked = _locked_for_recording(actor, meeting)
    item = _item_of(locked, item_id)
    lead, partners, content, report_to = _clean_task_fields(
        locked,
        lead_unit_id=lead_unit_id,
        coordinating_unit_ids=coordinating_unit_ids,
        content=content,
        deadline=deadline,
        report_to=report_to,
    )
    last = Task.objects.filter(meeting=locked, agenda_item=item).aggregate(m=Max("position"))["m"]
    task = Task.objects.create(
        meeting=locked,
        agenda_item=item,
        position=(last or 0) + 1,
        lead_unit=lead,
        with_related_units=with_related_units,
        content=content,
        deadline=deadline,
        report_to=report_to,
        source_text=printable(source_text).strip()[:MAX_TASK_CHARS],
        created_by=actor,
    )
    task.coordinating_units.set(partners)
    _audit(locked, actor, Event.TASK_ADDED, item, task=task.pk)
    _notice_back_to_draft(locked)
    return task


@transaction.atomic
def update_task(
    *,
    actor: User,
    meeting: Meeting,
    task_id: int,
    item_id: int | None,
    lead_unit_id: int | None,
    coordinating_unit_ids: Sequence[int] = (),
    with_related_units: bool = False,
    content: str,
    deadline: dt.date | None,
    report_to: str = "",
    source_text: str | None = None,
) -> Task:
    """Change a task's fields, its agenda item too; ``source_text`` (the sentence it was read
    from) is replaced when given."""
    locked = _locked_for_recording(actor, meeting)
    task = Task.objects.filter(pk=task_id, meeting=locked).first()
    if task is None:
        raise ServiceError(_("Nhiệm vụ không thuộc cuộc họp này."))
    item = _item_of(locked, item_id)
    if item != task.agenda_item:
        last = Task.objects.filter(meeting=locked, agenda_item=item).aggregate(m=Max("position"))
        task.agenda_item = item
        task.position = (last["m"] or 0) + 1
    if source_text is not None:
        task.source_text = printable(source_text).strip()[:MAX_TASK_CHARS]
    lead, partners, content, report_to = _clean_task_fields(
        locked,
        lead_unit_id=lead_unit_id,
        coordinating_unit_ids=coordinating_unit_ids,
        content=content,
        deadline=deadline,
        report_to=report_to,
    )
    task.lead_unit = lead
    task.with_related_units = with_related_units
    task.content = content
    task.deadline = deadline
    task.report_to = report_to
    task.save()
    task.coordinating_units.set(partners)
    _audit(locked, actor, Event.TASK_CHANGED, task.agenda_item, task=task.pk)
    _notice_back_to_draft(locked)
    return task


@transaction.atomic
def delete_task(*, actor: User, meeting: Meeting, task_id: int) -> None:
    locked = _locked_for_recording(actor, meeting)
    task = Task.objects.filter(pk=task_id, meeting=locked).first()
    if task is None:
        raise ServiceError(_("Nhiệm vụ không thuộc cuộc họp này."))
    item = task.agenda_item
    task.delete()
    _audit(locked, actor, Event.TASK_REMOVED, item, task=task_id)
    _notice_back_to_draft(locked)


def _notice_back_to_draft(meeting: Meeting) -> None:
    """An approved draft no longer says what was recorded: it needs the chair's approval again."""
    ConclusionNotice.objects.filter(meeting=meeting, status=NoticeStatus.APPROVED).update(
        status=NoticeStatus.DRAFT, approved_by=None, approved_at=None
    )


def _audit(
    meeting: Meeting, actor: User, type: Event, item: AgendaItem | None, **extra: int
) -> None:
    record_access(
        meeting_id=meeting.pk,
        type=type,
        payload={"item": item.pk if item else None, **extra},
        actor=actor,
    )
