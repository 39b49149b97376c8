"""Two Daphne processes sharing the Redis on 127.0.0.1:6379 serve one meeting: a change made
through one reaches the tablets connected to the other. Runs on the PostgreSQL + Redis pass."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import websockets
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection

from cabinet.services import meetings as meeting_services
from tests.factories import Room
from tests.realtime.sockets import new_session

ROOT = Path(__file__).resolve().parents[2]
ASGI_APP = "realtime.asgi:application"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.asyncio,
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL") or "postgres" not in os.environ.get("DATABASE_URL", ""),
        reason="needs the shared PostgreSQL and Redis (the second pass of the test command)",
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_daphne(port: int, log: Path) -> subprocess.Popen[bytes]:
    # The processes use the test database (the rows this test commits) and the real Redis.
    db = connection.settings_dict
    env = os.environ | {
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "EVENT_RELAY_INTERVAL": "0",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), ASGI_APP],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def wait_for(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(log.read_text()) from None
            time.sleep(0.2)


async def open_tablet(port: int, meeting_id: int, session_key: str):
    tablet = await websockets.connect(
        f"ws://127.0.0.1:{port}/ws/meetings/{meeting_id}/",
        origin=websockets.Origin(f"http://127.0.0.1:{port}"),
        additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}"},
    )
    hello = json.loads(await asyncio.wait_for(tablet.recv(), 10))
    assert hello["type"] == "hello"
    return tablet


async def next_of(tablet, kind: str) -> dict:
    while True:
        message = json.loads(await asyncio.wait_for(tablet.recv(), 10))
        if message["type"] == kind:
            return message


async def test_a_change_through_one_process_reaches_tablets_on_the_other(tmp_path):
    @sync_to_async
    def prepare():
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
            server.terminate()
        for server in servers:
            server.wait(timeout=10)
