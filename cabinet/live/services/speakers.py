"""The speaker queue (đăng ký phát biểu), one per agenda item, run by the chair.

Every function locks the meeting row first, so two taps, two chairs' clicks or a retry never see
the queue half-changed; the constraints on SpeakerRequest (one open request per person per item,
one speaker per meeting) back this up in the database.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cabinet.core.errors import ServiceError
from cabinet.core.event_types import Event
from cabinet.core.events import record_event
from cabinet.core.permissions import can_run_meeting, participant_for
from cabinet.live.snapshot import (
    SpeakerEndedPayload,
    SpeakerFloorPayload,
    SpeakerReorderedPayload,
    SpeakerRequestPayload,
    request_data,
)
from cabinet.meetings.selectors import item_scope, visible_items_filter
from cabinet.meetings.services.meetings import lock_meeting, require_in_session, require_runner
from cabinet.models import (
    ACTIVE_REQUEST_STATUSES,
    AgendaItem,
    Meeting,
    MeetingStatus,
    ParticipantRole,
    RequestStatus,
    RoomState,
    SpeakerPosition,
    SpeakerRequest,
    User,
)

OPEN_FOR_REQUESTS = (MeetingStatus.PUBLISHED, MeetingStatus.IN_SESSION)


def _request_in(meeting: Meeting, request_id: int) -> SpeakerRequest:
    found = SpeakerRequest.objects.filter(meeting=meeting, pk=request_id).first()
    if found is None:
        raise ServiceError(_("Không tìm thấy đăng ký phát biểu này."))
    return found


@transaction.atomic
def request_floor(
    *, actor: User, meeting: Meeting, position: str, note: str = "", item_id: int | None = None
) -> SpeakerRequest:
    """Join the queue of an item (the current one unless given). Members may register before the
    session starts, for the items they can see."""
    locked = lock_meeting(meeting)
    if locked.status not in OPEN_FOR_REQUESTS:
        raise ServiceError(_("Cuộc họp đã kết thúc, không thể đăng ký phát biểu."))
    participant = participant_for(actor, locked)
    if participant is None:
        raise ServiceError(_("Đồng chí không tham dự cuộc họp này."))
    if participant.role == ParticipantRole.OBSERVER:
        raise ServiceError(_("Người theo dõi không đăng ký phát biểu."))
    if position not in SpeakerPosition.values:
        raise ServiceError(_("Quan điểm không hợp lệ."))
    if item_id is None:
        room = RoomState.objects.filter(meeting=locked).first()
        item_id = room.current_item_id if room else None
        if item_id is None:
            raise ServiceError(_("Chưa có nội dung đang thảo luận; hãy chọn nội dung."))
    item = (
        AgendaItem.objects.filter(meeting=locked, pk=item_id)
        .filter(visible_items_filter(participant))
        .first()
    )
    if item is None:
        raise ServiceError(_("Không tìm thấy nội dung này."))
    if SpeakerRequest.objects.filter(
        item=item, participant=participant, status__in=list(ACTIVE_REQUEST_STATUSES)
    ).exists():
        raise ServiceError(_("Đồng chí đã đăng ký phát biểu ở nội dung này."))
    last = SpeakerRequest.objects.filter(item=item, status=RequestStatus.WAITING).aggregate(
        Max("order")
    )["order__max"]
    request = SpeakerRequest.objects.create(
        meeting=locked,
        item=item,
        participant=participant,
        position=position,
        note=note.strip(),
        order=(last or 0) + 1,
    )
    record_event(
        meeting=locked,
        type=Event.SPEAKER_REQUESTED,
        payload=SpeakerRequestPayload(request=request_data(request)),
        actor=actor,
        scope=item_scope(request.item_id),
    )
    return request


def _require_own_or_runner(
    actor: User, meeting: Meeting, request: SpeakerRequest, refusal: str
) -> None:
    participant = participant_for(actor, meeting)
    if participant is None or (
        request.participant_id != participant.pk and not can_run_meeting(participant)
    ):
        raise ServiceError(refusal)


def _finish(
    request: SpeakerRequest, *, status: str, event: Event | None, meeting: Meeting, actor: User
) -> SpeakerRequest:
    """Take a request off the queue (withdrawn) or off the floor (done), and say so unless the
    caller's own event already does."""
    request.status = status
    request.ended_at = timezone.now()
    request.save(update_fields=["status", "ended_at"])
    if event is not None:
        record_event(
            meeting=meeting,
            type=event,
            payload=SpeakerEndedPayload(request=request.pk, item=request.item_id),
            actor=actor,
            scope=item_scope(request.item_id),
        )
    return request


