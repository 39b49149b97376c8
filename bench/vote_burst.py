"""A vote burst: N checked-in tablets on one meeting all vote within a few seconds, one Daphne.

    .venv/bin/python bench/vote_burst.py [--voters 2000] [--backend both|sqlite|postgres]
                                         [--spread 5] [--kind open|secret] [--retry-after 5]
                                         [--profile DIR] [--priority N]

For each backend (SQLite with the in-memory channel layer, then PostgreSQL with Redis when both
are reachable) it builds a meeting in session with N members who may vote, all checked in
(attendance present) and each with a signed-in session, and a chair. It starts Daphne on the
project (pinned to core 0) and this process (one asyncio loop with the `websockets` client, pinned
to core 1) connects the N tablets and the chair, each resuming from its hello.

The chair creates a poll and opens it with the socket command `poll.open`. Each tablet, on the
`poll.opened` event, sends `vote.cast` at its own time drawn uniformly from the `--spread` seconds
after the chair sent the opening (open-loop: on schedule, whatever the acks of others; a tablet
that hears of the poll after its time sends at once). A tablet without an ack after
`--retry-after` seconds sends the same command again with the SAME command id (the server counts
it once). Ack latency = ack arrival - first send. When every tablet has its ack (or after a cap),
the chair sends `poll.close`, and the bench waits until every tablet has the `poll.closed` event
with the result: "result on every tablet" is the time from the first ballot sent to the last of
those arrivals.

Then it checks that the ballots acknowledged, the result's `cast`, the per-option counts and the
ballot rows in the database (read by a subprocess) all agree, and that no tablet has two ballots.
It prints a table for the backends side by side, the server's RSS and CPU time, and the goals
(issue 5: all N counted and the result on every tablet < 10 s after the first ballot; ack p99 <= 1 s).

Internal: `--prepare DIR N` builds the data and writes DIR/fixture.json; `--count POLL` prints the
database's view of a poll as JSON. Both run in subprocesses with the server's environment.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))  # run as a script: the project's packages, bench.common included

from bench.common import members_with_sessions, migrated_meeting, proc_status_kb  # noqa: E402
from bench.ws_fanout import (  # noqa: E402
    CLIENT_CORE,
    CLIENT_CPU_LIMIT,
    SERVER_CORE,
    _raise_fd_limit,
    daphne,
    machine_cpu_seconds,
    percentile,
    proc_cpu_seconds,
    self_cpu_seconds,
)

PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DATABASE = "bench_vote"
REDIS_URL = "redis://127.0.0.1:6379/3"  # this bench's own index: flushed before each run
# How the tablets vote (weights of the three default options): the motion passes.
CHOICE_WEIGHTS = (7, 2, 1)
GOAL_RESULT_S = 10.0
GOAL_ACK_P99_S = 1.0


# --- Setup (runs in a subprocess with the server's environment) ---------------------------------


def prepare(data_dir: Path, members: int) -> None:
    import datetime as dt

    unit, secretary, meeting = migrated_meeting(
        data_dir, starts_in=dt.timedelta(minutes=5), location="Hội trường"
    )

    from cabinet.meetings.services import agenda as agenda_services
    from cabinet.meetings.services import meetings as meeting_services
    from cabinet.models import Attendance, Participant, User

    # The chair runs the meeting and does not vote here, so that exactly N members are entitled.
    chair = User.objects.create(username="chutri", full_name="Chủ trì", unit=unit)
    meeting_services.invite_participant(
        actor=secretary, meeting=meeting, user=chair, role="chair", can_vote=False
    )
    item = agenda_services.add_agenda_item(
        actor=secretary, meeting=meeting, title="Tờ trình dự toán ngân sách", planned_minutes=30
    )
    keys = members_with_sessions(meeting, unit, chair, members)
    meeting_services.publish_meeting(actor=secretary, meeting=meeting)
    meeting_services.start_meeting(actor=secretary, meeting=meeting)
    # Everyone checked in (as `attendance.check_in` would record it), so everyone is entitled.
    participants = list(Participant.objects.filter(meeting=meeting, role="member"))
    Attendance.objects.bulk_create(
        (
            Attendance(participant=p, meeting=meeting, status="present", marked_by_id=p.user_id)
            for p in participants
        ),
        batch_size=500,
    )

    fixture = {"meeting": meeting.pk, "item": item.pk, "chair": keys[0], "members": keys[1:]}
    (data_dir / "fixture.json").write_text(json.dumps(fixture))


def count(poll_id: int) -> None:
    """The database's view of the poll, as JSON on stdout."""
    import django

    django.setup()
    from django.db.models import Count

    from cabinet.models import Ballot, CommandReceipt, Poll, PollVoter, SecretBallot

    poll = Poll.objects.get(pk=poll_id)
    source = SecretBallot if poll.kind == "secret" else Ballot
    rows = source.objects.filter(poll=poll)
    per_option = dict(rows.values_list("option_id").annotate(n=Count("pk")).order_by())
    duplicates = 0
    if source is Ballot:
        duplicates = (
            Ballot.objects.filter(poll=poll)
            .values("voter")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .count()
        )
    print(
        json.dumps(
            {
                "state": poll.state,
                "rows": rows.count(),
                "per_option": {str(k): v for k, v in per_option.items()},
                "duplicates": duplicates,
                "voted": PollVoter.objects.filter(poll=poll, voted=True).count(),
                "receipts": CommandReceipt.objects.filter(name="vote.cast").count(),
                "result": poll.result,
            }
        )
    )


