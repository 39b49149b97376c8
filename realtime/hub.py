"""One channel-layer listener per process, fanning messages out to the sockets it serves.

A stock Channels consumer gives every socket its own layer channel: a meeting event sent to the
group is copied once per socket (deep-copied by the in-memory layer, one Redis entry each with
channels_redis), every copy is received separately (the in-memory layer sweeps all channels on
each receive), and each handler first hops to a thread to close database connections. At 2,000
tablets that is most of the cost of a broadcast.

Here the process joins each group once, on a single layer channel, and keeps its sockets in a dict
per group. A message is received once, encoded to JSON once, and written to each socket directly.
Group messages carry their group name (realtime.broadcast adds it) so that one channel can serve
every group.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import weakref
from typing import Any, Protocol

from channels.layers import BaseChannelLayer, get_channel_layer

from realtime import events

logger = logging.getLogger(__name__)

# Yield to the event loop after this many socket writes, so that a broadcast to thousands of
# tablets does not hold up pings, commands and new connections. 50, not 250: poll.opened lists
# every voter (12 kB at 2,000), its broadcast took about a second here, and the ballots of the
# first tablets to see it waited for the slices in between (bench/vote_burst.py).
WRITES_PER_SLICE = 50
# Channel layers forget group members after a day (group_expiry); a long-running process rejoins.
REJOIN_EVERY_SECONDS = 6 * 3600
# At most this often per poll does a tablet hear the count of ballots cast.
PROGRESS_EVERY_SECONDS = 0.5
# ... and at most this many count messages a second leave the process: with more sockets than
# that, the count comes less often (2,000 tablets: every 2 s). Each message costs the event loop
# about as much as an ack, and during a vote burst the loop also has the ballots to take in and
# answer: at 2,000 tablets and twice a second, the count took as much of the server's time as
# writing the ballots (bench/vote_burst.py).
PROGRESS_MESSAGES_PER_SECOND = 1000


class Listener(Protocol):
    async def deliver(self, message: dict[str, Any], text: str | None) -> None: ...


def encode_progress(data: dict[str, Any]) -> str:
    return json.dumps({"type": events.Message.PROGRESS, **data}, separators=(",", ":"))


def encode_event(message: dict[str, Any]) -> str:
    """The event's text, encoded once for all sockets. Vietnamese letters are escaped (\\uXXXX),
    so that the text is ASCII: Daphne encodes it to UTF-8 again for every socket, which for ASCII
    is a copy and otherwise a conversion of every character (poll.opened lists 2,000 voters in
    10 kB: 78 ms to encode it for 2,000 sockets, 4 ms as ASCII; bench/vote_burst.py)."""
    return json.dumps(
        {
            "type": events.Message.EVENT,
            "seq": message["seq"],
            "event": message["event"],
            "data": message["data"],
        },
        separators=(",", ":"),
    )


def encode_hidden(message: dict[str, Any]) -> str:
    """What sockets outside the event's scope get in its place (events.hidden_message), encoded
    once per event like the event itself: the first socket that needs it keeps it in the message,
    which all of this process's sockets share."""
    text = message.get("hidden_text")
    if text is None:
        hidden = events.hidden_message(message["seq"], message["event"])
        text = message["hidden_text"] = json.dumps(hidden, separators=(",", ":"))
    return text


# How often a stopping hub cancels its receive again until it ends (Hub._receive).
STOP_RETRY_SECONDS = 0.05


