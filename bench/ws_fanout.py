"""Meeting socket fan-out: N tablets on one meeting, one Daphne process.

    .venv/bin/python bench/ws_fanout.py [--sizes 500,1000,2000] [--seconds 10] [--apps raw,stock,ours]

For each N and each server it starts Daphne (pinned to core 0) with a fresh process, connects N
tablets plus one sender with the `websockets` asyncio client (this process, pinned to core 1),
and then sends changes open-loop (on a fixed schedule, not waiting for the previous one) at 1 and
3 changes/s. Per change it takes the time from sending it to its arrival at the LAST tablet, and
reports the p50 and p99 of that over the changes, the messages delivered against N x changes, the
server's peak RSS (VmHWM), the server's and this client's CPU over the measured window, and the
p99 against the raw baseline of the same N and rate. Servers:

  raw    bench.fanout_apps:raw_app: 30 lines of bare ASGI, a set of sockets, a loop of sends
  stock  bench.fanout_apps:stock_app: a tutorial AsyncJsonWebsocketConsumer, group_send through
         the in-memory channel layer
  ours   realtime.asgi:application, the project: session auth, and the chair sends the real
         command {"type": "command", "name": "item.move", ...}; tablets get `item.current`

raw and stock get the same change as a ready `item.current` event from a sender socket, so their
figures are the transport and dispatch floor; ours includes the command's database write.

A row whose client CPU exceeded 70 % of its core is marked INVALID: the client, not the server,
may then be what is measured. Setup (migrate, a meeting in session with two agenda items, a chair,
N members with sessions) runs in a subprocess with a temporary DATA_DIR (SQLite, in-memory
channel layer, EVENT_RELAY_INTERVAL=0), removed at the end.

`--prepare DIR N` is internal: it builds that data and writes DIR/fixture.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))  # run as a script: the project's packages, bench.common included

from bench.common import free_port, members_with_sessions, migrated_meeting, proc_status_kb  # noqa: E402

SERVER_CORE, CLIENT_CORE = 0, 1
CLIENT_CPU_LIMIT = 70.0
APPS = {
    "raw": "bench.fanout_apps:raw_app",
    "stock": "bench.fanout_apps:stock_app",
    "ours": "realtime.asgi:application",
}


# --- Setup (runs in a subprocess with the bench's DATA_DIR) -----------------------------------


def prepare(data_dir: Path, members: int) -> None:
    import datetime as dt

    unit, secretary, meeting = migrated_meeting(
        data_dir, starts_in=dt.timedelta(hours=1), location="Hội trường"
    )
    from cabinet.meetings.services import agenda as agenda_services
    from cabinet.meetings.services import meetings as meeting_services
    from cabinet.models import User

    chair = User.objects.create(username="chutri", full_name="Chủ trì", unit=unit)
    meeting_services.invite_participant(
        actor=secretary, meeting=meeting, user=chair, role="chair", can_vote=True
    )
    items = [
        agenda_services.add_agenda_item(
            actor=secretary, meeting=meeting, title=f"Nội dung {i}", planned_minutes=30
        )
        for i in (1, 2)
    ]
    keys = members_with_sessions(meeting, unit, chair, members)
    # --scoped: a restricted item whose audience is every other member (half the tablets).
    from cabinet.models import Participant

    listed = Participant.objects.filter(meeting=meeting, role="member").order_by("user__username")
    restricted = agenda_services.add_agenda_item(
        actor=secretary,
        meeting=meeting,
        title="Nhân sự",
        restricted=True,
        audience=list(listed)[::2],
    )
    meeting_services.publish_meeting(actor=secretary, meeting=meeting)
    meeting_services.start_meeting(actor=secretary, meeting=meeting)
    fixture = {"meeting": meeting.pk, "items": [item.pk for item in items], "chair": keys[0]}
    fixture["restricted_item"] = restricted.pk
    fixture["members"] = keys[1:]
    (data_dir / "fixture.json").write_text(json.dumps(fixture))


# --- Server --------------------------------------------------------------------------------------


def _server_preexec() -> None:
    os.sched_setaffinity(0, {SERVER_CORE})
    _raise_fd_limit()


def _raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > 65536:
        hard = 65536
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, hard), hard))


@contextlib.contextmanager
def daphne(
    app: str, env: dict[str, str], log: Path
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    argv = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port)]
    argv += ["--verbosity", "0", APPS[app]]
    with log.open("wb") as err:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            argv,
            env=env,
            cwd=PROJECT,
            stdout=subprocess.DEVNULL,
            stderr=err,
            preexec_fn=_server_preexec,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                tail = log.read_text(errors="replace")[-3000:]
                raise RuntimeError(f"Daphne ({app}) exited with {process.returncode}:\n{tail}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"Daphne ({app}) is not listening on {port} after 30 s")
            time.sleep(0.1)
        yield process, port
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def proc_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu_seconds() -> float:
    """CPU time used by everything on the machine (all cores), from /proc/stat."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def self_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- Client --------------------------------------------------------------------------------------


