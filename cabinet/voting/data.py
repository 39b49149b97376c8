"""A poll as the tablets see it: in its events and in the room's snapshot (cabinet.live.snapshot),
and the result kept when it closes. The shapes are TypedDicts: the JS reducers
(cabinet/static/cabinet/js/live/room.js) read these keys."""

from __future__ import annotations

from typing import TypedDict

from cabinet.models import Poll


class OptionData(TypedDict):
    id: int
    label: str


class PollData(TypedDict):
    id: int
    item: int | None  # None: a poll on the whole meeting
    question: str
    kind: str  # PollKind
    rule: str  # PollRule
    rule_label: str
    allow_change: bool
    state: str  # PollState
    options: list[OptionData]
    entitled: int
    members: int


class OptionCount(TypedDict):
    id: int
    label: str
    count: int
    percent: float  # of the rule's base, 2 decimals


class PollResult(TypedDict):
    """The count when the poll closed (Poll.result; cabinet.voting.services.tally)."""

    cast: int
    entitled: int
    members: int
    base: int  # what the percentages refer to, by the rule
    options: list[OptionCount]
    passed: bool


# --- The events' payloads (cabinet.core.event_types.Event.POLL_*) ------------------------------


class PollPayload(TypedDict):
    """poll.created, poll.reset."""

    poll: PollData


class PollOpenedPayload(TypedDict):
    poll: PollData
    voters: list[int]  # the participants who may vote (public: it follows attendance)


class PollResultPayload(TypedDict):
    """poll.closed, poll.published."""

    poll: PollData
    result: PollResult


def poll_data(poll: Poll) -> PollData:
    return {
        "id": poll.pk,
        "item": poll.item_id,
        "question": poll.question,
        "kind": poll.kind,
        "rule": poll.rule,
        "rule_label": str(poll.get_rule_display()),
        "allow_change": poll.allow_change,
        "state": poll.state,
        "options": [{"id": o.pk, "label": o.label} for o in poll.options.all()],
        "entitled": poll.entitled_count,
        "members": poll.members_count,
    }


def result_of(poll: Poll) -> PollResult | None:
    """The result kept when the poll closed; None before (the JSONField's default is {})."""
    if not poll.result:
        return None
    result: PollResult = poll.result  # written only by close_poll, from tally
    return result