class Hub:
    def __init__(self, layer: BaseChannelLayer) -> None:
        self.layer = layer
        self.channel: str | None = None
        self.groups: dict[str, set[Listener]] = {}
        self._lock = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []
        # Progress counts per (group, poll): the highest seen, when last sent, a pending flush.
        self._progress: dict[tuple[str, int], dict[str, Any]] = {}
        self._progress_sent: dict[tuple[str, int], float] = {}
        self._progress_due: set[tuple[str, int]] = set()
        self._sending: set[asyncio.Task[None]] = set()  # keeps pending sends from being collected

    async def join(self, group: str, listener: Listener) -> None:
        async with self._lock:
            if self.channel is None:
                self.channel = await self.layer.new_channel()
                loop = asyncio.get_running_loop()
                self._tasks = [loop.create_task(self._read()), loop.create_task(self._rejoin())]
            members = self.groups.get(group)
            if members is None:
                await self.layer.group_add(group, self.channel)
                members = self.groups[group] = set()
            members.add(listener)

    async def leave(self, group: str, listener: Listener) -> None:
        async with self._lock:
            members = self.groups.get(group)
            if members is None:
                return
            members.discard(listener)
            if not members:
                del self.groups[group]
                assert self.channel is not None
                await self.layer.group_discard(group, self.channel)

    async def _read(self) -> None:
        assert self.channel is not None
        while True:
            try:
                message = await self._receive()
            except asyncio.CancelledError:
                raise
            except Exception:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    # Being stopped (the loop is closing): a layer that turned the cancellation
                    # into another error must not keep this loop alive.
                    raise
                # The layer (Redis) is away: wait, then listen again.
                logger.exception("hub could not receive from the channel layer")
                await asyncio.sleep(1)
                continue
            group = message.get("group", "")
            if message.get("type") == "meeting.progress":
                self._note_progress(group, message["data"])
                continue
            members = self.groups.get(group)
            if members:
                await self.fan_out(list(members), message)

    async def _receive(self) -> dict[str, Any]:
        """The layer's receive, in a task of its own that a stopping hub cancels until it ends.

        channels_redis pops with a 5 s timeout and pops again on an empty result; a cancellation
        that lands as a pop times out is taken by redis-py for that timeout, so the receive goes
        on as if never cancelled. Seen: the event loop closing at the end of a test waited for
        it for ever (the CI's PostgreSQL and Redis pass never finished); Daphne's shutdown would
        hang the same way."""
        assert self.channel is not None
        receiving = asyncio.ensure_future(self.layer.receive(self.channel))
        try:
            return await asyncio.shield(receiving)
        except asyncio.CancelledError:
            while not receiving.done():
                receiving.cancel()
                await asyncio.wait({receiving}, timeout=STOP_RETRY_SECONDS)
            raise

    async def fan_out(
        self, listeners: list[Listener], message: dict[str, Any], text: str | None = None
    ) -> None:
        if text is None and message.get("type") == "meeting.event":
            text = encode_event(message)
        for n, listener in enumerate(listeners, start=1):
            try:
                await listener.deliver(message, text)
            except Exception:  # one broken socket must not cost the others their message
                logger.exception("delivery to a socket failed")
            if n % WRITES_PER_SLICE == 0:
                await asyncio.sleep(0)

    def _note_progress(self, group: str, data: dict[str, Any]) -> None:
        """Keep the highest count (ballots commit, and their messages arrive, in any order) and
        send it at most every PROGRESS_EVERY_SECONDS, the last one always."""
        key = (group, int(data["poll"]))
        known = self._progress.get(key)
        if known is None or data["voted"] >= known["voted"]:
            self._progress[key] = data
        if key in self._progress_due:
            return
        loop = asyncio.get_running_loop()
        listeners = len(self.groups.get(group, ()))
        every = max(PROGRESS_EVERY_SECONDS, listeners / PROGRESS_MESSAGES_PER_SECOND)
        wait = self._progress_sent.get(key, 0.0) + every - loop.time()
        self._progress_due.add(key)
        loop.call_later(max(0.0, wait), self._start_progress_send, key)

    def _start_progress_send(self, key: tuple[str, int]) -> None:
        task = asyncio.get_running_loop().create_task(self._send_progress(key))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send_progress(self, key: tuple[str, int]) -> None:
        self._progress_due.discard(key)
        self._progress_sent[key] = asyncio.get_running_loop().time()
        members = self.groups.get(key[0])
        if members:
            # The poll's scope decides who hears the count (the consumer); tablets get the rest.
            data = dict(self._progress[key])
            message = {"type": "meeting.progress", "scope": data.pop("scope", None)}
            await self.fan_out(list(members), message, encode_progress(data))

    async def _rejoin(self) -> None:
        while True:
            await asyncio.sleep(REJOIN_EVERY_SECONDS)
            async with self._lock:
                for group in list(self.groups):
                    assert self.channel is not None
                    await self.layer.group_add(group, self.channel)


# One hub per event loop: Daphne has one; tests create a loop per test.
_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


# How long a thread may hold the interpreter while another waits for it (Python's default: 5 ms).
GIL_SWITCH_SECONDS = 0.0005


def share_the_interpreter() -> None:
    """Let the database thread and the event loop take turns more often.

    A server's database work runs in one thread beside the event loop, and the two share the
    interpreter lock. The database thread gives the lock up on every SQLite step (each row read
    or written) and then waits for the loop to hand it back, by default for up to 5 ms. While the
    loop was busy writing an event to 2,000 sockets, a batch of ballots of a few hundred steps
    took over a second that way, and their acks came late; at 0.5 ms it took a tenth of that
    (bench/vote_burst.py). Switching more often costs the loop little: its work is many short
    writes."""
    if sys.getswitchinterval() > GIL_SWITCH_SECONDS:
        sys.setswitchinterval(GIL_SWITCH_SECONDS)


def get_hub() -> Hub | None:
    layer = get_channel_layer()
    if layer is None:
        return None
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None or hub.layer is not layer:
        share_the_interpreter()  # the process serves sockets (see there)
        hub = _hubs[loop] = Hub(layer)
    return hub
