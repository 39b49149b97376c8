"""Meeting control during the session: the current agenda item, its clock, the presenter.

Every function locks the meeting row first (cabinet.meetings.services.meetings.lock_meeting): decisions are
taken on committed state, and the event that announces the change gets the next sequence number in
the same transaction.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cabinet.core.errors import ServiceError
from cabinet.core.event_types import Event
from cabinet.core.events import record_event
from cabinet.core.permissions import can_run_meeting, participant_for
from cabinet.live.snapshot import (
    ItemCurrentPayload,
    PresenterChangedPayload,
    PresenterPagePayload,
    TimerChangedPayload,
    clock_data,
    presenter_data,
    room_state_of,
)
from cabinet.meetings.selectors import MEETING_SCOPE, paper_scope, papers_for
from cabinet.meetings.services.meetings import lock_meeting, require_in_session, require_runner
from cabinet.models import (
    AgendaItem,
    ItemClock,
    Meeting,
    PaperVersion,
    Participant,
    RoomState,
    User,
    VersionStatus,
)


def _room(meeting: Meeting) -> RoomState:
    room, _created = RoomState.objects.get_or_create(meeting=meeting)
    return room


def _stop(clock: ItemClock, now: dt.datetime) -> None:
    if clock.running_since is not None:
        clock.elapsed_s += max(0, int((now - clock.running_since).total_seconds()))
        clock.running_since = None


@transaction.atomic
def move_to_item(*, actor: User, meeting: Meeting, item_id: int | None) -> RoomState:
    """Make an item the one under discussion (None: none). The previous item's clock stops where
    it is; the new item's clock starts from its planned minutes, or resumes if it was used before."""
    require_runner(actor, meeting)
    locked = lock_meeting(meeting)
    require_in_session(locked)
    item = None
    if item_id is not None:
        item = AgendaItem.objects.filter(meeting=locked, pk=item_id).first()
        if item is None:
            raise ServiceError(_("Nội dung này không thuộc chương trình cuộc họp."))
    room = _room(locked)
    now = timezone.now()
    if room.current_item_id is not None and room.current_item_id != item_id:
        old = ItemClock.objects.filter(item_id=room.current_item_id).first()
        if old is not None:
            _stop(old, now)
            old.save()
    clock = None
    if item is not None:
        clock, _created = ItemClock.objects.get_or_create(
            item=item, defaults={"duration_s": item.planned_minutes * 60}
        )
        if clock.running_since is None:
            clock.running_since = now
            clock.save()
    room.current_item = item
    room.save(update_fields=["current_item"])
    record_event(
        meeting=locked,
        type=Event.ITEM_CURRENT,
        payload=ItemCurrentPayload(item=item_id, clock=clock_data(clock)),
        actor=actor,
        # Which item, by id, and its clock: every tablet follows where the meeting is, also
        # through an item it may not see (its title, papers and polls stay out).
        scope=MEETING_SCOPE,
    )
    return room


def _clock_of_current_item(actor: User, meeting: Meeting) -> tuple[Meeting, ItemClock]:
    """The locked meeting and the clock of the item under discussion, for the chair's controls."""
    require_runner(actor, meeting)
    locked = lock_meeting(meeting)
    require_in_session(locked)
    room = RoomState.objects.filter(meeting=locked).first()
    if room is None or room.current_item_id is None:
        raise ServiceError(_("Chưa chọn nội dung đang thảo luận."))
    return locked, ItemClock.objects.get(item_id=room.current_item_id)


def _clock_changed(*, actor: User, meeting: Meeting, clock: ItemClock) -> ItemClock:
    clock.save()
    record_event(
        meeting=meeting,
        type=Event.TIMER_CHANGED,
        payload=TimerChangedPayload(clock=clock_data(clock)),
        actor=actor,
        scope=MEETING_SCOPE,
    )
    return clock


@transaction.atomic
def start_clock(*, actor: User, meeting: Meeting) -> ItemClock:
    locked, clock = _clock_of_current_item(actor, meeting)
    if clock.running_since is not None:
        raise ServiceError(_("Đồng hồ đang chạy."))
    clock.running_since = timezone.now()
    return _clock_changed(actor=actor, meeting=locked, clock=clock)


@transaction.atomic
def pause_clock(*, actor: User, meeting: Meeting) -> ItemClock:
    locked, clock = _clock_of_current_item(actor, meeting)
    if clock.running_since is None:
        raise ServiceError(_("Đồng hồ đang dừng."))
    _stop(clock, timezone.now())
    return _clock_changed(actor=actor, meeting=locked, clock=clock)


@transaction.atomic
def adjust_clock(*, actor: User, meeting: Meeting, minutes: int) -> ItemClock:
    """Give the current item more (or less) time. The planned time never drops below a minute."""
    locked, clock = _clock_of_current_item(actor, meeting)
    if minutes == 0:
        raise ServiceError(_("Số phút điều chỉnh phải khác 0."))
    clock.duration_s = max(60, clock.duration_s + minutes * 60)
    return _clock_changed(actor=actor, meeting=locked, clock=clock)


