"""Soak: N tablets on one meeting for D minutes against a real Daphne; does the server leak?

`.venv/bin/python bench/soak.py [--sockets 300] [--minutes 10] [--change-every 2]`

The demo system (migrate + seed_demo in a throwaway DATA_DIR, SQLite, in-memory layer) is served by
`python -m daphne`. N tablets (bench/live_client.Tablet: resume on connect and on a gap, a ping
every 25 s as the page sends) follow the meeting in session, and the chair's socket changes the
room every few seconds (timer.adjust +1/−1 minute), so every tablet receives a steady stream of
events. Every minute it samples the server's RSS (/proc/<pid>/status VmRSS) and open file
descriptors (/proc/<pid>/fd). At the end: the growth of memory from the first sample (all tablets
connected and warmed up) to the last, the fd counts, and whether every tablet ended on the server's
last seq. Goals: memory growth < 10 %, fds stable.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.live_client import (
    Tablet,
    daphne,
    demo_env,
    make_sessions,
    open_fds,
    prepare_demo,
    rss_kb,
)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def soak(
    pid: int, port: int, setup: dict[str, Any], minutes: float, change_every: float
) -> int:
    meeting = setup["meeting"]
    tablets = [Tablet(port, meeting, key) for key in setup["members"]]
    chair = Tablet(port, meeting, setup["chair"])
    tasks = [asyncio.create_task(chair.run())]
    for n, tablet in enumerate(tablets):  # a room's tablets come in over a while, not at once
        tasks.append(asyncio.create_task(tablet.run()))
        if n % 20 == 19:
            await asyncio.sleep(0.2)
    deadline = time.monotonic() + 60
    while not all(t.resynced.is_set() for t in [chair, *tablets]):
        if time.monotonic() > deadline:
            print(f"only {sum(t.resynced.is_set() for t in tablets)} tablets connected")
            break
        await asyncio.sleep(0.2)
    print(f"{len(tablets)} tablets connected and resynced; soaking for {minutes} min", flush=True)

    changes = 0
    stop = asyncio.Event()

    async def change_room() -> None:
        nonlocal changes
        while not stop.is_set():
            await asyncio.sleep(change_every)
            minutes_by = 1 if changes % 2 == 0 else -1
            try:
                ack = await asyncio.wait_for(
                    chair.command(f"soak-{uuid.uuid4().hex}", "timer.adjust", minutes=minutes_by),
                    30,
                )
            except TimeoutError:
                continue
            if ack.get("ok"):
                changes += 1
            elif not changes:
                print("the change was refused:", ack, flush=True)

    changer = asyncio.create_task(change_room())
    samples: list[tuple[float, int, int, int, int]] = []
    start = time.monotonic()

    def sample() -> None:
        connected = sum(t.socket is not None for t in tablets)
        row = (time.monotonic() - start, rss_kb(pid), open_fds(pid), connected, changes)
        samples.append(row)
        print(
            f"t={row[0] / 60:5.1f} min  RSS {row[1] / 1024:7.1f} MB  fds {row[2]:4d}  "
            f"connected {row[3]:4d}  changes {row[4]:5d}",
            flush=True,
        )

    sample()
    end = start + minutes * 60
    while time.monotonic() < end:
        await asyncio.sleep(min(60.0, end - time.monotonic()))
        sample()
    stop.set()
    await changer
    await asyncio.sleep(2)  # the last events arrive
    server_seq = chair.seq
    behind = sum(t.seq != server_seq for t in tablets)
    reconnects = sum(t.connects - 1 for t in tablets)
    for tablet in [chair, *tablets]:
        await tablet.stop()
    for task in tasks:
        task.cancel()

    first, last = samples[0], samples[-1]
    peak = max(s[1] for s in samples)
    growth = (last[1] - first[1]) / first[1] * 100
    fds = [s[2] for s in samples]
    print()
    print(f"sockets {len(tablets)} (+ the chair), {minutes} min, {changes} changes broadcast")
    print(
        f"events received per tablet: {min(t.events for t in tablets)}–{max(t.events for t in tablets)}"
    )
    print(
        f"RSS first {first[1] / 1024:.1f} MB, last {last[1] / 1024:.1f} MB, peak {peak / 1024:.1f} MB: "
        f"growth {growth:+.1f} % (goal < 10 %)"
    )
    print(f"open fds: first {fds[0]}, last {fds[-1]}, min {min(fds)}, max {max(fds)}")
    print(f"tablets not on the server's last seq ({server_seq}) at the end: {behind}")
    print(f"reconnects during the soak: {reconnects}")
    return 0 if growth < 10 and behind == 0 else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=300)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--change-every", type=float, default=2.0, help="seconds between changes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        data = Path(tmp)
        env = demo_env(data)
        t0 = time.monotonic()
        prepare_demo(env)
        setup = make_sessions(env, args.sockets)
        print(f"demo system ready in {time.monotonic() - t0:.0f} s", flush=True)
        port = free_port()
        with daphne(env, port, data / "daphne.log") as server:
            code = asyncio.run(soak(server.pid, port, setup, args.minutes, args.change_every))
    sys.exit(code)


if __name__ == "__main__":
    main()
