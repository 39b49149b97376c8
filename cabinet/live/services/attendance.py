"""Attendance (điểm danh): members check in from their tablets; the secretary marks the others."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from cabinet.core.errors import ServiceError
from cabinet.core.event_types import Event
from cabinet.core.events import record_event
from cabinet.core.permissions import can_run_meeting, participant_for
from cabinet.live.snapshot import (
    AttendanceChangedPayload,
    AttendanceData,
    attendance_data,
    quorum_for,
)
from cabinet.meetings.selectors import MEETING_SCOPE
from cabinet.meetings.services.meetings import (
    before_day_message,
    lock_meeting,
    meeting_day_reached,
)
from cabinet.models import Attendance, AttendanceStatus, Meeting, MeetingStatus, Participant, User

# Attendance is taken from the invitation on (members check in as they arrive) until the end.
OPEN_FOR_ATTENDANCE = (MeetingStatus.PUBLISHED, MeetingStatus.IN_SESSION)
UNKNOWN = "unknown"


def _require_open(meeting: Meeting) -> None:
    if meeting.status not in OPEN_FOR_ATTENDANCE:
        raise ServiceError(_("Chỉ điểm danh được khi cuộc họp đã gửi giấy mời hoặc đang họp."))


def _require_meeting_day(meeting: Meeting) -> None:
    """Nobody is here before the meeting's day (unless the chair has opened it early): being
    present or online is refused; an absence announced in advance is not."""
    if meeting.status == MeetingStatus.PUBLISHED and not meeting_day_reached(meeting):
        raise ServiceError(before_day_message(meeting) + " " + _("Chưa điểm danh có mặt được."))


def _announce(*, actor: User, meeting: Meeting, participant: Participant) -> None:
    row = Attendance.objects.filter(participant=participant).first()
    data = (
        attendance_data(row)
        if row
        else AttendanceData(status=UNKNOWN, reason="", substitute="", at=None)
    )
    record_event(
        meeting=meeting,
        type=Event.ATTENDANCE_CHANGED,
        payload=AttendanceChangedPayload(
            participant=participant.pk, **data, quorum=quorum_for(meeting)
        ),
        actor=actor,
        scope=MEETING_SCOPE,
    )


@transaction.atomic
def check_in(*, actor: User, meeting: Meeting, mode: str) -> Attendance:
    """The member says they are here: in the room or online."""
    if mode not in (AttendanceStatus.PRESENT, AttendanceStatus.ONLINE):
        raise ServiceError(_("Hình thức tham dự không hợp lệ."))
    locked = lock_meeting(meeting)
    _require_open(locked)
    _require_meeting_day(locked)
    participant = participant_for(actor, locked)
    if participant is None:
        raise ServiceError(_("Đồng chí không tham dự cuộc họp này."))
    attendance, _created = Attendance.objects.update_or_create(
        participant=participant,
        defaults={
            "meeting": locked,
            "status": mode,
            "reason": "",
            "substitute_name": "",
            "marked_by": actor,
        },
    )
    _announce(actor=actor, meeting=locked, participant=participant)
    return attendance


@transaction.atomic
def mark_attendance(
    *,
    actor: User,
    meeting: Meeting,
    participant_id: int,
    status: str,
    reason: str = "",
    substitute: str = "",
) -> Attendance | None:
    """The secretary (or chair) records someone's attendance; "unknown" clears it.

    An absence needs its reason and a representation the name of who attends instead, as the
    minutes must record both.
    """
    locked = lock_meeting(meeting)
    if not can_run_meeting(participant_for(actor, locked)):
        raise ServiceError(_("Chỉ chủ trì hoặc thư ký mới được điểm danh đại biểu."))
    _require_open(locked)
    participant = Participant.objects.filter(meeting=locked, pk=participant_id).first()
    if participant is None:
        raise ServiceError(_("Người này không có trong thành phần dự họp."))
    reason, substitute = reason.strip(), substitute.strip()
    attendance: Attendance | None = None
    if status == UNKNOWN:
        Attendance.objects.filter(participant=participant).delete()
    elif status in AttendanceStatus.values:
        if status == AttendanceStatus.ABSENT and not reason:
            raise ServiceError(_("Cần ghi lý do vắng mặt."))
        if status == AttendanceStatus.REPRESENTED and not substitute:
            raise ServiceError(_("Cần ghi tên người dự thay."))
        if status in (AttendanceStatus.PRESENT, AttendanceStatus.ONLINE):
            _require_meeting_day(locked)
        attendance, _created = Attendance.objects.update_or_create(
            participant=participant,
            defaults={
                "meeting": locked,
                "status": status,
                "reason": reason if status == AttendanceStatus.ABSENT else "",
                "substitute_name": substitute if status == AttendanceStatus.REPRESENTED else "",
                "marked_by": actor,
            },
        )
    else:
        raise ServiceError(_("Tình trạng điểm danh không hợp lệ."))
    _announce(actor=actor, meeting=locked, participant=participant)
    return attendance