@dataclass
class Phase:
    rate: float
    changes: int
    p50: float = math.nan
    p99: float = math.nan
    delivered: int = 0
    expected: int = 0
    refused: int = 0
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    other_cpu: float = 0.0  # everything else on the machine: other work skews the figures
    latencies: list[float] = field(default_factory=list)


@dataclass
class Run:
    app: str
    n: int
    connected: int = 0
    connect_s: float = math.nan
    rss_mb: float = 0.0
    peak_mb: float = 0.0
    phases: list[Phase] = field(default_factory=list)
    note: str = ""


class Arrivals:
    """Per sequence number: how many tablets got it, and when the last one did."""

    def __init__(self) -> None:
        self.count: dict[int, int] = {}
        self.last: dict[int, float] = {}

    def listener(self, hello_seq: int) -> Callable[[str | bytes], None]:
        last_seq = hello_seq
        count, last = self.count, self.last

        def on_message(raw: str | bytes) -> None:
            nonlocal last_seq
            now = time.perf_counter()
            message = json.loads(raw)
            # A skip (an event outside the tablet's scopes) is that event's delivery to it.
            if message.get("type") in ("event", "skip"):
                seq = message["seq"]
                if seq > last_seq:  # a repeat is not a delivery
                    last_seq = seq
                    count[seq] = count.get(seq, 0) + 1
                    last[seq] = now

        return on_message


