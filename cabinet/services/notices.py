"""The conclusion notice's life: a draft the secretary or chair edits, the chair's approval, and
issuing, which gives it its number and date, makes its tasks tracked and concludes the meeting.

The draft's content is structured data owned by assistant.drafting (this layer stores it and
enforces who may do what, when). Numbers run per issuing variant (TB-UBND, TB-VP) and calendar
year; they are taken under a lock on the notices of that variant and year, so two notices issued
at the same moment cannot share a number (the unique constraint is the last line of defence).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cabinet.models import (
    ConclusionNotice,
    Meeting,
    MeetingStatus,
    NoticeStatus,
    NoticeVariant,
    Task,
    User,
)
from cabinet.permissions import can_approve_notice, participant_for
from cabinet.services import ServiceError
from cabinet.services.conclusions import RECORDING_STATUSES, require_recorder
from cabinet.services.events import record_event
from cabinet.services.meetings import conclude_meeting, lock_meeting

MAX_CONTENT_BYTES = 200_000


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
    changed = notice.pk is None or notice.content != content or notice.variant != variant
    notice.variant = variant
    notice.content = content
    notice.updated_by = actor
    if changed and notice.status == NoticeStatus.APPROVED:
        notice.status = NoticeStatus.DRAFT
        notice.approved_by = None
        notice.approved_at = None
    notice.save()
    return notice


@transaction.atomic
def approve_notice(*, actor: User, meeting: Meeting) -> ConclusionNotice:
    """The chair approves the draft as it stands."""
    if not can_approve_notice(participant_for(actor, meeting)):
        raise ServiceError(_("Chỉ đồng chí chủ trì cuộc họp mới được duyệt thông báo kết luận."))
    locked = lock_meeting(meeting)
    notice = _editable_notice(locked)
    if notice is None:
        raise ServiceError(_("Chưa có dự thảo thông báo kết luận để duyệt."))
    notice.status = NoticeStatus.APPROVED
    notice.approved_by = actor
    notice.approved_at = timezone.now()
    notice.save()
    return notice


@transaction.atomic
def issue_notice(
    *, actor: User, meeting: Meeting, final_content: dict[str, Any], today: dt.date | None = None
) -> ConclusionNotice:
    """Issue the approved notice: number, date, tracked tasks, meeting concluded.

    ``final_content`` is the notice as it reads when issued (every generated part resolved), kept
    so that the issued text never changes afterwards, whatever happens to names and units.
    Preconditions: the meeting has ended; the chair has approved the draft and nothing changed
    since (any change sends it back to draft).
    """
    require_recorder(actor, meeting)
    locked = lock_meeting(meeting)
    if locked.status != MeetingStatus.ENDED:
        raise ServiceError(_("Chỉ ban hành thông báo kết luận sau khi cuộc họp đã kết thúc."))
    notice = _editable_notice(locked)
    if notice is None or notice.status != NoticeStatus.APPROVED:
        raise ServiceError(
            _("Dự thảo chưa được đồng chí chủ trì duyệt (hoặc đã sửa sau khi duyệt).")
        )
    issued_on = today or timezone.localdate()
    # Serialises numbering per variant and year: the notices of that year are locked (on SQLite
    # the IMMEDIATE transaction already holds the database's write lock).
    same_year = ConclusionNotice.objects.select_for_update().filter(
        variant=notice.variant, year=issued_on.year, number__isnull=False
    )
    last = same_year.aggregate(m=Max("number"))["m"] or 0
    notice.number = last + 1
    notice.year = issued_on.year
    notice.issued_on = issued_on
    notice.status = NoticeStatus.ISSUED
    notice.issued_by = actor
    notice.issued_at = timezone.now()
    notice.content = {**notice.content, "final": final_content}
    notice.save()
    tracked = Task.objects.filter(meeting=locked).update(tracked_since=notice.issued_at)
    conclude_meeting(actor=actor, meeting=locked)
    record_event(
        meeting=locked,
        type="notice.issued",
        payload={"reference": notice.reference, "date": issued_on.isoformat(), "tasks": tracked},
        actor=actor,
    )
    meeting.status = locked.status
    return notice
