"""Two Daphne processes sharing the Redis on 127.0.0.1:6379 serve one meeting: a change made
through one reaches the tablets connected to the other. Runs on the PostgreSQL + Redis pass."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async

from cabinet.meetings.services import meetings as meeting_services
from tests.factories import Room
from tests.realtime.daphne import free_port, next_of, open_tablet, start_daphne, stop, wait_for
from tests.realtime.sockets import new_session

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.asyncio,
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL") or "postgres" not in os.environ.get("DATABASE_URL", ""),
        reason="needs the shared PostgreSQL and Redis (the second pass of the test command)",
    ),
]


async def test_a_change_through_one_process_reaches_tablets_on_the_other(tmp_path: Path) -> None:
    @sync_to_async
    def prepare() -> tuple[Room, str, str]:
        room = Room()
        meeting_services.start_meeting(actor=room.chair.user, meeting=room.meeting)
        return room, new_session(room.chair.user), new_session(room.member.user)

    room, chair_key, member_key = await prepare()
    ports = [free_port(), free_port()]
    logs = [tmp_path / "daphne-a.log", tmp_path / "daphne-b.log"]
    servers = [start_daphne(port, log) for port, log in zip(ports, logs, strict=True)]
    try:
        for port, server, log in zip(ports, servers, logs, strict=True):
            await asyncio.to_thread(wait_for, port, server, log)
        chair = await open_tablet(ports[0], room.meeting.pk, chair_key)
        member = await open_tablet(ports[1], room.meeting.pk, member_key)
        await chair.send(
            json.dumps(
                {
                    "type": "command",
                    "id": "two-process-1",
                    "name": "item.move",
                    "args": {"item": room.public_item.pk},
                }
            )
        )
        ack = await next_of(chair, "ack")
        assert ack["ok"], ack
        event = await next_of(member, "event")
        assert (event["event"], event["seq"]) == ("item.current", ack["seq"])
        assert event["data"]["item"] == room.public_item.pk
        # And back the other way: the member checks in on B, the chair on A hears it.
        await member.send(
            json.dumps(
                {
                    "type": "command",
                    "id": "two-process-2",
                    "name": "attendance.check_in",
                    "args": {"mode": "present"},
                }
            )
        )
        heard = await next_of(chair, "event")
        while heard["event"] != "attendance.changed":
            heard = await next_of(chair, "event")
        assert heard["data"]["participant"] == room.member.pk
        await chair.close()
        await member.close()
    finally:
        for server in servers:
            stop(server)
