"""The conclusion notice's life: a draft the secretary or chair edits, the chair's approval, and
issuing, which gives it its number and date, makes its tasks tracked and concludes the meeting.

The draft's content is structured data owned by assistant.notices.drafting (this layer stores it and
enforces who may do what, when). Numbers run per issuing variant (TB-UBND, TB-VP) and calendar
year; they are taken under a lock on the notices of that variant and year, so two notices issued
at the same moment cannot share a number (the unique constraint is the last line of defence).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypedDict

from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cabinet.core.errors import ServiceError
from cabinet.core.event_types import Event
from cabinet.core.events import record_event
from cabinet.core.permissions import can_approve_notice, participant_for
from cabinet.meetings.selectors import MEETING_SCOPE, RECORDING_STATUSES
from cabinet.meetings.services.meetings import conclude_meeting, lock_meeting
from cabinet.models import (
    ConclusionNotice,
    Meeting,
    MeetingStatus,
    NoticeStatus,
    NoticeVariant,
    Task,
    User,
)
from cabinet.records.services.conclusions import require_recorder

MAX_CONTENT_BYTES = 200_000
_NUMBERING_LOCK = 7_301  # the advisory lock class of notice numbering (any constant of ours)


class NoticeIssuedPayload(TypedDict):
    """notice.issued: the tablets show the notice's number and that its tasks are tracked."""

    reference: str  # "12/TB-UBND"
    date: str  # ISO date of issue
    tasks: int  # the meeting's tasks, now tracked


def _serialise_numbering(variant: str, year: int) -> None:
    """One numbering at a time per variant and year, across meetings. On PostgreSQL an advisory
    lock held until the transaction ends (a row lock cannot cover the first number of a year,
    and FOR UPDATE is refused with MAX()); SQLite's IMMEDIATE transaction already holds the
    database's write lock."""
    if connection.vendor != "postgresql":
        return
    key = year * 10 + list(NoticeVariant.values).index(variant)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_NUMBERING_LOCK, key])


def _editable_notice(meeting: Meeting) -> ConclusionNotice | None:
    if meeting.status not in RECORDING_STATUSES:
        raise ServiceError(_("Chỉ soạn thông báo kết luận khi cuộc họp đang họp hoặc đã kết thúc."))
    notice = ConclusionNotice.objects.select_for_update().filter(meeting=meeting).first()
    if notice is not None and notice.status == NoticeStatus.ISSUED:
        raise ServiceError(_("Thông báo kết luận đã ban hành, không thể sửa."))
    return notice


@transaction.atomic
def save_notice_draft(
    *, actor: User, meeting: Meeting, variant: str, content: dict[str, Any]
) -> ConclusionNotice:
    """Create or replace the draft. Saving an approved draft sends it back to the chair."""
    require_recorder(actor, meeting)
    locked = lock_meeting(meeting)
    notice = _editable_notice(locked)
    if variant not in NoticeVariant.values:
        raise ServiceError(_("Cơ quan ban hành không hợp lệ."))
    if len(str(content).encode()) > MAX_CONTENT_BYTES:
        raise ServiceError(_("Dự thảo quá dài."))
    if notice is None:
        notice = ConclusionNotice(meeting=locked)
    edits = {key: value for key, value in notice.content.items() if key != "approved"}
    changed = notice.pk is None or edits != content or notice.variant != variant
    notice.variant = variant
    notice.updated_by = actor
    if changed:
        notice.content = content  # without the approved text: approval is due again
        notice.status = NoticeStatus.DRAFT
        notice.approved_by = None
        notice.approved_at = None
    notice.save()
    return notice


@transaction.atomic
def approve_notice(
    *, actor: User, meeting: Meeting, approved_content: dict[str, Any]
) -> ConclusionNotice:
    """The chair approves the notice as it reads now (``approved_content``: every part resolved,
    as shown to the chair). That text is what will be issued: a later change to the record or
    the draft sends the notice back to draft, and nothing else (a renamed unit, a directive
    edited in the library) can change it. Only once the meeting has ended, so that attendance
    and votes are final."""
    if not can_approve_notice(participant_for(actor, meeting)):
        raise ServiceError(_("Chỉ đồng chí chủ trì cuộc họp mới được duyệt thông báo kết luận."))
    locked = lock_meeting(meeting)
    if locked.status != MeetingStatus.ENDED:
        raise ServiceError(_("Chỉ duyệt thông báo kết luận sau khi cuộc họp đã kết thúc."))
    notice = _editable_notice(locked)
    if notice is None:
        raise ServiceError(_("Chưa có dự thảo thông báo kết luận để duyệt."))
    notice.status = NoticeStatus.APPROVED
    notice.approved_by = actor
    notice.approved_at = timezone.now()
    notice.content = {**notice.content, "approved": approved_content}
    notice.save()
    return notice


@transaction.atomic
def issue_notice(
    *, actor: User, meeting: Meeting, today: dt.date | None = None
) -> ConclusionNotice:
    """Issue the approved notice: number, date, tracked tasks, meeting concluded.

    The text issued is the one the chair approved (kept as ``content["final"]``), so the issued
    notice never changes afterwards. Preconditions: the meeting has ended; the chair has approved
    the draft and nothing changed since (any change sends it back to draft).
    """
    require_recorder(actor, meeting)
    locked = lock_meeting(meeting)
    if locked.status != MeetingStatus.ENDED:
        raise ServiceError(_("Chỉ ban hành thông báo kết luận sau khi cuộc họp đã kết thúc."))
    notice = _editable_notice(locked)
    approved = notice.content.get("approved") if notice is not None else None
    if notice is None or notice.status != NoticeStatus.APPROVED or not isinstance(approved, dict):
        raise ServiceError(
            _("Dự thảo chưa được đồng chí chủ trì duyệt (hoặc đã sửa sau khi duyệt).")
        )
    issued_on = today or timezone.localdate()
    _serialise_numbering(notice.variant, issued_on.year)
    same_year = ConclusionNotice.objects.filter(
        variant=notice.variant, year=issued_on.year, number__isnull=False
    )
    last = same_year.aggregate(m=Max("number"))["m"] or 0
    notice.number = last + 1
    notice.year = issued_on.year
    notice.issued_on = issued_on
    notice.status = NoticeStatus.ISSUED
    notice.issued_by = actor
    notice.issued_at = timezone.now()
    notice.content = {**notice.content, "final": approved}
    try:
        # The unique constraint is the last line of defence; with the lock above it never fires.
        with transaction.atomic():
            notice.save()
    except IntegrityError:
        raise ServiceError(
            _("Số thông báo vừa được cấp cho văn bản khác; hãy ban hành lại.")
        ) from None
    tracked = Task.objects.filter(meeting=locked).update(tracked_since=notice.issued_at)
    conclude_meeting(actor=actor, meeting=locked)
    record_event(
        meeting=locked,
        type=Event.NOTICE_ISSUED,
        payload=NoticeIssuedPayload(
            reference=notice.reference, date=issued_on.isoformat(), tasks=tracked
        ),
        actor=actor,
        scope=MEETING_SCOPE,
    )
    meeting.status = locked.status
    return notice
