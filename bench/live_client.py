"""A live system for the reliability benchmarks (bench/soak.py, bench/network_cut.py) and a tablet
that speaks the meeting protocol as cabinet/static/cabinet/js/live/socket.js does.

The system is the demo (migrate + seed_demo in a throwaway DATA_DIR, as tests/e2e/conftest.py
starts it) served by a real `python -m daphne`. Sessions are written directly (as a sign-in would
leave them, clock started), one per socket, for the participants of the meeting in session.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import websockets

ROOT = Path(__file__).resolve().parent.parent

# Run by `manage.py shell` in the system's environment: sessions for the meeting in session, and
# optionally an open poll. Prints one JSON line.
_SETUP = """
import json, os
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from cabinet.trust import sessions
from cabinet.models import Meeting, PollVoter
from cabinet.voting import services as voting

count, with_poll = int(os.environ["SETUP_COUNT"]), os.environ["SETUP_POLL"] == "1"
meeting = Meeting.objects.get(status="in_session")
people = list(meeting.participants.select_related("user").order_by("pk"))
chair = next(p for p in people if p.role == "chair")

def session_for(user):
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    sessions.mark_signed_in(store)
    store.save()
    return store.session_key

out = {"meeting": meeting.pk, "chair": session_for(chair.user)}
if with_poll:
    # Several prepared polls (one to open per round); the first is open, to learn who may vote.
    polls = [
        voting.create_poll(actor=chair.user, meeting=meeting, question=f"Thông qua tờ trình {n}")
        for n in range(1, 4)
    ]
    first = voting.open_poll(actor=chair.user, meeting=meeting, poll_id=polls[0].pk)
    voters = [v.participant for v in PollVoter.objects.filter(poll=first).select_related(
        "participant__user").order_by("pk") if v.participant.user_id != chair.user_id]
    out["polls"] = [
        {"poll": p.pk, "option": p.options.order_by("position").first().pk} for p in polls
    ]
    out["poll"], out["option"] = out["polls"][0]["poll"], out["polls"][0]["option"]
    out["voters"] = [session_for(v.user) for v in voters[:count]]
else:
    members = [p for p in people if p.pk != chair.pk]
    out["members"] = [session_for(members[n % len(members)].user) for n in range(count)]
