"""Create, edit, staff and move meetings through their lifecycle."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from cabinet.core.errors import ServiceError
from cabinet.core.event_types import Event
from cabinet.core.events import record_event
from cabinet.core.permissions import (
    can_manage_meeting,
    can_organize_meetings,
    can_run_meeting,
    participant_for,
)
from cabinet.meetings.payloads import (
    MeetingStatusPayload,
    MeetingTitlePayload,
    ParticipantInvitedPayload,
    ParticipantRemovedPayload,
)
from cabinet.meetings.selectors import MEETING_SCOPE
from cabinet.models import (
    ALLOWED_TRANSITIONS,
    Meeting,
    MeetingStatus,
    Participant,
    ParticipantRole,
    Unit,
    User,
)
from realtime.broadcast import disconnect_user_on_commit


def lock_meeting(meeting: Meeting) -> Meeting:
    """Re-read the meeting under a row lock, so decisions are taken on its committed state."""
    return Meeting.objects.select_for_update().get(pk=meeting.pk)


def require_manager(actor: User, meeting: Meeting) -> Participant:
    participant = participant_for(actor, meeting)
    if not can_manage_meeting(participant):
        raise ServiceError(_("Chỉ thư ký cuộc họp mới được chuẩn bị cuộc họp này."))
    assert participant is not None
    return participant


def require_runner(actor: User, meeting: Meeting) -> Participant:
    participant = participant_for(actor, meeting)
    if not can_run_meeting(participant):
        raise ServiceError(_("Chỉ chủ trì hoặc thư ký mới được điều hành cuộc họp."))
    assert participant is not None
    return participant


def require_in_session(meeting: Meeting) -> None:
    if meeting.status != MeetingStatus.IN_SESSION:
        raise ServiceError(_("Cuộc họp chưa bắt đầu hoặc đã kết thúc."))


def require_editable(meeting: Meeting) -> None:
    if not meeting.is_editable:
        raise ServiceError(
            _("Cuộc họp đã diễn ra, không thể thay đổi chương trình hay thành phần.")
        )


def meeting_day(meeting: Meeting) -> date:
    """The meeting's date in the committee's own time zone (Vietnam: settings.TIME_ZONE), whatever
    the time zone a request has activated."""
    return timezone.localtime(meeting.starts_at, timezone.get_default_timezone()).date()


def meeting_day_reached(meeting: Meeting, *, now: datetime | None = None) -> bool:
    """Has the meeting's day come (in Vietnam)? Before it, the room stays closed: no start, no
    check-in (a meeting three weeks ahead could be started and members checked in)."""
    today = timezone.localtime(now or timezone.now(), timezone.get_default_timezone()).date()
    return meeting_day(meeting) <= today


def before_day_message(meeting: Meeting) -> str:
    return _("Chưa đến ngày họp (%(day)s).") % {
        "day": formats.date_format(meeting_day(meeting), "d/m/Y")
    }


# The reason the chair gives to start before the meeting's day, kept in the event log.
EARLY_REASON_MAX = 500


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise ServiceError(_("Thời gian kết thúc phải sau thời gian bắt đầu."))


@transaction.atomic
def create_meeting(
    *,
    actor: User,
    title: str,
    kind: str,
    location: str,
    starts_at: datetime,
    ends_at: datetime,
    organizer_unit: Unit,
    description: str = "",
) -> Meeting:
    """A new draft meeting; its creator becomes its secretary."""
    if not can_organize_meetings(actor):
        raise ServiceError(_("Bạn không có quyền tạo cuộc họp."))
    _check_times(starts_at, ends_at)
    meeting = Meeting.objects.create(
        title=title.strip(),
        kind=kind,
        location=location.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        organizer_unit=organizer_unit,
        description=description.strip(),
        created_by=actor,
    )
    Participant.objects.create(meeting=meeting, user=actor, role=ParticipantRole.SECRETARY)
    record_event(
        meeting=meeting,
        type=Event.MEETING_CREATED,
        payload=MeetingTitlePayload(title=meeting.title),
        actor=actor,
        scope=MEETING_SCOPE,
    )
    return meeting


@transaction.atomic
def update_meeting(
    *,
    actor: User,
    meeting: Meeting,
    title: str,
    kind: str,
    location: str,
    starts_at: datetime,
    ends_at: datetime,
    organizer_unit: Unit,
    description: str = "",
) -> Meeting:
    require_manager(actor, meeting)
    locked = lock_meeting(meeting)
    require_editable(locked)
    _check_times(starts_at, ends_at)
    locked.title = title.strip()
    locked.kind = kind
    locked.location = location.strip()
    locked.starts_at = starts_at
    locked.ends_at = ends_at
    locked.organizer_unit = organizer_unit
    locked.description = description.strip()
    locked.save()
    record_event(
        meeting=locked,
        type=Event.MEETING_UPDATED,
        payload=MeetingTitlePayload(title=locked.title),
        actor=actor,
        scope=MEETING_SCOPE,
    )
    return locked


@transaction.atomic
def invite_participant(
    *,
    actor: User,
    meeting: Meeting,
    user: User,
    role: str,
    can_vote: bool,
    substitute_for: User | None = None,
) -> Participant:
    """Add an official to the meeting. Observers never vote; a substitute replaces an absent official."""
    require_manager(actor, meeting)
    locked = lock_meeting(meeting)
    require_editable(locked)
    if not user.is_active:
        raise ServiceError(_("Tài khoản này đã bị khóa."))
    if role not in ParticipantRole.values:
        raise ServiceError(_("Vai trò không hợp lệ."))
    if role == ParticipantRole.OBSERVER and can_vote:
        raise ServiceError(_("Người theo dõi không có quyền biểu quyết."))
    if locked.participants.filter(user=user).exists():
        raise ServiceError(_("%(name)s đã có trong thành phần dự họp.") % {"name": user})
    if role == ParticipantRole.CHAIR and locked.participants.filter(role=role).exists():
        raise ServiceError(_("Cuộc họp đã có người chủ trì."))
    if substitute_for is not None:
        if substitute_for == user:
            raise ServiceError(_("Không thể dự thay cho chính mình."))
        if locked.participants.filter(user=substitute_for).exists():
            raise ServiceError(
                _(
                    "%(name)s đang là thành phần dự họp; hãy bỏ người này trước khi cử người dự thay."
                )
                % {"name": substitute_for}
            )
        if locked.participants.filter(substitute_for=substitute_for).exists():
            raise ServiceError(_("Đã có người dự thay cho %(name)s.") % {"name": substitute_for})
    participant = Participant.objects.create(
        meeting=locked, user=user, role=role, can_vote=can_vote, substitute_for=substitute_for
    )
    record_event(
        meeting=locked,
        type=Event.PARTICIPANT_INVITED,
        payload=ParticipantInvitedPayload(participant=participant.pk, user=user.pk, role=role),
        actor=actor,
        scope=MEETING_SCOPE,
    )
    return participant


@transaction.atomic
def remove_participant(*, actor: User, participant: Participant) -> None:
    require_manager(actor, participant.meeting)
    locked = lock_meeting(participant.meeting)
    require_editable(locked)
    if (
        participant.role == ParticipantRole.SECRETARY
        and not locked.participants.filter(role=ParticipantRole.SECRETARY)
        .exclude(pk=participant.pk)
        .exists()
    ):
        raise ServiceError(_("Cuộc họp phải còn ít nhất một thư ký."))
    user_id = participant.user_id
    participant.delete()
    record_event(
        meeting=locked,
        type=Event.PARTICIPANT_REMOVED,
        payload=ParticipantRemovedPayload(user=user_id),
        actor=actor,
        scope=MEETING_SCOPE,
    )
    # Their open meeting pages stop listening as soon as the removal has committed.
    disconnect_user_on_commit(user_id, meeting_id=locked.pk)


def transition(
    *,
    actor: User,
    meeting: Meeting,
    to: MeetingStatus,
    event: Event,
    early_reason: str = "",
) -> Meeting:
    """Move the meeting to `to`, if its lifecycle allows, and record `event` (with the reason the
    chair gave to start early, if any). Inside the caller's transaction."""
    locked = lock_meeting(meeting)
    if to not in ALLOWED_TRANSITIONS[MeetingStatus(locked.status)]:
        raise ServiceError(
            _("Không thể chuyển cuộc họp từ “%(from)s” sang “%(to)s”.")
            % {"from": locked.get_status_display(), "to": to.label}
        )
    payload: MeetingStatusPayload = {"from": locked.status, "status": to.value}
    if early_reason:
        payload["early_reason"] = early_reason
    locked.status = to
    locked.save(update_fields=["status", "updated_at"])
    record_event(
        meeting=locked,
        type=event,
        payload=payload,
        actor=actor,
        scope=MEETING_SCOPE,
    )
    meeting.status = locked.status
    return locked