# --- Backends ---------------------------------------------------------------------------------


def base_env(tmp: Path) -> dict[str, str]:
    drop = {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}
    return {k: v for k, v in os.environ.items() if k not in drop} | {
        "DJANGO_SETTINGS_MODULE": "cabinet.settings",
        "DATA_DIR": str(tmp / "data"),
        "MEDIA_ROOT": str(tmp / "media"),
        # As in production: no query log, no debug toolbar of any kind.
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(PROJECT),
    }


def postgres_reachable() -> str:
    """Empty if PostgreSQL and Redis answer, else why not."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as error:
        return f"PostgreSQL at 127.0.0.1:5432: {type(error).__name__}: {error}"
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as error:
        return f"Redis at 127.0.0.1:6379: {type(error).__name__}: {error}"
    return ""


def reset_postgres(create: bool) -> None:
    """Drop this bench's own database (and create it afresh); flush its own Redis index."""
    import psycopg
    import redis

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        if create:
            conn.execute(f"CREATE DATABASE {PG_DATABASE}")
    redis.Redis.from_url(REDIS_URL).flushdb()


def postgres_connections() -> int:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [PG_DATABASE]
        ).fetchone()
    return int(row[0]) if row else 0


# --- Client -------------------------------------------------------------------------------------


@dataclass
class Tablet:
    index: int
    cookie: str
    ws: Any = None
    opened: asyncio.Future[dict[str, Any]] | None = None
    acked: asyncio.Event = field(default_factory=asyncio.Event)
    command_id: str = ""
    option: int = 0
    sent_at: float = math.nan  # the first send
    sends: int = 0
    ack_at: float = math.nan
    ack: dict[str, Any] | None = None
    opened_at: float = math.nan
    closed_at: float = math.nan
    result: dict[str, Any] | None = None
    progress: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class Run:
    backend: str
    voters: int
    spread: float
    connected: int = 0
    connect_s: float = math.nan
    ack_p50: float = math.nan
    ack_by_second: list[tuple[int, float, float]] = field(default_factory=list)  # n, p50, p99
    ack_p99: float = math.nan
    ack_max: float = math.nan
    acked: int = 0
    refused: int = 0
    unanswered: int = 0
    retries: int = 0
    sent_span: float = math.nan  # first to last ballot sent
    last_ack_s: float = math.nan  # first ballot sent to last ack
    open_to_all_s: float = math.nan  # poll.open sent to the poll.opened event on the last tablet
    close_ack_s: float = math.nan  # poll.close sent to its ack
    close_to_all_s: float = math.nan  # poll.close sent to the result on the last tablet
    result_s: float = math.nan  # first ballot sent to the result on the last tablet
    with_result: int = 0
    progress_msgs: int = 0
    cast: int | None = None
    db: dict[str, Any] = field(default_factory=dict)
    option_mismatch: bool = False
    server_rss_mb: float = 0.0
    server_peak_mb: float = 0.0
    server_cpu_s: float = 0.0  # over the burst: poll.open to the result on every tablet
    server_cpu_total_s: float = 0.0
    burst_s: float = 0.0
    server_pct: float = 0.0
    client_pct: float = 0.0
    other_pct: float = 0.0
    pg_connections: int | None = None
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def command_text(command_id: str, name: str, **args: Any) -> str:
    return json.dumps({"type": "command", "id": command_id, "name": name, "args": args})


