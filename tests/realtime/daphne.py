"""Real Daphne processes for tests that need one: started on the test database (the rows a
transactional test commits), killed or stopped by the test, with their output in a log file."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import websockets
from django.conf import settings
from django.db import connection
from websockets.asyncio.client import ClientConnection

ROOT = Path(__file__).resolve().parents[2]
ASGI_APP = "realtime.asgi:application"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"  # NAME is absolute: sqlite:////path
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def start_daphne(port: int, log: Path, **environ: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env |= {"DATABASE_URL": database_url(), "EVENT_RELAY_INTERVAL": "0"}
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    env |= environ
    return subprocess.Popen(
        [sys.executable, "-m", "realtime.server", "-b", "127.0.0.1", "-p", str(port), ASGI_APP],
        cwd=ROOT,
        env=env,
        stdout=log.open("a"),
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


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        server.terminate()
    server.wait(timeout=10)


async def open_tablet(port: int, meeting_id: int, session_key: str) -> ClientConnection:
    tablet = await websockets.connect(
        f"ws://127.0.0.1:{port}/ws/meetings/{meeting_id}/",
        origin=websockets.Origin(f"http://127.0.0.1:{port}"),
        additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}"},
    )
    hello = json.loads(await asyncio.wait_for(tablet.recv(), 10))
    assert hello["type"] == "hello"
    return tablet


async def next_of(tablet: ClientConnection, kind: str, timeout: float = 10) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(tablet.recv(), timeout))
        if message["type"] == kind:
            return message


async def ack_of(tablet: ClientConnection, client_id: str, timeout: float = 10) -> dict[str, Any]:
    """The ack of this command (events and progress that arrive first are skipped)."""
    while True:
        message = await next_of(tablet, "ack", timeout)
        if message["id"] == client_id:
            return message