@transaction.atomic
def publish_meeting(*, actor: User, meeting: Meeting) -> Meeting:
    """Send the invitation: the meeting and its papers become visible to every participant."""
    require_manager(actor, meeting)
    if not meeting.participants.filter(role=ParticipantRole.CHAIR).exists():
        raise ServiceError(_("Cần chọn người chủ trì trước khi gửi giấy mời."))
    if not meeting.agenda_items.exists():
        raise ServiceError(_("Chương trình họp chưa có nội dung nào."))
    return transition(
        actor=actor, meeting=meeting, to=MeetingStatus.PUBLISHED, event=Event.MEETING_PUBLISHED
    )


@transaction.atomic
def start_meeting(*, actor: User, meeting: Meeting, early_reason: str = "") -> Meeting:
    """Open the session, on the meeting's day. Before it only the chair may, giving the reason
    (an urgent session brought forward), which the meeting.started event keeps."""
    participant = participant_for(actor, meeting)
    if not can_run_meeting(participant):
        raise ServiceError(_("Chỉ chủ trì hoặc thư ký mới được bắt đầu cuộc họp."))
    assert participant is not None
    locked = lock_meeting(meeting)
    early_reason = early_reason.strip()
    if meeting_day_reached(locked):
        early_reason = ""  # on the day there is nothing to explain
    elif locked.status == MeetingStatus.PUBLISHED:
        if participant.role != ParticipantRole.CHAIR:
            raise ServiceError(
                before_day_message(locked)
                + " "
                + _("Chỉ người chủ trì mới được bắt đầu cuộc họp trước ngày họp, có ghi lý do.")
            )
        if not early_reason:
            raise ServiceError(
                before_day_message(locked) + " " + _("Để bắt đầu sớm, người chủ trì cần ghi lý do.")
            )
        if len(early_reason) > EARLY_REASON_MAX:
            raise ServiceError(
                _("Lý do bắt đầu sớm dài %(n)d ký tự, tối đa %(max)d ký tự.")
                % {"n": len(early_reason), "max": EARLY_REASON_MAX}
            )
    return transition(
        actor=actor,
        meeting=meeting,
        to=MeetingStatus.IN_SESSION,
        event=Event.MEETING_STARTED,
        early_reason=early_reason,
    )


@transaction.atomic
def conclude_meeting(*, actor: User, meeting: Meeting) -> Meeting:
    """The conclusion notice has been issued (cabinet.records.services.notices.issue_notice calls this):
    by the secretary or the chair, as the notice itself."""
    if not can_run_meeting(participant_for(actor, meeting)):
        raise ServiceError(_("Chỉ chủ trì hoặc thư ký mới được kết luận cuộc họp."))
    return transition(
        actor=actor, meeting=meeting, to=MeetingStatus.CONCLUDED, event=Event.MEETING_CONCLUDED
    )


@transaction.atomic
def archive_meeting(*, actor: User, meeting: Meeting) -> Meeting:
    require_manager(actor, meeting)
    return transition(
        actor=actor, meeting=meeting, to=MeetingStatus.ARCHIVED, event=Event.MEETING_ARCHIVED
    )
