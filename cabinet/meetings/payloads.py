"""What the meetings context's events carry (cabinet.core.event_types.Event): the tablets' JS
reducers read these keys (cabinet/static/cabinet/js/live/room.js)."""

from __future__ import annotations

from typing import NotRequired, TypedDict


class MeetingTitlePayload(TypedDict):
    """meeting.created, meeting.updated."""

    title: str


# meeting.published, .started, .ended, .concluded, .archived: "from" is a Python keyword, hence
# the functional form. early_reason: why the chair started before the meeting's day (started only).
MeetingStatusPayload = TypedDict(
    "MeetingStatusPayload", {"from": str, "status": str, "early_reason": NotRequired[str]}
)


class ParticipantInvitedPayload(TypedDict):
    participant: int
    user: int
    role: str  # ParticipantRole


class ParticipantRemovedPayload(TypedDict):
    user: int


class AgendaItemAddedPayload(TypedDict):
    item: int
    parent: int | None


class AgendaItemPayload(TypedDict):
    """agenda.item_updated, agenda.item_removed."""

    item: int


class AgendaReorderedPayload(TypedDict):
    parent: int | None  # the items under this parent (None: the top level) ...
    order: list[int]  # ... in their new order
