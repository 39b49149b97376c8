"""The messages that cross the meeting socket, in one place: types, commands and their schemas.

Server → tablet
  {"type": "hello", "seq": N, "now": ISO}            on connect; N is the meeting's last sequence
  {"type": "event", "seq": N, "event": name, "data": {...}}   every committed change, in seq order
  {"type": "snapshot", "seq": N, "state": {...}}     the whole room (cabinet.live.snapshot.snapshot_for)
  {"type": "resumed", "seq": N}                       replay after a resume is complete
  {"type": "ack", "id": client_id, "ok": true, "seq": N, "result": {...}}   command committed
  {"type": "ack", "id": client_id, "ok": false, "code": c, "message": text} command refused
  {"type": "error", "code": c, "message": text}      a malformed, oversized or too frequent message
  {"type": "progress", "poll": id, "voted": n, "entitled": m}   ballots cast in an open poll, at
                                                      most twice a second (no seq: not an event)
  {"type": "skip", "seq": N}                         N was an event this tablet may not see
                                                      (its scope, cabinet.meetings.selectors): only the
                                                      number, so that the sequence has no gap
  {"type": "pong"}

Tablet → server
  {"type": "ping"}
  {"type": "resume", "seq": N | null}   after connecting and on a gap: the server replays the events
                                        after N, or sends a snapshot when N is null or too old
  {"type": "command", "id": client_id, "name": name, "args": {...}}

A command's id is made by the tablet (8-64 characters of [A-Za-z0-9_-]); a retry with the same id
gets the same ack and changes nothing. Refused commands are not remembered: nothing changed, so a
retry is decided afresh.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any, Literal, TypedDict

from cabinet.core.event_types import Event


class Message(StrEnum):
    """The types of the socket's messages (the JS's MSG in live/protocol.js mirrors them)."""

    HELLO = "hello"
    EVENT = "event"
    SNAPSHOT = "snapshot"
    RESUMED = "resumed"
    ACK = "ack"
    ERROR = "error"
    PING = "ping"
    PONG = "pong"
    PROGRESS = "progress"
    RESUME = "resume"
    COMMAND = "command"
    SKIP = "skip"


MAX_MESSAGE_BYTES = 4096
# Resume by replay when the tablet missed at most this many events; a snapshot is cheaper beyond.
REPLAY_LIMIT = 200
# Per connection: a burst of RATE_BURST messages, refilled at RATE_PER_SECOND. A tablet that keeps
# sending after being told to slow down is disconnected once it has had RATE_STRIKES refusals.
RATE_BURST = 30
RATE_PER_SECOND = 10.0
RATE_STRIKES = 20

CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class Close(IntEnum):
    """The socket's close codes (the JS's CLOSE mirrors them). Daphne closes through autobahn,
    which accepts 1000 and 3000-4999 only (4000-4999 are the application's) and raises on
    anything else, leaving the socket open: hence 4500, not WebSocket's own 1011."""

    FORBIDDEN = 4403  # not a participant, or no longer one
    SIGNED_OUT = 4401  # logout, deactivation, removal from the meeting
    FLOOD = 4429  # kept sending after the rate-limit error
    TOO_MANY = 4409  # the session already has SOCKETS_PER_SESSION sockets open in this process
    SERVER_ERROR = 4500  # an unexpected server error: the tablet reconnects and resumes


# Sockets one session (one browser) may hold open in one server process: a tablet's page, a few
# tabs and the console. More is a script, each holding memory and a share of every broadcast.
SOCKETS_PER_SESSION = 8

# An event whose scope the tablet does not hold arrives as a skip, except where the tablet must
# still learn that something it shows has ended: it is then sent in this form, naming nothing.
# (A presenter turning to a paper the tablet may not read: the tablet stops showing the previous
# one as presented.)
HIDDEN_FORMS: dict[str, Mapping[str, object]] = {Event.PRESENTER_CHANGED: {"presenter": None}}


def may_receive(scope: str | None, scopes: frozenset[str] | None) -> bool:
    """Whether a tablet holding `scopes` (None: all, the chair and secretaries) receives an event
    of `scope`. A message without a scope (a sender that forgot it) reaches only those who see
    everything: the rule fails closed."""
    return scopes is None or (scope is not None and scope in scopes)


class EventMessage(TypedDict):
    """An event as a tablet receives it; ``data`` is the event's payload (the TypedDicts beside
    each context's services: cabinet.live.snapshot, cabinet.voting.data, cabinet.meetings.payloads)."""

    type: Literal[Message.EVENT]
    seq: int
    event: str
    data: Mapping[str, object]


class SkipMessage(TypedDict):
    """In place of an event the tablet may not receive: the number is used, nothing else said."""

    type: Literal[Message.SKIP]
    seq: int


def hidden_message(seq: int, event: str) -> EventMessage | SkipMessage:
    """What a tablet that may not receive event `seq` gets in its place."""
    form = HIDDEN_FORMS.get(event)
    if form is None:
        return {"type": Message.SKIP, "seq": seq}
    return {"type": Message.EVENT, "seq": seq, "event": event, "data": form}


def event_message(
    seq: int, event: str, scope: str, data: Mapping[str, object], scopes: frozenset[str] | None
) -> EventMessage | SkipMessage:
    """Event `seq` as a tablet holding `scopes` receives it."""
    if may_receive(scope, scopes):
        return {"type": Message.EVENT, "seq": seq, "event": event, "data": data}
    return hidden_message(seq, event)


class SchemaError(ValueError):
    """A message that does not match its schema; the text is shown to the user."""


@dataclass(frozen=True)
class Field:
    kind: type | tuple[type, ...]
    required: bool = True
    choices: frozenset[str] | None = None
    max_length: int = 0  # for strings; 0 = no limit beyond the message size
    minimum: int | None = None
    maximum: int | None = None
    nullable: bool = False
    items: type = int  # for lists: ids (positive whole numbers) or short texts


def _id(required: bool = True, nullable: bool = False) -> Field:
    return Field(int, required=required, minimum=1, maximum=2**53, nullable=nullable)


POSITIONS = frozenset({"for", "against", "other"})
ATTENDANCE_STATUSES = frozenset({"present", "online", "absent", "represented", "unknown"})

# Command name → its arguments. Who may run which command is decided by the services.
COMMANDS: dict[str, dict[str, Field]] = {
    "meeting.start": {},
    "meeting.end": {},
    "item.move": {"item": _id(nullable=True)},
    "timer.start": {},
    "timer.pause": {},
    "timer.adjust": {"minutes": Field(int, minimum=-600, maximum=600)},
    "attendance.check_in": {"mode": Field(str, choices=frozenset({"present", "online"}))},
    "attendance.mark": {
        "participant": _id(),
        "status": Field(str, choices=ATTENDANCE_STATUSES),
        "reason": Field(str, required=False, max_length=300),
        "substitute": Field(str, required=False, max_length=150),
    },
    "speaker.request": {
        "item": _id(required=False),
        "position": Field(str, choices=POSITIONS),
        "note": Field(str, required=False, max_length=500),
    },
    "speaker.withdraw": {"request": _id()},
    "speaker.reorder": {"item": _id(), "order": Field(list)},
    "speaker.give_floor": {
        "request": _id(),
        "minutes": Field(int, required=False, minimum=1, maximum=60),
    },
    "speaker.end": {"request": _id()},
    "presenter.start": {
        "paper": _id(),
        "version": Field(int, minimum=1, maximum=10_000),
        "page": Field(int, minimum=1, maximum=100_000),
    },
    "presenter.page": {"page": Field(int, minimum=1, maximum=100_000)},
    "presenter.stop": {},
    "presenter.follow": {"follow": Field(bool)},
    "poll.create": {
        "question": Field(str, max_length=500),
        "kind": Field(str, required=False, choices=frozenset({"open", "secret"})),
        "rule": Field(
            str,
            required=False,
            choices=frozenset({"cast_majority", "members_majority", "two_thirds"}),
        ),
        "options": Field(list, required=False, items=str),
        "item": _id(required=False),
        "allow_change": Field(bool, required=False),
    },
    "poll.open": {"poll": _id()},
    "poll.close": {"poll": _id()},
    "poll.publish": {"poll": _id()},
    "poll.reset": {"poll": _id()},
    "vote.cast": {"poll": _id(), "option": _id()},
}


def _check(name: str, value: Any, field: Field) -> Any:
    if value is None:
        if field.nullable:
            return None
        raise SchemaError(f"“{name}” không được để trống.")
    # bool is an int in Python; a JSON true must not pass for an id.
    if isinstance(value, bool) and field.kind is not bool:
        raise SchemaError(f"“{name}” sai kiểu dữ liệu.")
    if not isinstance(value, field.kind):
        raise SchemaError(f"“{name}” sai kiểu dữ liệu.")
    if isinstance(value, str):
        value = value.strip()
        if field.max_length and len(value) > field.max_length:
            raise SchemaError(f"“{name}” dài quá {field.max_length} ký tự.")
        if field.choices is not None and value not in field.choices:
            raise SchemaError(f"“{name}” không hợp lệ.")
    if isinstance(value, int) and not isinstance(value, bool):
        if field.minimum is not None and value < field.minimum:
            raise SchemaError(f"“{name}” không hợp lệ.")
        if field.maximum is not None and value > field.maximum:
            raise SchemaError(f"“{name}” không hợp lệ.")
    if isinstance(value, list):
        if field.items is int:
            valid = all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)
        else:
            valid = all(isinstance(v, str) and 0 < len(v.strip()) <= 100 for v in value)
        if len(value) > 500 or not valid:
            raise SchemaError(f"“{name}” không hợp lệ.")
    return value


