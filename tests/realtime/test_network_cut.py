"""A short network cut against a real Daphne (bench/network_cut.py is the long version): tablets
whose link drops while the room changes and a ballot waits are back in step within 2 s of
reconnecting, and a ballot sent before and one queued during the cut each count once."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async

from bench.live_client import CuttableProxy, Tablet
from cabinet.models import Ballot
from tests.realtime.daphne import free_port, start_daphne, stop, wait_for
from tests.realtime.sockets import new_session
from tests.realtime.test_voting_daphne import meeting_with_voters

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


async def test_after_a_cut_tablets_resync_within_2_s_and_ballots_count_once(tmp_path: Path) -> None:
    poll, chair_user, members, keys = await meeting_with_voters(3)

    def first_option() -> int:
        option = poll.options.order_by("position").first()
        assert option is not None
        return option.pk

    option = await sync_to_async(first_option)()
    chair_key = await sync_to_async(new_session)(chair_user)
    port, log = free_port(), tmp_path / "daphne.log"
    server = start_daphne(port, log)
    proxy = CuttableProxy(port)
    tasks: list[asyncio.Task[None]] = []
    try:
        await asyncio.to_thread(wait_for, port, server, log)
        proxy_port = await proxy.start()
        chair = Tablet(port, poll.meeting.pk, chair_key)
        tablets = [Tablet(proxy_port, poll.meeting.pk, key) for key in keys]
        tasks = [asyncio.create_task(t.run()) for t in [chair, *tablets]]
        await asyncio.wait_for(asyncio.gather(*(t.resynced.wait() for t in [chair, *tablets])), 20)

        in_flight = tablets[0].command(
            "cut-ballot-in-flight", "vote.cast", poll=poll.pk, option=option
        )
        await asyncio.sleep(0)
        proxy.cut()
        for tablet in tablets:
            tablet.resynced.clear()
        for n in range(4):  # the room changes while they are away
            ack = await chair.command(
                f"cut-change-{n:04d}", "item.move", item=None if n % 2 else poll.item_id
            )
            assert ack["ok"], ack
        queued = tablets[1].command("cut-ballot-queued", "vote.cast", poll=poll.pk, option=option)
        await asyncio.sleep(1.5)
        proxy.restore()
        await asyncio.wait_for(asyncio.gather(*(t.resynced.wait() for t in tablets)), 15)
        for tablet in tablets:
            assert tablet.resynced_at - tablet.hello_at < 2
        first, second = await asyncio.wait_for(asyncio.gather(in_flight, queued), 10)
        assert first["ok"], first
        assert second["ok"], second
        await asyncio.sleep(0.5)
        assert {t.seq for t in tablets} == {chair.seq}
        # The same ballot once more (a tablet that never saw its ack): the same answer, no change.
        again = await tablets[0].command(
            "cut-ballot-in-flight", "vote.cast", poll=poll.pk, option=option
        )
        assert again["ok"]
        assert again["result"] == first["result"]
        started = time.monotonic()
        for tablet in [chair, *tablets]:
            await tablet.stop()
        assert time.monotonic() - started < 5
    finally:
        for task in tasks:
            task.cancel()
        await proxy.close()
        stop(server)

    voters = await sync_to_async(
        lambda: list(Ballot.objects.filter(poll=poll).values_list("voter_id", flat=True))
    )()
    assert sorted(voters) == sorted([members[0].pk, members[1].pk])