async def burst(
    port: int, pid: int, fixture: dict[str, Any], run: Run, args: argparse.Namespace
) -> None:
    from websockets.asyncio.client import connect

    n = run.voters
    url = f"ws://127.0.0.1:{port}/ws/meetings/{fixture['meeting']}/"
    origin = f"http://127.0.0.1:{port}"
    loop = asyncio.get_running_loop()
    tablets = [Tablet(i, cookie) for i, cookie in enumerate(fixture["members"][:n])]
    for tablet in tablets:
        tablet.opened = loop.create_future()
    rng = random.Random(5)  # noqa: S311 - the same schedule and choices on every run and backend
    offsets = [rng.uniform(0, run.spread) for _ in tablets]
    choices = rng.choices(range(len(CHOICE_WEIGHTS)), weights=CHOICE_WEIGHTS, k=n)
    tasks: list[asyncio.Task[Any]] = []
    chair_acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
    all_closed = asyncio.Event()
    closed_count = 0

    async def open_socket(cookie: str) -> Any:
        ws = await connect(
            url,
            origin=origin,  # type: ignore[arg-type]
            additional_headers={"Cookie": cookie},
            compression=None,
            ping_interval=None,
            open_timeout=120,
            max_queue=None,
            max_size=None,  # a snapshot of 2,000 participants is large
        )
        hello = json.loads(await ws.recv())
        if hello.get("type") != "hello":
            raise RuntimeError(f"expected hello, got {str(hello)[:200]}")
        await ws.send(json.dumps({"type": "resume", "seq": hello["seq"]}))
        return ws

    parsed_events: dict[str | bytes, dict[str, Any]] = {}

    def on_tablet_message(tablet: Tablet, raw: str | bytes) -> None:
        nonlocal closed_count
        now = time.perf_counter()
        if isinstance(raw, str) and raw.startswith('{"type":"progress"'):
            tablet.progress += 1  # the throttled count: not parsed, it is most of the traffic
            return
        if isinstance(raw, str) and raw.startswith('{"type":"event"'):
            # Every tablet gets the same text: parsed once (poll.opened lists all 2,000 voters;
            # parsing it 2,000 times kept this client's loop from reading acks for seconds).
            message = parsed_events.get(raw)
            if message is None:
                if len(parsed_events) > 16:
                    parsed_events.clear()
                message = parsed_events[raw] = json.loads(raw)
        else:
            message = json.loads(raw)
        kind = message.get("type")
        if kind == "event":
            event = message.get("event")
            if event == "poll.opened":
                assert tablet.opened is not None
                if not tablet.opened.done():
                    tablet.opened_at = now
                    tablet.opened.set_result(message["data"])
            elif event == "poll.closed" and tablet.result is None:
                tablet.closed_at = now
                tablet.result = message["data"]["result"]
                closed_count += 1
                if closed_count >= run.connected:
                    all_closed.set()
        elif kind == "ack":
            if message.get("id") == tablet.command_id and tablet.ack is None:
                tablet.ack_at = now
                tablet.ack = message
                tablet.acked.set()
        elif kind == "error":
            tablet.errors.append(f"{message.get('code')}: {message.get('message')}")

    async def pump(tablet: Tablet) -> None:
        try:
            async for raw in tablet.ws:
                on_tablet_message(tablet, raw)
        except Exception as error:
            tablet.errors.append(f"socket: {type(error).__name__}: {error}")
        else:
            if not stopping:
                tablet.errors.append(f"socket closed by the server: {tablet.ws.close_code}")

    gate = asyncio.Semaphore(args.connect_concurrency)
    connect_errors: list[str] = []
    stopping = False

    async def join(tablet: Tablet) -> None:
        async with gate:
            try:
                tablet.ws = await open_socket(tablet.cookie)
            except Exception as error:  # a tablet that never connected cannot vote
                connect_errors.append(f"{type(error).__name__}: {error}")
                return
        run.connected += 1
        tasks.append(asyncio.create_task(pump(tablet)))

    async def vote(tablet: Tablet, start: float) -> None:
        assert tablet.opened is not None
        data = await tablet.opened
        options = [o["id"] for o in data["poll"]["options"]]
        tablet.option = options[choices[tablet.index]]
        tablet.command_id = f"vote-{tablet.index:05d}-{uuid.uuid4().hex[:12]}"
        text = command_text(
            tablet.command_id, "vote.cast", poll=data["poll"]["id"], option=tablet.option
        )
        delay = start + offsets[tablet.index] - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        deadline = start + run.spread + args.cap
        while True:
            if tablet.sends == 0:
                tablet.sent_at = time.perf_counter()
            tablet.sends += 1
            try:
                await tablet.ws.send(text)
            except Exception as error:
                tablet.errors.append(f"send: {type(error).__name__}: {error}")
                return
            wait = min(args.retry_after, deadline - time.perf_counter())
            if wait <= 0:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(tablet.acked.wait(), wait)
            if tablet.acked.is_set() or time.perf_counter() >= deadline:
                return
            # No ack in time: the same command again, same id; the server counts it once.

    # 1. Connect the tablets, then the chair.
    started = time.perf_counter()
    await asyncio.gather(*(join(tablet) for tablet in tablets))
    run.connect_s = time.perf_counter() - started
    if connect_errors:
        run.notes.append(f"{len(connect_errors)} failed to connect, e.g. {connect_errors[0][:160]}")
    chair = await open_socket(fixture["chair"])

    async def chair_pump() -> None:
        with contextlib.suppress(Exception):
            async for raw in chair:
                message = json.loads(raw)
                if message.get("type") == "ack":
                    future = chair_acks.get(message.get("id", ""))
                    if future is not None and not future.done():
                        future.set_result(message)

    tasks.append(asyncio.create_task(chair_pump()))

    async def chair_command(name: str, **command_args: Any) -> tuple[dict[str, Any], float]:
        command_id = f"chair-{name.replace('.', '-')}-{uuid.uuid4().hex[:12]}"
        chair_acks[command_id] = loop.create_future()
        sent = time.perf_counter()
        await chair.send(command_text(command_id, name, **command_args))
        ack = await asyncio.wait_for(chair_acks[command_id], 600)
        if not ack.get("ok"):
            raise RuntimeError(f"{name} refused: {ack}")
        return ack, sent

    ack, _ = await chair_command(
        "poll.create",
        question="Thông qua dự toán ngân sách năm 2026",
        kind=args.kind,
        rule="members_majority",
        item=fixture["item"],
    )
    poll_id = int(ack["result"]["poll"])
    await asyncio.sleep(1)  # the poll.created broadcast settles

    # 2. The burst: open, everyone votes on schedule, close once every tablet has its ack.
    connected = [t for t in tablets if t.ws is not None]
    cpu0, server0, machine0 = self_cpu_seconds(), proc_cpu_seconds(pid), machine_cpu_seconds()
    wall0 = time.perf_counter()
    start = time.perf_counter()
    profiler = start_profiler(pid, run.backend, args.profile)
    voters = [asyncio.create_task(vote(t, start)) for t in connected]
    _, open_sent = await chair_command("poll.open", poll=poll_id)
    assert open_sent >= start
    pg_sampler = None
    if run.backend == "postgres":
        pg_sampler = asyncio.create_task(sample_pg_connections(run))
    cap = start + run.spread + args.cap
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*voters), max(1.0, cap - time.perf_counter()))
    close_ack, close_sent = await chair_command("poll.close", poll=poll_id)
    run.cast = close_ack["result"].get("cast")
    run.close_ack_s = time.perf_counter() - close_sent
    opened = [t.opened_at for t in connected if not math.isnan(t.opened_at)]
    run.open_to_all_s = (max(opened) - open_sent) if len(opened) == len(connected) else math.inf
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(all_closed.wait(), 60)
    wall = time.perf_counter() - wall0
    run.burst_s = wall
    run.server_cpu_s = proc_cpu_seconds(pid) - server0
    run.server_pct = 100 * run.server_cpu_s / wall
    run.client_pct = 100 * (self_cpu_seconds() - cpu0) / wall
    machine = 100 * (machine_cpu_seconds() - machine0) / wall
    run.other_pct = max(0.0, machine - run.server_pct - run.client_pct)
    run.server_cpu_total_s = proc_cpu_seconds(pid)
    run.server_rss_mb = proc_status_kb(pid, "VmRSS") / 1024
    run.server_peak_mb = proc_status_kb(pid, "VmHWM") / 1024
    stop_profiler(profiler)
    if pg_sampler is not None:
        pg_sampler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pg_sampler

    # 3. Figures.
    sent = [t for t in connected if t.sends]
    first_sent = min((t.sent_at for t in sent), default=math.nan)
    run.sent_span = max((t.sent_at for t in sent), default=math.nan) - first_sent
    latencies = [t.ack_at - t.sent_at for t in sent if t.ack is not None]
    run.ack_p50, run.ack_p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    run.ack_max = max(latencies, default=math.nan)
    # By the second of the burst in which the ballot was sent: does the server keep up?
    seconds: dict[int, list[float]] = {}
    for t in sent:
        if t.ack is not None:
            seconds.setdefault(int(t.sent_at - first_sent), []).append(t.ack_at - t.sent_at)
    run.ack_by_second = [
        (len(v), percentile(v, 0.5), percentile(v, 0.99)) for _, v in sorted(seconds.items())
    ]
    run.acked = sum(1 for t in sent if t.ack is not None and t.ack.get("ok"))
    run.refused = sum(1 for t in sent if t.ack is not None and not t.ack.get("ok"))
    run.unanswered = sum(1 for t in sent if t.ack is None)
    run.retries = sum(t.sends - 1 for t in sent)
    run.last_ack_s = max((t.ack_at for t in sent if t.ack), default=math.nan) - first_sent
    closed = [t for t in connected if t.result is not None]
    run.with_result = len(closed)
    if closed:
        last = max(t.closed_at for t in closed)
        run.close_to_all_s = last - close_sent
        run.result_s = last - first_sent if len(closed) == len(connected) else math.inf
    run.progress_msgs = sum(t.progress for t in connected)
    refusals = Counter(str(t.ack.get("message")) for t in sent if t.ack and not t.ack.get("ok"))
    for message, times in refusals.most_common(3):
        run.errors.append(f"{times} refused: {message}")
    errors = Counter(e for t in connected for e in t.errors)
    for message, times in errors.most_common(3):
        run.errors.append(f"{times}x {message[:160]}")
    # What the acknowledged ballots add up to, per option, to compare with the result and the rows.
    expected = Counter(t.option for t in sent if t.ack is not None and t.ack.get("ok"))
    result_options = {o["id"]: o["count"] for o in close_ack["result"].get("options", [])}
    run.option_mismatch = any(result_options.get(k, 0) != v for k, v in expected.items()) or (
        sum(result_options.values()) != sum(expected.values())
    )
    different = {json.dumps(t.result, sort_keys=True) for t in closed}
    if len(different) > 1:
        run.notes.append(f"tablets got {len(different)} different results")
    run.db = {"poll": poll_id, "expected_per_option": {str(k): v for k, v in expected.items()}}

    stopping = True
    for task in tasks:
        task.cancel()
    for tablet in connected:
        tablet.ws.transport.abort()
    chair.transport.abort()
    await asyncio.gather(*tasks, return_exceptions=True)


