"""The live room as data: the snapshot a tablet gets, the pieces events carry, quorum arithmetic.

Reads only (the services write). Events and the snapshot share the serialisers below, so that a
tablet that applies events ends in the same state as one that loads a snapshot. The shapes are
TypedDicts; the JS reducers (cabinet/static/cabinet/js/live/room.js) read these keys.
"""

from __future__ import annotations

import math
from typing import Any, TypedDict

from django.conf import settings
from django.db import models
from django.utils import timezone

from cabinet.core.permissions import can_run_meeting
from cabinet.meetings.ordering import in_protocol_order
from cabinet.meetings.selectors import item_numbers, papers_for, visible_items_filter
from cabinet.models import (
    ACTIVE_REQUEST_STATUSES,
    COUNTS_AS_PRESENT,
    AgendaItem,
    Attendance,
    ItemClock,
    Meeting,
    Participant,
    Poll,
    PollState,
    PollVoter,
    RoomState,
    SpeakerRequest,
)
from cabinet.voting.data import PollData, PollResult, poll_data, result_of

# --- The shapes -------------------------------------------------------------------------------


class ClockData(TypedDict):
    item: int
    duration_s: int
    elapsed_s: int
    running_since: str | None  # ISO 8601; None while paused


class RequestData(TypedDict):
    """A request to speak."""

    id: int
    item: int | None
    participant: int
    position: str  # SpeakerPosition
    note: str
    status: str  # RequestStatus
    order: int
    requested_at: str | None
    floor_at: str | None
    limit_s: int | None


class AttendanceData(TypedDict):
    status: str  # AttendanceStatus, or "unknown" before the roll call
    reason: str
    substitute: str
    at: str | None


class PresenterData(TypedDict):
    participant: int
    name: str
    paper: int
    version: int
    page: int
    title: str


class QuorumData(TypedDict):
    present: int
    total: int
    required: int
    reached: bool


class ItemData(TypedDict):
    id: int
    number: str  # "2.1"
    title: str
    planned_minutes: int
    presenter: str  # the presenting unit's name
    presenter_user: int | None  # the official who presents (may present its papers)


class ListedPoll(PollData):
    voted: int  # how many have voted, never how
    result: PollResult | None  # once closed


class Standing(TypedDict):
    entitled: bool
    receipt: str | None  # once voted


class MeetingData(TypedDict):
    id: int
    title: str
    status: str
    status_label: str


class Me(TypedDict):
    participant: int
    user: int
    role: str
    can_run: bool
    can_present: bool
    follows_presenter: bool
    polls: dict[str, Standing]  # per poll id; absent = not entitled


class ParticipantData(TypedDict):
    id: int
    name: str
    position: str
    unit: str
    role: str
    role_label: str
    can_vote: bool
    substitute_for: str | None


class Snapshot(TypedDict):
    """Everything a tablet shows of the live room (realtime sends it as the hello's data)."""

    meeting: MeetingData
    now: str | None
    me: Me
    participants: list[ParticipantData]
    attendance: dict[str, AttendanceData]  # per participant id
    quorum: QuorumData
    items: list[ItemData]
    current_item: int | None
    clock: ClockData | None
    queue: list[RequestData]
    presenter: PresenterData | None
    polls: list[ListedPoll]


# --- The events' payloads (cabinet.core.event_types.Event) -------------------------------------


class AttendanceChangedPayload(AttendanceData):
    participant: int
    quorum: QuorumData


class ItemCurrentPayload(TypedDict):
    item: int | None  # None: no item under discussion
    clock: ClockData | None


class TimerChangedPayload(TypedDict):
    clock: ClockData | None


class PresenterChangedPayload(TypedDict):
    presenter: PresenterData | None  # None: nobody presents


class PresenterPagePayload(TypedDict):
    paper: int
    version: int
    page: int


class SpeakerRequestPayload(TypedDict):
    """speaker.requested."""

    request: RequestData