print("SETUP " + json.dumps(out))
"""


def demo_env(data: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env |= {
        "DATA_DIR": str(data),
        "MEDIA_ROOT": str(data / "media"),
        "DEBUG": "1",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    return env | extra


def prepare_demo(env: dict[str, str]) -> None:
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--noinput", "-v", "0"], ["seed_demo"]):
        subprocess.run(manage + command, cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603


def make_sessions(env: dict[str, str], count: int, *, poll: bool = False) -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "manage.py", "shell", "-c", _SETUP],
        cwd=ROOT,
        env=env | {"SETUP_COUNT": str(count), "SETUP_POLL": "1" if poll else "0"},
        check=True,
        capture_output=True,
        text=True,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("SETUP "))
    return dict(json.loads(line[len("SETUP ") :]))


@contextlib.contextmanager
def daphne(env: dict[str, str], port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    argv = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port)]
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603
            [*argv, "realtime.asgi:application"], cwd=ROOT, env=env, stdout=out, stderr=out
        )
    try:
        from bench.common import wait_until_listening

        wait_until_listening(port, process, log)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


class Tablet:
    """One tablet: keeps `seq`, resumes after every (re)connect and on a gap, pings, and keeps
    commands pending until acked, sending them again with the same id after a reconnect."""

    PING_EVERY = 25.0
    MIN_DELAY, MAX_DELAY = 0.5, 10.0

    def __init__(self, port: int, meeting: int, session: str, *, ping_every: float = 25.0) -> None:
        self.url = f"ws://127.0.0.1:{port}/ws/meetings/{meeting}/"
        self.origin = f"http://127.0.0.1:{port}"
        self.cookie = f"sessionid={session}"
        self.ping_every = ping_every
        self.seq: int | None = None
        self.socket: Any = None
        self.pending: dict[str, dict[str, Any]] = {}
        self.acks: dict[str, dict[str, Any]] = {}
        self.events = 0
        self.connects = 0
        self.closed_codes: list[int | None] = []
        self.errors: list[dict[str, Any]] = []
        self.stopped = False
        self.hello_at = 0.0  # monotonic time of the last hello
        self.resynced_at = 0.0  # ... and of the last resume answered (resumed or snapshot)
        self.resynced = asyncio.Event()
        self._ack_waiters: dict[str, asyncio.Future[dict[str, Any]]] = {}

    async def run(self) -> None:
        """Connect, and reconnect with socket.js's back-off, until stop()."""
        delay = self.MIN_DELAY
        while not self.stopped:
            try:
                async with websockets.connect(
                    self.url,
                    origin=websockets.Origin(self.origin),
                    additional_headers={"Cookie": self.cookie},
                    open_timeout=10,
                    ping_interval=None,
                    max_queue=None,
                ) as socket:
                    self.socket = socket
                    delay = self.MIN_DELAY
                    await self._session(socket)
            except (TimeoutError, OSError, websockets.exceptions.WebSocketException):
                pass
            finally:
                self.socket = None
                self.resynced.clear()
            if self.stopped:
                break
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.MAX_DELAY)

    async def _session(self, socket: Any) -> None:
        pinger = asyncio.create_task(self._ping(socket))
        try:
            async for raw in socket:
                self._on_message(json.loads(raw))
        finally:
            pinger.cancel()
            self.closed_codes.append(socket.close_code)

    async def _ping(self, socket: Any) -> None:
        while True:
            await asyncio.sleep(self.ping_every)
            await socket.send('{"type":"ping"}')

    def _send(self, message: dict[str, Any]) -> None:
        if self.socket is not None:
            task = asyncio.get_running_loop().create_task(self.socket.send(json.dumps(message)))
            task.add_done_callback(lambda t: t.exception())  # a closed socket: sent again later

    def _on_message(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "hello":
            self.connects += 1
            self.hello_at = time.monotonic()
            self._send({"type": "resume", "seq": self.seq})
            for command in self.pending.values():
                self._send(command)
        elif kind == "snapshot":
            self.seq = message["seq"]
            self._resynced()
        elif kind == "resumed":
            if self.seq is not None and message["seq"] > self.seq:
                self._send({"type": "resume", "seq": None})
            else:
                self._resynced()
        elif kind == "event":
            self.events += 1
            if self.seq is None or message["seq"] <= self.seq:
                return
            if message["seq"] > self.seq + 1:
                self._send({"type": "resume", "seq": self.seq})
                return
            self.seq = message["seq"]
        elif kind == "error":
            self.errors.append(message)
        elif kind == "ack":
            self.pending.pop(message["id"], None)
            self.acks[message["id"]] = message
            waiter = self._ack_waiters.pop(message["id"], None)
            if waiter is not None and not waiter.done():
                waiter.set_result(message)

    def _resynced(self) -> None:
        self.resynced_at = time.monotonic()
        self.resynced.set()

    def command(self, client_id: str, name: str, **args: Any) -> asyncio.Future[dict[str, Any]]:
        """Send (or queue, while disconnected) a command; the future gets its ack."""
        message = {"type": "command", "id": client_id, "name": name, "args": args}
        self.pending[client_id] = message
        future = asyncio.get_running_loop().create_future()
        self._ack_waiters[client_id] = future
        self._send(message)
        return future

    async def stop(self) -> None:
        self.stopped = True
        if self.socket is not None:
            await self.socket.close()


class CuttableProxy:
    """A TCP proxy in front of Daphne whose link can be cut: `cut()` drops every connection and
    refuses new ones (accepted, then closed at once: the tablet sees its handshake fail, as when
    the Wi-Fi is gone) until `restore()`."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.down = False
        self.links: set[asyncio.StreamWriter] = set()
        self.server: asyncio.AbstractServer | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = int(self.server.sockets[0].getsockname()[1])
        return self.port

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self.links |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    if self.down:
                        break  # dropped on the floor, as by a dead link
                    dst.write(data)
                    await dst.drain()
            except (OSError, asyncio.CancelledError):
                pass
            finally:
                for w in (writer, up_writer):
                    w.close()
                    self.links.discard(w)

        with contextlib.suppress(asyncio.CancelledError):  # the proxy is closing
            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def cut(self) -> None:
        self.down = True
        for writer in list(self.links):
            transport = writer.transport
            transport.abort()  # an RST, not a polite close: the link is simply gone
        self.links.clear()

    def restore(self) -> None:
        self.down = False

    async def close(self) -> None:
        self.cut()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