@transaction.atomic
def withdraw_request(*, actor: User, meeting: Meeting, request_id: int) -> SpeakerRequest:
    """The member takes back their own waiting request (the chair may remove anyone's)."""
    locked = lock_meeting(meeting)
    request = _request_in(locked, request_id)
    _require_own_or_runner(actor, locked, request, _("Đồng chí chỉ rút được đăng ký của mình."))
    if request.status != RequestStatus.WAITING:
        raise ServiceError(_("Đăng ký này không còn trong danh sách chờ."))
    return _finish(
        request,
        status=RequestStatus.WITHDRAWN,
        event=Event.SPEAKER_WITHDRAWN,
        meeting=locked,
        actor=actor,
    )


@transaction.atomic
def reorder_queue(*, actor: User, meeting: Meeting, item_id: int, order: list[int]) -> None:
    """The chair sets the order of an item's waiting requests. The list must name exactly the
    waiting requests: if someone joined or withdrew meanwhile, the chair sees the new queue and
    decides again rather than having a request silently dropped or appended."""
    require_runner(actor, meeting)
    locked = lock_meeting(meeting)
    waiting = {
        r.pk: r
        for r in SpeakerRequest.objects.filter(
            meeting=locked, item_id=item_id, status=RequestStatus.WAITING
        )
    }
    if len(order) != len(set(order)) or set(order) != set(waiting):
        raise ServiceError(_("Danh sách đăng ký vừa thay đổi; hãy sắp xếp lại."))
    for position, request_id in enumerate(order, start=1):
        waiting[request_id].order = position
    SpeakerRequest.objects.bulk_update(list(waiting.values()), ["order"])
    record_event(
        meeting=locked,
        type=Event.SPEAKER_REORDERED,
        payload=SpeakerReorderedPayload(item=item_id, order=order),
        actor=actor,
        scope=item_scope(item_id),
    )


def end_current_speech(*, actor: User, meeting: Meeting, announce: bool = True) -> int | None:
    """Whoever has the floor is done (the meeting ends, or the floor goes to someone else; then
    the new speaker's event names the ended speech and `announce` is off). Inside the caller's
    transaction, with the meeting row locked."""
    current = SpeakerRequest.objects.filter(meeting=meeting, status=RequestStatus.SPEAKING).first()
    if current is None:
        return None
    event = Event.SPEAKER_ENDED if announce else None
    _finish(current, status=RequestStatus.DONE, event=event, meeting=meeting, actor=actor)
    return current.pk


@transaction.atomic
def give_floor(
    *, actor: User, meeting: Meeting, request_id: int, minutes: int | None = None
) -> SpeakerRequest:
    """The chair gives the floor; whoever was speaking is done. The speech timer starts now."""
    require_runner(actor, meeting)
    locked = lock_meeting(meeting)
    require_in_session(locked)
    request = _request_in(locked, request_id)
    if request.status != RequestStatus.WAITING:
        raise ServiceError(_("Đăng ký này không còn trong danh sách chờ."))
    # The new speaker's event names the ended speech, but it reaches only those who see the new
    # item: a speech on another item is announced ended on its own, to those who see that one.
    speaking = SpeakerRequest.objects.filter(meeting=locked, status=RequestStatus.SPEAKING).first()
    ended = end_current_speech(
        actor=actor,
        meeting=locked,
        announce=speaking is not None and speaking.item_id != request.item_id,
    )
    request.status = RequestStatus.SPEAKING
    request.floor_at = timezone.now()
    request.limit_s = (minutes or settings.SPEECH_DEFAULT_MINUTES) * 60
    request.save(update_fields=["status", "floor_at", "limit_s"])
    record_event(
        meeting=locked,
        type=Event.SPEAKER_FLOOR,
        payload=SpeakerFloorPayload(request=request_data(request), ended=ended),
        actor=actor,
        scope=item_scope(request.item_id),
    )
    return request


@transaction.atomic
def end_speech(*, actor: User, meeting: Meeting, request_id: int) -> SpeakerRequest:
    """The chair ends a speech, or the speaker hands the floor back."""
    locked = lock_meeting(meeting)
    request = _request_in(locked, request_id)
    _require_own_or_runner(
        actor,
        locked,
        request,
        _("Chỉ chủ trì, thư ký hoặc người đang phát biểu mới kết thúc được."),
    )
    if request.status != RequestStatus.SPEAKING:
        raise ServiceError(_("Đại biểu này không đang phát biểu."))
    return _finish(
        request, status=RequestStatus.DONE, event=Event.SPEAKER_ENDED, meeting=locked, actor=actor
    )
