"""The meeting socket: who may listen, resume by replay or snapshot, commands with acks.

Thin: the protocol (realtime.events) is parsed here; every read is a cabinet selector or the room
read model and every change is a cabinet service, run in Django's sync thread.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import timezone, translation

from cabinet.core.audit import client_address, scope_ip
from cabinet.core.event_types import Event
from cabinet.live import selectors as live_selectors
from cabinet.live.services.commands import Ack, Ballot, run_command
from cabinet.models import User
from cabinet.trust import sessions
from realtime import events
from realtime.ballot_box import ballot_box
from realtime.broadcast import meeting_group, user_group
from realtime.hub import Hub, encode_hidden, get_hub
from realtime.relay import ensure_relay

# The socket's reads, in Channels' database thread (cabinet.live.selectors says what each reads).
_admit = database_sync_to_async(live_selectors.admission)
_scopes_now = database_sync_to_async(live_selectors.scopes_now)
_catch_up = database_sync_to_async(live_selectors.catch_up)
_session_ended = database_sync_to_async(live_selectors.socket_session_ended)


def language_of(scope: Mapping[str, Any]) -> str:
    """The language the official chose (the same cookie the pages follow; see cabinet.trust.middleware)."""
    chosen = scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME, "")
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


@database_sync_to_async
def _run_command(language: str, ip: str | None, **kwargs: Any) -> Ack:
    # Refusals are shown to the official as they are; the audit log records the tablet's address.
    with translation.override(language), client_address(ip):
        return run_command(**kwargs)


logger = logging.getLogger(__name__)


# Closing and refreshing tasks started outside a handler (a task nobody references may be
# collected before it runs).
_closing: set[asyncio.Task[None]] = set()

# Agenda changes that may change which items a tablet sees (an item's audience, its restriction):
# every socket that does not see everything reads its scopes again (_refresh_scopes).
AUDIENCE_EVENTS = frozenset(
    {Event.AGENDA_ITEM_ADDED, Event.AGENDA_ITEM_UPDATED, Event.AGENDA_ITEM_REMOVED}
)

# Open sockets per session in this process's event loop (events.SOCKETS_PER_SESSION).
_sockets_by_session: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, int]] = (
    weakref.WeakKeyDictionary()
)


def _session_sockets() -> dict[str, int]:
    loop = asyncio.get_running_loop()
    counts = _sockets_by_session.get(loop)
    if counts is None:
        counts = _sockets_by_session[loop] = {}
    return counts


class MeetingConsumer(AsyncJsonWebsocketConsumer):
    # No channel of its own: the process's hub listens once for all its sockets (realtime.hub).
    channel_layer_alias = None  # type: ignore[assignment]  # channels allows None; its stubs do not

    # Set by connect() for an admitted socket.
    user: User
    session_key: str | None
    language: str
    touched: float  # when the session was last marked active
    lifetime_timer: asyncio.TimerHandle | None
    tokens: float  # the rate limit's bucket
    refilled: float
    strikes: int
    resuming: bool
    resyncs: int
    held: list[tuple[int, dict[str, Any], str]]
    resync: asyncio.Lock
    accepted: bool
    revoked: bool
    meeting_id: int = 0
    sent_seq: int = 0
    hub: Hub | None = None
    joined: tuple[str, ...] = ()
    counted_session: str | None = None  # counted in _session_sockets while open
    abandoned = False  # a resume or scope refresh failed: closing, sending nothing more
    # The scopes of the events this socket receives (None: all; cabinet.meetings.selectors.visible_scopes),
    # read on admission and again on every resume and agenda change.
    scopes: frozenset[str] | None = frozenset()

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch first hops to a thread to close stale database connections, for
        every message. Handlers here that use the database go through database_sync_to_async,
        which does that in the thread it runs in anyway."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        """Daphne hands the code to autobahn, which refuses any type but int itself (not
        events.Close, an IntEnum) and then leaves the socket open."""
        if isinstance(code, int) and not isinstance(code, bool):
            code = int(code)
        await super().close(code=code, reason=reason)

    async def connect(self) -> None:
        user = self.scope.get("user")
        self.meeting_id = int(self.scope["url_route"]["kwargs"]["meeting_id"])
        # The scope's user is a lazy object that passes for the User it wraps, once signed in.
        if user is None or not user.is_authenticated or not isinstance(user, User):
            await self.close(code=events.Close.FORBIDDEN)
            return
        self.user = user
        session = self.scope.get("session")
        self.session_key = getattr(session, "session_key", None)
        # A session that has ended (idle, too old, revoked) opens no socket, like it opens no page.
        if await _session_ended(user, self.session_key, touch=True):
            # Accepted, then closed with "signed out": a refused handshake reaches the page as a
            # lost connection, which it would retry for ever instead of asking to sign in again.
            await self.accept()
            await self.close(code=events.Close.SIGNED_OUT)
            return
        if self.session_key is not None:
            counts = _session_sockets()
            if counts.get(self.session_key, 0) >= events.SOCKETS_PER_SESSION:
                # Accepted, then closed with its reason: the page says so instead of retrying.
                await self.accept()
                await self.close(code=events.Close.TOO_MANY)
                return
            counts[self.session_key] = counts.get(self.session_key, 0) + 1
            self.counted_session = self.session_key
        self.touched = time.monotonic()
        self.lifetime_timer = None
        left = sessions.seconds_left(session) if session is not None else None
        if left is not None:
            # The absolute lifetime ends while the socket is open: close it then (the page, on
            # its next request, goes to the login page).
            self.lifetime_timer = asyncio.get_running_loop().call_later(
                max(0.0, left), self._close_expired
            )
        self.language = language_of(self.scope)
        self.tokens = float(events.RATE_BURST)
        self.refilled = time.monotonic()
        self.strikes = 0
        # Listen before reading the meeting's last seq, holding what arrives until the hello:
        # an event committed in between is then either counted in the hello's seq or sent after
        # it, never lost. That is what lets a tablet that is up to date resume without a query.
        self.resuming = True
        self.resyncs = 1  # the hello counts as one: _release_held after it sends what was held
        self.held = []
        self.resync = asyncio.Lock()  # one resume or scope refresh at a time
        self.accepted = False
        self.revoked = False  # access taken away during the handshake
        self.hub = get_hub()
        if self.hub is not None:
            self.joined = (meeting_group(self.meeting_id), user_group(user.pk))
            for group in self.joined:
                await self.hub.join(group, self)
        admission = await _admit(user, session, self.meeting_id)
        if admission is None or self.revoked:
            # Refused before accept: a non-participant learns nothing, not even that it exists.
            await self._leave_hub()
            self._uncount()
            await self.close(code=events.Close.FORBIDDEN)
            return
        self.sent_seq = admission.last_seq
        self.scopes = admission.scopes
        await self.accept()
        self.accepted = True
        await ensure_relay()
        await self.send_json(
            {
                "type": events.Message.HELLO,
                "seq": admission.last_seq,
                "now": timezone.now().isoformat(),
            }
        )
        # An agenda change committed after the admission read the scopes, heard meanwhile: the
        # scopes are read again before anything held goes out.
        if self.scopes is not None and any(
            seq > admission.last_seq and message.get("event") in AUDIENCE_EVENTS
            for seq, message, _text in self.held
        ):
            self._start_refresh(admission.scopes)
        await self._release_held()

    async def disconnect(self, code: int) -> None:
        timer = getattr(self, "lifetime_timer", None)
        if timer is not None:
            timer.cancel()
        self._uncount()
        await self._leave_hub()

    def _uncount(self) -> None:
        if self.counted_session is None:
            return
        counts = _session_sockets()
        left = counts.get(self.counted_session, 1) - 1
        if left > 0:
            counts[self.counted_session] = left
        else:
            counts.pop(self.counted_session, None)
        self.counted_session = None

    def _close_expired(self) -> None:
        task = asyncio.get_running_loop().create_task(self.close(code=events.Close.SIGNED_OUT))
        _closing.add(task)
        task.add_done_callback(_closing.discard)

    async def _note_activity(self) -> bool:
        """A tablet on a live meeting page is in use (its pings included): the session is
        touched at most every TOUCH_EVERY_SECONDS, and the socket closed (False) if the session
        has ended meanwhile."""
        now = time.monotonic()
        if now - self.touched < sessions.TOUCH_EVERY_SECONDS:
            return True
        self.touched = now
        if await _session_ended(self.user, self.session_key, touch=True):
            await self.close(code=events.Close.SIGNED_OUT)
            return False
        return True

    async def _leave_hub(self) -> None:
        if self.hub is not None:
            for group in self.joined:
                await self.hub.leave(group, self)
            self.joined = ()

    # --- from the tablet ------------------------------------------------------------------------
    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        if not self._take_token():
            await self._refuse_flood()
            return
        if text_data is None:
            await self._error("bad_message", "Tin nhắn không hợp lệ.")
            return
        if len(text_data) > events.MAX_MESSAGE_BYTES or (
            len(text_data.encode()) > events.MAX_MESSAGE_BYTES
        ):
            await self._error("too_large", "Tin nhắn quá lớn.")
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self._error("bad_json", "Tin nhắn không hợp lệ.")
            return
        if not isinstance(content, dict):
            await self._error("bad_message", "Tin nhắn không hợp lệ.")
            return
        kind = content.get("type")
        if not await self._note_activity():
            return  # the session has ended: not one more command
        try:
            if kind == events.Message.PING:
                await self.send_json({"type": events.Message.PONG})
            elif kind == events.Message.RESUME:
                await self.resume(events.parse_resume(content))
            elif kind == events.Message.COMMAND:
                await self.command(events.parse_command(content))
            else:
                await self._error("unknown_type", "Loại tin nhắn không hỗ trợ.")
        except events.SchemaError as error:
            await self._error("bad_message", str(error))

    def _take_token(self) -> bool:
        """Token bucket: a burst of RATE_BURST messages, then RATE_PER_SECOND."""
        now = time.monotonic()
        self.tokens = min(
            float(events.RATE_BURST),
            self.tokens + (now - self.refilled) * events.RATE_PER_SECOND,
        )
        self.refilled = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    async def _refuse_flood(self) -> None:
        self.strikes += 1
        if self.strikes == 1:
            await self._error("rate_limited", "Gửi quá nhiều yêu cầu; vui lòng chậm lại.")
        elif self.strikes >= events.RATE_STRIKES:
            await self.close(code=events.Close.FLOOD)

    async def _error(self, code: str, message: str) -> None:
        await self.send_json({"type": events.Message.ERROR, "code": code, "message": message})

    async def resume(self, after: int | None) -> None:
        """Replay what the tablet missed, or send the whole room. Events that arrive meanwhile are
        held and sent after, so the tablet sees them in order."""
        if after is not None and after == self.sent_seq and not self.resuming:
            # Everything after the hello was sent live: the common reconnect costs no query.
            await self.send_json({"type": events.Message.RESUMED, "seq": after})
            return
        self._hold()
        await self._resync(lambda: self._send_catch_up(after))

    async def _send_catch_up(self, after: int | None) -> bool:
        result = await _catch_up(self.user, self.meeting_id, after, self.language)
        if result.get("gone"):
            return False
        self.scopes = result["scopes"]
        if "snapshot" in result:
            await self._send_snapshot(result)
        else:
            for message in result["events"]:
                await self.send_json(message)
            await self.send_json({"type": events.Message.RESUMED, "seq": result["seq"]})
        self.sent_seq = max(self.sent_seq, result["seq"])
        return True

    async def _send_snapshot(self, result: dict[str, Any]) -> None:
        await self.send_json(
            {"type": events.Message.SNAPSHOT, "seq": result["seq"], "state": result["snapshot"]}
        )

    def _start_refresh(self, before: frozenset[str] | None) -> None:
        """After an agenda change: read the socket's scopes again, holding live events meanwhile
        so that none goes out by the old ones."""
        self._hold()
        task = asyncio.get_running_loop().create_task(
            self._resync(lambda: self._refresh_scopes(before))
        )
        _closing.add(task)
        task.add_done_callback(_closing.discard)

    async def _refresh_scopes(self, before: frozenset[str] | None) -> bool:
        """If what this socket may see is no longer `before` (it was added to an item's audience,
        or left out of it), the tablet gets the whole room as it now may see it; otherwise the
        change was delivered (or skipped) like any event."""
        scopes = await _scopes_now(self.user, self.meeting_id)
        if scopes is False:
            return False
        if scopes == before:
            return True
        return await self._send_catch_up(None)

    async def _resync(self, work: Callable[[], Awaitable[bool]]) -> None:
        """Run a resume or a scope refresh, one at a time, then send what was held meanwhile by
        the scopes it read. If the participant is gone (False) or the work fails (the database
        away or locked), nothing held goes out, since the scopes may be stale: the socket is
        closed, "signed out" or "server error" (the tablet reconnects and resumes)."""
        try:
            async with self.resync:
                done = await work()
        except Exception:
            logger.exception("meeting socket could not catch up; closing it")
            done, code = False, events.Close.SERVER_ERROR
        else:
            code = events.Close.SIGNED_OUT
        if done:
            await self._release_held()
            return
        self.held = []
        self.abandoned = True  # nothing more goes out: the socket is closing
        await self.close(code=code)

    def _hold(self) -> None:
        """Hold live events until every resume and scope refresh begun has finished."""
        self.resyncs += 1
        self.resuming = True

    async def _release_held(self) -> None:
        self.resyncs = max(0, self.resyncs - 1)
        if self.resyncs or self.abandoned:
            return  # another resume or refresh follows: it sends them, by the scopes it reads
        self.resuming = False
        held, self.held = self.held, []
        for seq, message, text in sorted(held, key=lambda entry: entry[0]):
            await self._send_event(seq, message, text)

    async def command(self, command: events.Command) -> None:
        if command.name == "vote.cast":  # the burst of a poll: written in batches (BallotBox)
            ack = await ballot_box().cast(
                self.meeting_id,
                Ballot(self.user, command.id, command.args, self.language, scope_ip(self.scope)),
            )
        else:
            ack = await _run_command(
                self.language,
                scope_ip(self.scope),
                actor=self.user,
                meeting_id=self.meeting_id,
                client_id=command.id,
                name=command.name,
                args=command.args,
            )
        reply: dict[str, Any] = {"type": events.Message.ACK, "id": command.id, "ok": ack.ok}
        if ack.ok:
            reply |= {"seq": ack.seq, "result": ack.result}
        else:
            reply |= {"code": ack.code, "message": ack.message}
        await self.send_json(reply)

    # --- from the hub (realtime.hub) --------------------------------------------------------------
    async def deliver(self, message: dict[str, Any], text: str | None) -> None:
        kind = message.get("type")
        if self.abandoned:
            return
        if kind == "meeting.event" and text is not None:
            if self.resuming:
                self.held.append((message["seq"], message, text))
            else:
                await self._send_event(message["seq"], message, text)
            # Before the hello, connect() looks at what it held once admitted.
            if (
                message.get("event") in AUDIENCE_EVENTS
                and self.scopes is not None
                and self.accepted
            ):
                self._start_refresh(self.scopes)
        elif kind == "meeting.progress" and text is not None:
            if not self.accepted or self.resuming:
                # The snapshot after the hello carries the count; during a resume or a scope
                # refresh the scopes may be about to change (the next count comes within 2 s).
                return
            if not events.may_receive(message.get("scope"), self.scopes):
                return
            await self.send(text_data=text)
        elif kind == "user.disconnect":
            if message.get("meeting", self.meeting_id) != self.meeting_id:
                return
            if message.get("session", self.session_key) != self.session_key:
                return
            if not self.accepted:
                self.revoked = True  # connect() refuses once its own check returns
                return
            await self.close(code=events.Close.SIGNED_OUT)

    async def _send_event(self, seq: int, message: dict[str, Any], text: str) -> None:
        """The event's text (encoded once for all sockets, realtime.hub), or what a socket that
        may not receive it gets instead, encoded once too."""
        # Already sent by a replay; a gap the other way is the tablet's to notice (it resumes).
        if seq <= self.sent_seq:
            return
        self.sent_seq = seq
        if not events.may_receive(message.get("scope"), self.scopes):
            text = encode_hidden(message)
        await self.send(text_data=text)
