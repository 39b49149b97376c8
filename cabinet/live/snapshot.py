"""The live room as data: the snapshot a tablet gets, the pieces events carry, quorum arithmetic.

Reads only (the services write). Events and the snapshot share the serialisers below, so that a
tablet that applies events ends in the same state as one that loads a snapshot.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from cabinet.core.permissions import can_run_meeting
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
from cabinet.voting.data import poll_data

JSON = dict[str, Any]


def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def clock_data(clock: ItemClock | None) -> JSON | None:
    if clock is None:
        return None
    return {
        "item": clock.item_id,
        "duration_s": clock.duration_s,
        "elapsed_s": clock.elapsed_s,
        "running_since": iso(clock.running_since),
    }


def request_data(request: SpeakerRequest) -> JSON:
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


def attendance_data(attendance: Attendance) -> JSON:
    return {
        "status": attendance.status,
        "reason": attendance.reason,
        "substitute": attendance.substitute_name,
        "at": iso(attendance.updated_at),
    }


def presenter_data(room: RoomState | None) -> JSON | None:
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


def polls_for(participant: Participant, visible: set[int]) -> tuple[list[JSON], JSON]:
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
            poll_data(poll)
            | {"voted": voted.get(poll.pk, 0), "result": poll.result if closed else None}
        )
    standing = {
        str(poll_id): {"entitled": True, "receipt": row["receipt"] if row["voted"] else None}
        for poll_id, row in mine.items()
    }
    return listed, standing


def quorum_for(meeting: Meeting) -> JSON:
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


def _ordered_items(meeting: Meeting, visible: set[int]) -> list[JSON]:
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


def snapshot_for(participant: Participant) -> JSON:
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
    people = Participant.objects.filter(meeting=meeting).select_related(
        "user__unit", "substitute_for"
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