@dataclass(frozen=True)
class Command:
    id: str
    name: str
    args: dict[str, Any]


def parse_command(message: dict[str, Any]) -> Command:
    """Validate a command message against its schema; unknown keys are refused, not ignored."""
    if set(message) - {"type", "id", "name", "args"}:
        raise SchemaError("Lệnh có trường không hợp lệ.")
    client_id = message.get("id")
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        raise SchemaError("Mã lệnh không hợp lệ.")
    name = message.get("name")
    if not isinstance(name, str) or name not in COMMANDS:
        raise SchemaError("Lệnh không được hỗ trợ.")
    args = message.get("args", {})
    if not isinstance(args, dict):
        raise SchemaError("Tham số của lệnh không hợp lệ.")
    schema = COMMANDS[name]
    unknown = set(args) - set(schema)
    if unknown:
        raise SchemaError(f"Tham số không hợp lệ: {', '.join(sorted(unknown))}.")
    clean: dict[str, Any] = {}
    for key, field in schema.items():
        if key not in args:
            if field.required:
                raise SchemaError(f"Thiếu “{key}”.")
            continue
        clean[key] = _check(key, args[key], field)
    return Command(id=client_id, name=name, args=clean)


def parse_resume(message: dict[str, Any]) -> int | None:
    if set(message) - {"type", "seq"}:
        raise SchemaError("Yêu cầu đồng bộ không hợp lệ.")
    seq: object = message.get("seq")
    if seq is None:
        return None
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0 or seq > 2**53:
        raise SchemaError("Số thứ tự không hợp lệ.")
    return seq