def percentile(values: list[float], q: float) -> float:
    """Nearest rank: with 10 samples the p99 is the worst one."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def event_text(seq: int, item: int) -> str:
    """The item.current event raw and stock broadcast: the shape and size ours sends."""
    clock = {"item": item, "duration_s": 1800, "elapsed_s": 0, "running_since": None}
    data = {"item": item, "clock": clock}
    return json.dumps({"type": "event", "seq": seq, "event": "item.current", "data": data})


async def bench_one(
    app: str,
    port: int,
    pid: int,
    fixture: dict[str, Any],
    n: int,
    rates: list[float],
    seconds: float,
    concurrency: int,
    scoped: bool = False,
) -> Run:
    from websockets.asyncio.client import ClientConnection, connect

    run = Run(app, n)
    base = f"ws://127.0.0.1:{port}/ws/meetings/{fixture['meeting']}/"
    origin = f"http://127.0.0.1:{port}"
    arrivals = Arrivals()
    sockets: list[ClientConnection] = []
    tasks: list[asyncio.Task[None]] = []
    errors: list[str] = []

    async def open_socket(url: str, cookie: str) -> tuple[ClientConnection, int]:
        ws = await connect(
            url,
            origin=origin,  # type: ignore[arg-type]
            additional_headers={"Cookie": cookie},
            compression=None,
            ping_interval=None,
            open_timeout=60,
            max_queue=None,
        )
        sockets.append(ws)
        hello = json.loads(await ws.recv())
        if hello.get("type") != "hello":
            raise RuntimeError(f"expected hello, got {hello}")
        await ws.send(json.dumps({"type": "resume", "seq": hello["seq"]}))
        return ws, int(hello["seq"])

    async def pump(ws: ClientConnection, on_message: Callable[[str | bytes], None]) -> None:
        with contextlib.suppress(Exception):
            async for raw in ws:
                on_message(raw)

    gate = asyncio.Semaphore(concurrency)

    async def tablet(cookie: str) -> None:
        async with gate:
            try:
                ws, seq = await open_socket(base, cookie)
            except Exception as error:  # counted: a tablet that never connected loses everything
                errors.append(f"{type(error).__name__}: {error}")
                return
        run.connected += 1
        tasks.append(asyncio.create_task(pump(ws, arrivals.listener(seq))))

    started = time.perf_counter()
    await asyncio.gather(*(tablet(cookie) for cookie in fixture["members"][:n]))
    run.connect_s = time.perf_counter() - started
    if errors:
        run.note = f"{len(errors)} failed to connect, e.g. {errors[0][:120]}"

    acks: dict[str, dict[str, Any]] = {}

    def on_sender_message(raw: str | bytes) -> None:
        message = json.loads(raw)
        if message.get("type") == "ack":
            acks[message["id"]] = message

    sender_url = base if app == "ours" else base + "?trigger=1"
    sender, _ = await open_socket(sender_url, fixture["chair"])
    tasks.append(asyncio.create_task(pump(sender, on_sender_message)))
    items = fixture["items"]
    counter = 0

    async def drive(rate: float, changes: int) -> list[tuple[str | int, float]]:
        """Send `changes` changes at `rate`/s on a fixed schedule; return (key, send time)."""
        nonlocal counter
        sent: list[tuple[str | int, float]] = []
        start = time.perf_counter() + 0.05
        for i in range(changes):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            counter += 1
            item = items[counter % 2]
            key: str | int
            if app == "ours" and scoped:
                # An event of the restricted item's scope: half the tablets get it, the other
                # half a skip (realtime.events.hidden_message).
                key = f"bench-{counter:06d}-{uuid.uuid4().hex[:12]}"
                args = {"item": fixture["restricted_item"], "order": []}
                text = json.dumps(
                    {"type": "command", "id": key, "name": "speaker.reorder", "args": args}
                )
            elif app == "ours":
                key = f"bench-{counter:06d}-{uuid.uuid4().hex[:12]}"
                args = {"item": item}
                text = json.dumps({"type": "command", "id": key, "name": "item.move", "args": args})
            else:
                key = counter
                text = event_text(counter, item)
            t0 = time.perf_counter()
            await sender.send(text)
            sent.append((key, t0))
        return sent

    def seq_of(key: str | int) -> int | None:
        if isinstance(key, int):
            return key
        ack = acks.get(key)
        return int(ack["seq"]) if ack and ack.get("ok") else None

    def done(sent: list[tuple[str | int, float]]) -> bool:
        if app == "ours" and any(key not in acks for key, _ in sent):
            return False
        seqs = [seq_of(key) for key, _ in sent]
        return all(arrivals.count.get(s, 0) >= run.connected for s in seqs if s is not None)

    async def measure(rate: float, changes: int) -> Phase:
        phase = Phase(rate, changes)
        cpu0, server0, wall0 = self_cpu_seconds(), proc_cpu_seconds(pid), time.perf_counter()
        machine0 = machine_cpu_seconds()
        sent = await drive(rate, changes)
        deadline = time.perf_counter() + 5
        while not done(sent) and time.perf_counter() < deadline:
            await asyncio.sleep(0.01)
        wall = time.perf_counter() - wall0
        phase.client_cpu = 100 * (self_cpu_seconds() - cpu0) / wall
        phase.server_cpu = 100 * (proc_cpu_seconds(pid) - server0) / wall
        machine = 100 * (machine_cpu_seconds() - machine0) / wall
        phase.other_cpu = max(0.0, machine - phase.server_cpu - phase.client_cpu)
        latencies = []
        for key, t0 in sent:
            s = seq_of(key)
            if s is None:
                phase.refused += 1
                continue
            phase.delivered += arrivals.count.get(s, 0)
            if arrivals.count.get(s, 0) >= n:
                latencies.append(arrivals.last[s] - t0)
            else:  # some tablet never got it (within 5 s of the last change): no "last arrival"
                latencies.append(math.inf)
        phase.expected = n * changes
        phase.p50, phase.p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
        phase.latencies = latencies
        return phase

    try:
        await measure(2, 4)  # warm-up: first command, imports, caches
        await asyncio.sleep(0.5)
        for rate in rates:
            run.phases.append(await measure(rate, max(1, round(rate * seconds))))
            await asyncio.sleep(0.5)
        refusals = [a for a in acks.values() if not a.get("ok")]
        if refusals:
            run.note += f" {len(refusals)} commands refused, e.g. {refusals[0]}"
        run.rss_mb = proc_status_kb(pid, "VmRSS") / 1024
        run.peak_mb = proc_status_kb(pid, "VmHWM") / 1024
    finally:
        for task in tasks:
            task.cancel()
        for ws in sockets:
            ws.transport.abort()
        await asyncio.gather(*tasks, return_exceptions=True)
    return run


# --- Report --------------------------------------------------------------------------------------


def ms(value: float) -> str:
    if math.isinf(value):
        return "lost"
    return "-" if math.isnan(value) else f"{value * 1000:.1f}"


def print_table(runs: list[Run], show_latencies: bool = False) -> None:
    raw = {(r.n, p.rate): p for r in runs if r.app == "raw" for p in r.phases}
    header = (
        f"{'app':6} {'N':>5} {'connected':>10} {'conn s':>7} {'rate/s':>6} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'delivered/expected':>19} {'RSS MB':>7} {'peak MB':>8} "
        f"{'srv CPU':>7} {'cli CPU':>7} {'other':>6} {'p99/raw':>8}"
    )
    print(header)
    print("-" * len(header))
    for run in runs:
        for phase in run.phases:
            base = raw.get((run.n, phase.rate))
            ratio = "-"
            if base and 0 < base.p99 < math.inf:
                ratio = "lost" if math.isinf(phase.p99) else f"{phase.p99 / base.p99:7.2f}x"
            valid = "" if phase.client_cpu <= CLIENT_CPU_LIMIT else "  INVALID (client CPU)"
            refused = f" ({phase.refused} refused)" if phase.refused else ""
            print(
                f"{run.app:6} {run.n:>5} {run.connected:>5}/{run.n:<4} {run.connect_s:7.2f} "
                f"{phase.rate:6.0f} {ms(phase.p50):>8} {ms(phase.p99):>8} "
                f"{phase.delivered:>9}/{phase.expected:<9} {run.rss_mb:7.0f} {run.peak_mb:8.0f} "
                f"{phase.server_cpu:6.0f}% {phase.client_cpu:6.0f}% {phase.other_cpu:5.0f}% "
                f"{ratio:>8}{valid}{refused}"
            )
        if run.note:
            print(f"       note: {run.note.strip()}")
        if show_latencies:
            for phase in run.phases:
                values = " ".join(
                    "lost" if v == math.inf else f"{v * 1000:.0f}" for v in phase.latencies
                )
                print(f"       {phase.rate:g}/s, ms in sending order: {values}")
    print(
        "p50/p99: over the changes of the window, of the time from sending a change to its arrival "
        "at the LAST tablet (lost: a tablet never got it).\nRSS MB: the server's VmRSS at the end; "
        "peak MB: its VmHWM. CPU: share "
        f"of one core over the window (client rows over {CLIENT_CPU_LIMIT:.0f} % are INVALID);\nother: "
        "the rest of the machine's CPU meanwhile (anything else running skews the figures)."
    )
    busiest = max((p.other_cpu for r in runs for p in r.phases), default=0.0)
    if busiest > 20:
        print(
            f"WARNING: other processes used up to {busiest:.0f} % of a core during a window: "
            "the machine was not quiet, so these figures are pessimistic and noisy."
        )


def goal_checks(runs: list[Run]) -> list[tuple[str, str]]:
    by = {(r.app, r.n): r for r in runs}
    checks: list[tuple[str, str]] = []

    def verdict(ok: bool, run: Run, detail: str) -> str:
        invalid = any(p.client_cpu > CLIENT_CPU_LIMIT for p in run.phases)
        return ("INVALID" if invalid else "PASS" if ok else "FAIL") + f" ({detail})"

    ours, raw = by.get(("ours", 1000)), by.get(("raw", 1000))
    if ours and raw and ours.phases:
        raws = {p.rate: p for p in raw.phases}
        worst = max(p.p99 / raws[p.rate].p99 for p in ours.phases)
        checks.append(
            (
                "1,000 tablets: fan-out p99 <= 2x raw",
                verdict(worst <= 2, ours, f"worst {worst:.2f}x"),
            )
        )
    else:
        checks.append(("1,000 tablets: fan-out p99 <= 2x raw", "not measured (needs raw and ours)"))
    if ours and ours.phases:
        lost = sum(p.expected - p.delivered for p in ours.phases)
        checks.append(("1,000 tablets: 0 lost", verdict(lost == 0, ours, f"{lost} lost")))
        checks.append(
            (
                "1,000 tablets: RSS <= 300 MB",
                verdict(ours.peak_mb <= 300, ours, f"peak {ours.peak_mb:.0f} MB"),
            )
        )
        checks.append(
            (
                "1,000 tablets: all connected <= 5 s",
                verdict(
                    ours.connected == ours.n and ours.connect_s <= 5,
                    ours,
                    f"{ours.connected}/{ours.n} in {ours.connect_s:.2f} s",
                ),
            )
        )
    else:
        checks.append(("1,000 tablets (ours)", "not measured"))
    big = by.get(("ours", 2000))
    if big and big.phases:
        worst_s = max(p.p99 for p in big.phases)
        lost = sum(p.expected - p.delivered for p in big.phases)
        checks.append(
            (
                "2,000 tablets: fan-out p99 <= 1 s",
                verdict(
                    worst_s <= 1 and lost == 0, big, f"worst {worst_s * 1000:.0f} ms, {lost} lost"
                ),
            )
        )
    else:
        checks.append(("2,000 tablets: fan-out p99 <= 1 s", "not measured"))
    return checks


# --- Main ----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="500,1000,2000")
    parser.add_argument("--seconds", type=float, default=10, help="length of each rate's window")
    parser.add_argument("--rates", default="1,3", help="changes per second, one window each")
    parser.add_argument("--apps", default="raw,stock,ours")
    parser.add_argument("--connect-concurrency", type=int, default=100)
    parser.add_argument(
        "--latencies", action="store_true", help="also print every change's time to the last tablet"
    )
    parser.add_argument(
        "--scoped",
        action="store_true",
        help="ours: each change is an event of a restricted item whose audience is half the "
        "tablets (speaker.reorder); the others get a skip",
    )
    parser.add_argument("--prepare", nargs=2, metavar=("DIR", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(PROJECT))
    if args.prepare:
        prepare(Path(args.prepare[0]), int(args.prepare[1]))
        return

    sizes = [int(s) for s in args.sizes.split(",")]
    rates = [float(r) for r in args.rates.split(",")]
    apps = [a for a in ("raw", "stock", "ours") if a in args.apps.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="bench-fanout-"))
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}} | {
        "DJANGO_SETTINGS_MODULE": "cabinet.settings",
        "DATA_DIR": str(tmp / "data"),
        "MEDIA_ROOT": str(tmp / "media"),
        "DEBUG": "1",
        "EVENT_RELAY_INTERVAL": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONPATH": str(PROJECT),
    }
    runs: list[Run] = []
    try:
        print(f"Preparing a meeting with {max(sizes)} members ...", flush=True)
        subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--prepare", str(tmp), str(max(sizes))],
            env=env,
            cwd=PROJECT,
            check=True,
        )
        fixture = json.loads((tmp / "fixture.json").read_text())
        _raise_fd_limit()
        os.sched_setaffinity(0, {CLIENT_CORE})
        print(
            f"{os.cpu_count()} CPUs; Daphne on core {SERVER_CORE}, this client on core "
            f"{CLIENT_CORE}; tablets connect {args.connect_concurrency} at a time; "
            f"{args.seconds:g} s per rate",
            flush=True,
        )
        for n in sizes:
            for app in apps:
                log = tmp / f"daphne-{app}-{n}.log"
                with daphne(app, env, log) as (process, port):
                    run = asyncio.run(
                        bench_one(
                            app,
                            port,
                            process.pid,
                            fixture,
                            n,
                            rates,
                            args.seconds,
                            args.connect_concurrency,
                            args.scoped,
                        )
                    )
                runs.append(run)
                first = run.phases[0] if run.phases else None
                print(
                    f"  {app:5} N={n}: {run.connected} connected in {run.connect_s:.2f} s"
                    + (f", p99 {ms(first.p99)} ms at {first.rate:g}/s" if first else ""),
                    flush=True,
                )
        print()
        print_table(runs, args.latencies)
        print()
        for goal, result in goal_checks(runs):
            print(f"{goal:42} {result}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