class SpeakerFloorPayload(TypedDict):
    request: RequestData
    ended: int | None  # the request that had the floor before, now done


class SpeakerEndedPayload(TypedDict):
    """speaker.withdrawn, speaker.ended."""

    request: int
    item: int | None


class SpeakerReorderedPayload(TypedDict):
    item: int
    order: list[int]


def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def clock_data(clock: ItemClock | None) -> ClockData | None:
    if clock is None:
        return None
    return {
        "item": clock.item_id,
        "duration_s": clock.duration_s,
        "elapsed_s": clock.elapsed_s,
        "running_since": iso(clock.running_since),
    }


def request_data(request: SpeakerRequest) -> RequestData:
    return {
        "id": request.pk,
        "item": request.item_id,
        "participant": request.participant_id,
        "position": request.position,
        "note": request.note,
        "status": request.status,
        "order": request.order,
        "requested_at": iso(request.requested_at),
        "floor_at": iso(request.floor_at),
        "limit_s": request.limit_s,
    }


def attendance_data(attendance: Attendance) -> AttendanceData:
    return {
        "status": attendance.status,
        "reason": attendance.reason,
        "substitute": attendance.substitute_name,
        "at": iso(attendance.updated_at),
    }


def presenter_data(room: RoomState | None) -> PresenterData | None:
    if room is None or room.presenter_id is None or room.presented_version is None:
        return None
    version = room.presented_version
    assert room.presenter is not None
    return {
        "participant": room.presenter_id,
        "name": room.presenter.user.get_full_name(),
        "paper": version.paper_id,
        "version": version.number,
        "page": room.presented_page,
        "title": version.paper.title,
    }


def polls_for(
    participant: Participant, visible: set[int]
) -> tuple[list[ListedPoll], dict[str, Standing]]:
    """The meeting's polls the participant may see (on visible items or the whole meeting), with
    the count of ballots cast and, once closed, the result; and the participant's own standing
    in each (entitled, and the receipt if they have voted)."""
    polls = (
        Poll.objects.filter(meeting_id=participant.meeting_id)
        .filter(models.Q(item__isnull=True) | models.Q(item_id__in=visible))
        .prefetch_related("options")
        .order_by("created_at")
    )
    voted = dict(
        PollVoter.objects.filter(poll__in=polls, voted=True)
        .values("poll")
        .annotate(n=models.Count("id"))
        .values_list("poll", "n")
    )
    mine = {
        row["poll_id"]: row
        for row in PollVoter.objects.filter(poll__in=polls, participant=participant).values(
            "poll_id", "voted", "receipt"
        )
    }
    listed = []
    for poll in polls:
        closed = poll.state in (PollState.CLOSED, PollState.PUBLISHED)
        listed.append(
            ListedPoll(
                **poll_data(poll),
                voted=voted.get(poll.pk, 0),
                result=result_of(poll) if closed else None,
            )
        )
    standing = {
        str(poll_id): Standing(entitled=True, receipt=row["receipt"] if row["voted"] else None)
        for poll_id, row in mine.items()
    }
    return listed, standing


def quorum_for(meeting: Meeting) -> QuorumData:
    """Members entitled to vote who are present (in person, online or through a substitute), out
    of all entitled members, against the share the law requires for the meeting to proceed.

    A substitute invited in an official's place (Participant.substitute_for) is one entitled member
    like any other: the official is not a participant, so nobody is counted twice.
    """
    entitled = Participant.objects.filter(meeting=meeting, can_vote=True)
    total = entitled.count()
    present = Attendance.objects.filter(
        participant__in=entitled, status__in=list(COUNTS_AS_PRESENT)
    ).count()
    numerator, denominator = settings.MEETING_QUORUM
    required = math.ceil(total * numerator / denominator) if total else 0
    return {
        "present": present,
        "total": total,
        "required": required,
        "reached": total > 0 and present >= required,
    }