def start_profiler(pid: int, backend: str, out: str | None) -> subprocess.Popen[bytes] | None:
    """py-spy (pip install py-spy) sampling the server over the burst, as collapsed stacks."""
    if not out:
        return None
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    Path(out).mkdir(parents=True, exist_ok=True)
    target = Path(out) / f"{backend}.txt"
    argv = [spy, "record", "-p", str(pid), "--format", "raw", "--rate", "200", "--gil"]
    argv += ["-o", str(target)]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603


def stop_profiler(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


async def sample_pg_connections(run: Run) -> None:
    """The most connections the server held to its database during the burst."""
    while True:
        try:
            now = await asyncio.to_thread(postgres_connections)
        except Exception:
            now = 0
        run.pg_connections = max(run.pg_connections or 0, now)
        await asyncio.sleep(0.5)


def run_backend(backend: str, args: argparse.Namespace) -> Run:
    run = Run(backend, args.voters, args.spread)
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-vote-{backend}-"))
    env = base_env(tmp)
    if backend == "postgres":
        reset_postgres(create=True)
        env |= {
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{PG_DATABASE}",
            "REDIS_URL": REDIS_URL,
        }
    try:
        print(f"[{backend}] preparing a meeting with {args.voters} voters ...", flush=True)
        t0 = time.perf_counter()
        subprocess.run(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, __file__, "--prepare", str(tmp), str(args.voters)],
            env=env,
            cwd=PROJECT,
            check=True,
        )
        fixture = json.loads((tmp / "fixture.json").read_text())
        print(
            f"[{backend}] prepared in {time.perf_counter() - t0:.1f} s; starting Daphne", flush=True
        )
        log = tmp / "daphne.log"
        kept = Path(tempfile.gettempdir()) / f"vote_burst-{backend}-daphne.log"
        try:
            with daphne("ours", env, log) as (process, port):
                asyncio.run(burst(port, process.pid, fixture, run, args))
        finally:
            if log.exists():
                shutil.copy(log, kept)
        tail = log.read_text(errors="replace").strip()
        if tail:
            run.notes.append(f"the server logged {len(tail.splitlines())} lines: see {kept}")
        counted = subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--count", str(run.db["poll"])],
            env=env,
            cwd=PROJECT,
            check=True,
            capture_output=True,
            text=True,
        )
        run.db |= json.loads(counted.stdout.strip().splitlines()[-1])
        expected = run.db["expected_per_option"]
        if {k: v for k, v in run.db["per_option"].items() if v} != {
            k: v for k, v in expected.items() if v
        }:
            run.option_mismatch = True
        print(
            f"[{backend}] {run.connected} connected in {run.connect_s:.1f} s; acked {run.acked}, "
            f"ack p99 {ms(run.ack_p99)} ms, result on every tablet {secs(run.result_s)} s after "
            "the first ballot",
            flush=True,
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if backend == "postgres":
            with contextlib.suppress(Exception):
                reset_postgres(create=False)
    return run


# --- Report -------------------------------------------------------------------------------------


def ms(value: float) -> str:
    if math.isinf(value):
        return "never"
    return "-" if math.isnan(value) else f"{value * 1000:.0f}"


def secs(value: float) -> str:
    if math.isinf(value):
        return "never"
    return "-" if math.isnan(value) else f"{value:.2f}"


def counted_ok(run: Run) -> bool:
    db = run.db
    return (
        run.acked == run.voters
        and run.cast == run.acked
        and db.get("rows") == run.acked
        and db.get("voted") == run.acked
        and db.get("duplicates", 1) == 0
        and not run.option_mismatch
        and (db.get("result") or {}).get("cast") == run.acked
    )


def print_table(runs: list[Run]) -> None:
    rows: list[tuple[str, list[str]]] = [
        ("voters (entitled, checked in)", [str(r.voters) for r in runs]),
        ("tablets connected / time", [f"{r.connected} / {r.connect_s:.1f} s" for r in runs]),
        ("ballots sent over (s)", [secs(r.sent_span) for r in runs]),
        ("ack p50 (ms)", [ms(r.ack_p50) for r in runs]),
        ("ack p99 (ms)", [ms(r.ack_p99) for r in runs]),
        ("ack max (ms)", [ms(r.ack_max) for r in runs]),
        ("first ballot -> last ack (s)", [secs(r.last_ack_s) for r in runs]),
        ("poll.open -> opened on all (ms)", [ms(r.open_to_all_s) for r in runs]),
        ("poll.close -> its ack (ms)", [ms(r.close_ack_s) for r in runs]),
        ("poll.close -> result on all (ms)", [ms(r.close_to_all_s) for r in runs]),
        ("first ballot -> result on all (s)", [secs(r.result_s) for r in runs]),
        ("tablets with the result", [f"{r.with_result}/{r.connected}" for r in runs]),
        ("acked ok / refused / no ack", [f"{r.acked}/{r.refused}/{r.unanswered}" for r in runs]),
        ("resends (same id)", [str(r.retries) for r in runs]),
        ("result cast", [str(r.cast) for r in runs]),
        ("ballot rows in the DB", [str(r.db.get("rows")) for r in runs]),
        ("voters marked voted in the DB", [str(r.db.get("voted")) for r in runs]),
        ("voters with 2+ ballots", [str(r.db.get("duplicates")) for r in runs]),
        (
            "per-option counts agree",
            ["no" if r.option_mismatch else "yes" for r in runs],
        ),
        ("progress messages received", [str(r.progress_msgs) for r in runs]),
        (
            "server RSS end / peak (MB)",
            [f"{r.server_rss_mb:.0f} / {r.server_peak_mb:.0f}" for r in runs],
        ),
        (
            "server CPU burst / total (s)",
            [f"{r.server_cpu_s:.1f} / {r.server_cpu_total_s:.1f}" for r in runs],
        ),
        ("burst wall time (s)", [f"{r.burst_s:.1f}" for r in runs]),
        (
            "CPU server / client / other (%)",
            [f"{r.server_pct:.0f} / {r.client_pct:.0f} / {r.other_pct:.0f}" for r in runs],
        ),
        (
            "server's DB connections (max)",
            ["-" if r.pg_connections is None else str(r.pg_connections) for r in runs],
        ),
    ]
    width = max(len(label) for label, _ in rows)
    names = {"sqlite": "SQLite + in-memory", "postgres": "PostgreSQL + Redis"}
    columns = [max(20, *(len(values[i]) for _, values in rows)) for i in range(len(runs))]
    print(
        f"{'':{width}}  "
        + "  ".join(f"{names[r.backend]:>{c}}" for r, c in zip(runs, columns, strict=True))
    )
    print("-" * (width + 2 + sum(c + 2 for c in columns)))
    for label, values in rows:
        print(
            f"{label:{width}}  "
            + "  ".join(f"{v:>{c}}" for v, c in zip(values, columns, strict=True))
        )
    for run in runs:
        by_second = ", ".join(f"{n} {ms(p50)}/{ms(p99)}" for n, p50, p99 in run.ack_by_second)
        print(f"  {run.backend}: per second of sending, ballots and ack p50/p99 ms: {by_second}")
        for line in run.errors + run.notes:
            print(f"  {run.backend}: {line}")
    print(
        "ack: from a tablet's first send of vote.cast to its ack. Result on all: until the last "
        "tablet has the poll.closed event.\nCPU: share of one core over the burst (poll.open to "
        "the result on every tablet); other = the rest of the machine (the database server, "
        f"Redis, anything else). A client over {CLIENT_CPU_LIMIT:.0f} % makes the run INVALID."
    )


def goal_checks(runs: list[Run]) -> None:
    for run in runs:
        invalid = run.client_pct > CLIENT_CPU_LIMIT

        def verdict(ok: bool, detail: str, invalid: bool = invalid) -> str:
            return ("INVALID" if invalid else "PASS" if ok else "FAIL") + f" ({detail})"

        counted = verdict(
            counted_ok(run),
            f"{run.acked} acked, cast {run.cast}, {run.db.get('rows')} rows of {run.voters}",
        )
        within = verdict(
            counted_ok(run) and run.result_s < GOAL_RESULT_S,
            f"{secs(run.result_s)} s",
        )
        p99 = verdict(run.ack_p99 <= GOAL_ACK_P99_S, f"{ms(run.ack_p99)} ms")
        print(f"[{run.backend}] all {run.voters} acknowledged ballots counted      {counted}")
        print(
            f"[{run.backend}] result on every tablet < {GOAL_RESULT_S:.0f} s after 1st ballot {within}"
        )
        print(
            f"[{run.backend}] ack p99 <= {GOAL_ACK_P99_S * 1000:.0f} ms                       {p99}"
        )


# --- Main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=2000)
    parser.add_argument("--backend", choices=["both", "sqlite", "postgres"], default="both")
    parser.add_argument("--spread", type=float, default=5.0, help="seconds over which all vote")
    parser.add_argument("--kind", choices=["open", "secret"], default="open")
    parser.add_argument(
        "--retry-after", type=float, default=5.0, help="resend (same id) after this many seconds"
    )
    parser.add_argument(
        "--cap", type=float, default=60.0, help="close after spread + this, acked or not"
    )
    parser.add_argument("--connect-concurrency", type=int, default=100)
    parser.add_argument(
        "--priority",
        type=int,
        default=0,
        metavar="N",
        help="lower the nice value of this client and the server by N (root only)",
    )
    parser.add_argument(
        "--profile", metavar="DIR", help="py-spy the server over the burst into DIR/<backend>.txt"
    )
    parser.add_argument("--prepare", nargs=2, metavar=("DIR", "N"), help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, metavar="POLL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(Path(args.prepare[0]), int(args.prepare[1]))
        return
    if args.count:
        count(args.count)
        return

    began = time.perf_counter()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    if "postgres" in backends:
        why = postgres_reachable()
        if why:
            if args.backend == "postgres":
                raise SystemExit(f"PostgreSQL + Redis not reachable: {why}")
            print(f"Skipping PostgreSQL + Redis: {why}")
            backends.remove("postgres")
    _raise_fd_limit()
    os.sched_setaffinity(0, {CLIENT_CORE})
    if args.priority:
        # Inherited by Daphne: on a machine shared with other work, the two cores go to the
        # benchmark first (needs root or CAP_SYS_NICE).
        os.nice(-args.priority)
    print(
        f"{os.cpu_count()} CPUs; Daphne on core {SERVER_CORE}, this client on core {CLIENT_CORE}; "
        f"{args.voters} voters over {args.spread:g} s, {args.kind} poll, "
        f"resend after {args.retry_after:g} s",
        flush=True,
    )
    runs = [run_backend(backend, args) for backend in backends]
    print()
    print_table(runs)
    print()
    goal_checks(runs)
    print(f"\nBenchmark run time: {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