def stop_room(*, actor: User, meeting: Meeting) -> None:
    """When the meeting ends: the clock stops and nobody presents any more. Called by end_meeting
    inside its transaction (the meeting row is locked there)."""
    room = RoomState.objects.filter(meeting=meeting).first()
    if room is None:
        return
    if room.current_item_id is not None:
        clock = ItemClock.objects.filter(item_id=room.current_item_id).first()
        if clock is not None and clock.running_since is not None:
            _stop(clock, timezone.now())
            clock.save()
    if room.presenter_id is not None:
        room.presenter = None
        room.presented_version = None
        room.save(update_fields=["presenter", "presented_version"])
        record_event(
            meeting=meeting,
            type=Event.PRESENTER_CHANGED,
            payload=PresenterChangedPayload(presenter=None),
            actor=actor,
            scope=MEETING_SCOPE,
        )


def _may_present(participant: Participant, room: RoomState) -> bool:
    if can_run_meeting(participant):
        return True
    item = room.current_item
    return item is not None and item.presenter_id == participant.user_id


@transaction.atomic
def start_presenting(
    *, actor: User, meeting: Meeting, paper_id: int, version: int, page: int
) -> RoomState:
    """Present a paper: tablets that follow the presenter open it at this page."""
    locked = lock_meeting(meeting)
    require_in_session(locked)
    participant = participant_for(actor, locked)
    room = _room(locked)
    if participant is None or not _may_present(participant, room):
        raise ServiceError(
            _("Chỉ chủ trì, thư ký hoặc người trình bày nội dung hiện tại mới được trình bày.")
        )
    found = (
        PaperVersion.objects.select_related("paper")
        .filter(
            paper_id=paper_id,
            number=version,
            status=VersionStatus.READY,
            paper__in=papers_for(participant),
        )
        .first()
    )
    if found is None:
        raise ServiceError(_("Không tìm thấy tài liệu để trình bày."))
    if not 1 <= page <= (found.page_count or 1):
        raise ServiceError(_("Số trang không hợp lệ."))
    room.presenter = participant
    room.presented_version = found
    room.presented_page = page
    room.save(update_fields=["presenter", "presented_version", "presented_page"])
    room = room_state_of(locked) or room
    record_event(
        meeting=locked,
        type=Event.PRESENTER_CHANGED,
        payload=PresenterChangedPayload(presenter=presenter_data(room)),
        actor=actor,
        # Those who may not read the paper hear that nobody presents (events.HIDDEN_FORMS).
        scope=paper_scope(found.paper),
    )
    return room


@transaction.atomic
def turn_page(*, actor: User, meeting: Meeting, page: int) -> RoomState:
    locked = lock_meeting(meeting)
    room = room_state_of(locked)
    if room is None or room.presenter is None or room.presenter.user_id != actor.pk:
        raise ServiceError(_("Đồng chí không phải là người đang trình bày."))
    version = room.presented_version
    assert version is not None
    if not 1 <= page <= (version.page_count or 1):
        raise ServiceError(_("Số trang không hợp lệ."))
    if page == room.presented_page:
        return room  # nothing changed: no event to wake two thousand tablets for
    room.presented_page = page
    room.save(update_fields=["presented_page"])
    record_event(
        meeting=locked,
        type=Event.PRESENTER_PAGE,
        payload=PresenterPagePayload(paper=version.paper_id, version=version.number, page=page),
        actor=actor,
        scope=paper_scope(version.paper),
    )
    return room


@transaction.atomic
def stop_presenting(*, actor: User, meeting: Meeting) -> None:
    locked = lock_meeting(meeting)
    room = RoomState.objects.select_related("presenter").filter(meeting=locked).first()
    if room is None or room.presenter is None:
        raise ServiceError(_("Không có ai đang trình bày."))
    participant = participant_for(actor, locked)
    if room.presenter.user_id != actor.pk and not can_run_meeting(participant):
        raise ServiceError(_("Chỉ người trình bày, chủ trì hoặc thư ký mới dừng được trình bày."))
    room.presenter = None
    room.presented_version = None
    room.save(update_fields=["presenter", "presented_version"])
    record_event(
        meeting=locked,
        type=Event.PRESENTER_CHANGED,
        payload=PresenterChangedPayload(presenter=None),
        actor=actor,
        scope=MEETING_SCOPE,
    )


@transaction.atomic
def set_following(*, actor: User, meeting: Meeting, follow: bool) -> Participant:
    """A member's own choice to turn pages with the presenter or read freely. Personal, so it is
    stored but not announced to the room."""
    participant = participant_for(actor, meeting)
    if participant is None:
        raise ServiceError(_("Đồng chí không tham dự cuộc họp này."))
    Participant.objects.filter(pk=participant.pk).update(follows_presenter=follow)
    participant.follows_presenter = follow
    return participant