def _ordered_items(meeting: Meeting, visible: set[int]) -> list[ItemData]:
    every = list(
        AgendaItem.objects.filter(meeting=meeting).select_related("presenter_unit", "presenter")
    )
    numbers = item_numbers(every)
    ordered = sorted(every, key=lambda i: tuple(int(p) for p in numbers[i.pk].split(".")))
    return [
        {
            "id": item.pk,
            "number": numbers[item.pk],
            "title": item.title,
            "planned_minutes": item.planned_minutes,
            "presenter": item.presenter_unit.name if item.presenter_unit else "",
            # The official who presents the item may present its papers while it is current.
            "presenter_user": item.presenter_id,
        }
        for item in ordered
        if item.pk in visible
    ]


def room_state_of(meeting: Meeting) -> RoomState | None:
    return (
        RoomState.objects.select_related(
            "presenter__user", "presented_version__paper", "current_item__clock"
        )
        .filter(meeting=meeting)
        .first()
    )


def _may_see_presented(participant: Participant, room: RoomState | None) -> bool:
    """Whether the participant may read the paper being presented (as the presenter.changed
    event's scope says): otherwise nobody presents, as far as their tablet shows."""
    if room is None or room.presented_version is None:
        return True
    return room.presented_version.paper_id in set(
        papers_for(participant).values_list("pk", flat=True)
    )


def snapshot_for(participant: Participant) -> Snapshot:
    """Everything a tablet shows of the live room, as this participant may see it."""
    meeting = Meeting.objects.get(pk=participant.meeting_id)
    visible = set(
        AgendaItem.objects.filter(meeting=meeting)
        .filter(visible_items_filter(participant))
        .values_list("pk", flat=True)
    )
    room = room_state_of(meeting)
    current = room.current_item if room else None
    clock = getattr(current, "clock", None) if current else None
    # The console's attendance list: chair, vice-chairs, members ... each rank in Vietnamese order.
    people = in_protocol_order(
        Participant.objects.filter(meeting=meeting).select_related("user__unit", "substitute_for")
    )
    polls, standing = polls_for(participant, visible)
    queue = SpeakerRequest.objects.filter(
        meeting=meeting, item_id__in=visible, status__in=list(ACTIVE_REQUEST_STATUSES)
    ).order_by("item_id", "order", "requested_at")
    return {
        "meeting": {
            "id": meeting.pk,
            "title": meeting.title,
            "status": meeting.status,
            "status_label": str(meeting.get_status_display()),
        },
        "now": iso(timezone.now()),
        "me": {
            "participant": participant.pk,
            "user": participant.user_id,
            "role": participant.role,
            "can_run": can_run_meeting(participant),
            "can_present": can_run_meeting(participant)
            or (current is not None and current.presenter_id == participant.user_id),
            "follows_presenter": participant.follows_presenter,
            # Per poll id: {"entitled": true, "receipt": "…" once voted}; absent = not entitled.
            "polls": standing,
        },
        "participants": [
            {
                "id": p.pk,
                "name": p.user.get_full_name(),
                "position": p.user.position,
                "unit": p.user.unit.name if p.user.unit else "",
                "role": p.role,
                "role_label": str(p.get_role_display()),
                "can_vote": p.can_vote,
                "substitute_for": p.substitute_for.get_full_name() if p.substitute_for else None,
            }
            for p in people
        ],
        "attendance": {
            str(a.participant_id): attendance_data(a)
            for a in Attendance.objects.filter(meeting=meeting)
        },
        "quorum": quorum_for(meeting),
        "items": _ordered_items(meeting, visible),
        "current_item": current.pk if current else None,
        "clock": clock_data(clock),
        "queue": [request_data(r) for r in queue],
        "presenter": presenter_data(room) if _may_see_presented(participant, room) else None,
        "polls": polls,
    }
