"""Network cuts: tablets lose their link for 5, 30 and 120 s while the room changes and a ballot
waits on the tablet; how fast are they back in step, and is every ballot counted once?

`.venv/bin/python bench/network_cut.py [--cuts 5,30,120] [--tablets 4]`

The demo system (as bench/soak.py) with an open poll. The voters' tablets (bench/live_client.
Tablet: socket.js's protocol and back-off, commands re-sent with their id after a reconnect) reach
Daphne through a TCP proxy; the chair's socket goes direct and changes the room (timer.adjust)
twice a second throughout. For each cut, one group of tablets:
  - one casts its ballot and the link is cut at once (the ballot may or may not have reached the
    server: the tablet cannot know, and sends it again with the same id when back),
  - one casts its ballot in the middle of the cut (queued on the tablet),
  - the others only follow the room.
The proxy drops every connection (RST) and refuses new ones for the cut's length. Measured per
tablet: from its reconnect (the server's hello) to resynced (the answer to its resume: the events
missed, or a snapshot), goal within 2 s; and from the link's return to resynced (this includes the
tablet's reconnect back-off, at most 10 s, as socket.js). Then, from the database: every voter's
ballot exists exactly once and both acks of a retried ballot agree.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.live_client import (
    ROOT,
    CuttableProxy,
    Tablet,
    daphne,
    demo_env,
    make_sessions,
    prepare_demo,
)

_COUNT = """
import json, os
from cabinet.models import Ballot
rows = Ballot.objects.filter(poll_id=int(os.environ["POLL"])).values_list("voter_id", flat=True)
print("COUNT " + json.dumps({"ballots": len(rows), "voters": len(set(rows))}))
"""


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_all(tablets: list[Tablet], timeout: float) -> None:
    await asyncio.wait_for(asyncio.gather(*(t.resynced.wait() for t in tablets)), timeout)


async def one_cut(
    seconds: float, proxy: CuttableProxy, chair: Tablet, group: list[Tablet], poll: int, option: int
) -> dict[str, Any]:
    """Cut the link for `seconds`; returns the figures of this group of tablets."""
    at_cut, during = group[0], group[1]
    ids = {at_cut: f"cut-{uuid.uuid4().hex}", during: f"cut-{uuid.uuid4().hex}"}
    seq_at_cut = chair.seq or 0
    first = at_cut.command(ids[at_cut], "vote.cast", poll=poll, option=option)
    await asyncio.sleep(0)  # written to the socket...
    proxy.cut()  # ... and the link is gone: did it arrive?
    for tablet in group:
        tablet.resynced.clear()
    await asyncio.sleep(seconds / 2)
    queued = during.command(ids[during], "vote.cast", poll=poll, option=option)
    await asyncio.sleep(seconds / 2)
    seq_at_restore = chair.seq
    restored = time.monotonic()
    proxy.restore()
    await wait_all(group, 30)
    acks = await asyncio.wait_for(asyncio.gather(first, queued), 15)
    await asyncio.sleep(1.5)  # two more changes reach everyone live
    behind = sum(t.seq != chair.seq for t in group)
    return {
        "cut": seconds,
        "events_missed": (seq_at_restore or 0) - seq_at_cut,
        "hello_to_resynced": [t.resynced_at - t.hello_at for t in group],
        "restore_to_resynced": [t.resynced_at - restored for t in group],
        "acks_ok": all(a["ok"] for a in acks),
        "behind": behind,
    }


async def run(
    port: int, setup: dict[str, Any], cuts: list[float], per_group: int
) -> tuple[list[dict[str, Any]], int]:
    proxy = CuttableProxy(port)
    proxy_port = await proxy.start()
    meeting = setup["meeting"]
    chair = Tablet(port, meeting, setup["chair"])
    # The demo has few voters: every round cuts the same tablets, and votes in a poll of its own.
    group = [Tablet(proxy_port, meeting, key) for key in setup["voters"][:per_group]]
    everyone = [chair, *group]
    tasks = [asyncio.create_task(t.run()) for t in everyone]
    await wait_all(everyone, 30)
    stop = asyncio.Event()

    async def change_room() -> None:
        n = 0
        while not stop.is_set():
            await asyncio.sleep(0.5)
            ack = chair.command(f"chg-{uuid.uuid4().hex}", "timer.adjust", minutes=1 - 2 * (n % 2))
            with_timeout = asyncio.wait_for(ack, 30)
            if (await with_timeout).get("ok"):
                n += 1

    changer = asyncio.create_task(change_room())
    results = []
    polls = setup["polls"]
    for n, seconds in enumerate(cuts):
        poll = polls[n % len(polls)]
        if n:  # the previous round's poll closes and this round's opens
            for name, which in (("poll.close", polls[n - 1]), ("poll.open", poll)):
                ack = await chair.command(f"poll-{uuid.uuid4().hex}", name, poll=which["poll"])
                assert ack["ok"], ack
        print(f"cutting {len(group)} tablets off for {seconds:g} s ...", flush=True)
        result = await one_cut(seconds, proxy, chair, group, poll["poll"], poll["option"])
        results.append(result | {"poll": poll["poll"]})
    stop.set()
    await changer
    for tablet in everyone:
        await tablet.stop()
    for task in tasks:
        task.cancel()
    await proxy.close()
    return results, 2


def count_ballots(env: dict[str, str], poll: int) -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "shell", "-c", _COUNT],
        cwd=ROOT,
        env=env | {"POLL": str(poll)},
        check=True,
        capture_output=True,
        text=True,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("COUNT "))
    return dict(json.loads(line[len("COUNT ") :]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cuts", default="5,30,120", help="seconds, comma-separated")
    parser.add_argument("--tablets", type=int, default=4, help="tablets per cut (at least 2)")
    args = parser.parse_args()
    cuts = [float(c) for c in args.cuts.split(",")]
    with tempfile.TemporaryDirectory(prefix="netcut-") as tmp:
        data = Path(tmp)
        env = demo_env(data)
        prepare_demo(env)
        setup = make_sessions(env, 100, poll=True)
        port = free_port()
        with daphne(env, port, data / "daphne.log"):
            results, voted = asyncio.run(run(port, setup, cuts, args.tablets))
        counted = [count_ballots(env, r["poll"]) for r in results]
    print()
    print("cut    events missed  reconnect→resynced (max)  link back→resynced (max)  acks  behind")
    ok = True
    for r in results:
        hello = max(r["hello_to_resynced"])
        back = max(r["restore_to_resynced"])
        ok &= hello <= 2 and r["acks_ok"] and r["behind"] == 0
        print(
            f"{r['cut']:5.0f} s {r['events_missed']:13d}  {hello * 1000:20.0f} ms  "
            f"{back:22.1f} s  {'ok' if r['acks_ok'] else 'REFUSED':>4}  {r['behind']:6d}"
        )
    for r, c in zip(results, counted, strict=True):
        once = c["ballots"] == voted and c["voters"] == voted
        ok &= once
        print(
            f"cut {r['cut']:g} s: ballots cast {voted} (one in flight at the cut, one queued "
            f"during it): {c['ballots']} stored for {c['voters']} voters: "
            f"{'each counted once' if once else 'MISCOUNTED'}"
        )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
