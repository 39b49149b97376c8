"""Group names and the after-commit broadcast. Imports nothing from cabinet (services import this).

The database is the record; the channel layer is only a doorbell. A message is sent after the
transaction that wrote the change commits, so no tablet ever hears of a change that was rolled back.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import deque
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def meeting_group(meeting_id: int) -> str:
    return f"meeting.{meeting_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


# The (group, seq) pairs this process broadcast, so that the event relay (realtime.relay) does not
# send them a second time. Bounded: the relay only ever looks at the last second or so.
_recent: deque[tuple[str, int]] = deque(maxlen=4096)


def sent_here(group: str, seq: int) -> bool:
    return (group, seq) in _recent


def send_now(group: str, message: dict[str, Any]) -> None:
    """Send to a group immediately. A failing channel layer must not fail the (committed) change.

    The message names its group: each process listens on one channel for all its groups
    (realtime.hub) and routes by that name.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    if isinstance(message.get("seq"), int):
        _recent.append((group, message["seq"]))
    try:
        async_to_sync(layer.group_send)(group, {**message, "group": group})
    except Exception:  # the event is in the log; tablets recover it on resume
        logger.exception("broadcast to %s failed", group)


def broadcast_on_commit(group: str, message: dict[str, Any]) -> None:
    transaction.on_commit(lambda: send_now(group, message))


def disconnect_user_on_commit(
    user_id: int, *, meeting_id: int | None = None, session_key: str | None = None
) -> None:
    """Close a user's sockets once the change that took their access away has committed: all of
    them, or only those of one meeting (removed from it) or of one session (signed out there)."""
    message: dict[str, Any] = {"type": "user.disconnect"}
    if meeting_id is not None:
        message["meeting"] = meeting_id
    if session_key is not None:
        message["session"] = session_key
    transaction.on_commit(lambda: send_now(user_group(user_id), message))


def progress_on_commit(group: str, data: dict[str, Any]) -> None:
    """A count that changes often (ballots cast in an open poll): sent after commit without a
    sequence number or an event row, and thinned out by each process's hub (realtime.hub)."""
    transaction.on_commit(lambda: send_soon(group, {"type": "meeting.progress", "data": data}))


# Sends handed to the server's event loop and not finished yet (a task nobody references may be
# collected before it runs).
_pending: set[asyncio.Task[None]] = set()


def _server_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop that called this sync code through sync_to_async (Daphne's), if any.

    asgiref records it for its own async_to_sync in the calling thread; reading it is the only way
    to reach that loop from here without waiting for it.
    """
    local = SyncToAsync.threadlocal
    loop: asyncio.AbstractEventLoop | None = getattr(local, "main_event_loop", None)
    if loop is None or getattr(local, "main_event_loop_pid", None) != os.getpid():
        return None
    if loop.is_closed() or not loop.is_running():
        return None
    return loop


def send_soon(group: str, message: dict[str, Any]) -> None:
    """send_now without waiting for the send: for messages whose order does not matter.

    All of a server's database work runs in one thread (Channels' database_sync_to_async), and
    send_now makes that thread wait until the event loop has run the send. While the loop is busy
    writing to two thousand sockets, every ballot's count waited for it and the ballots queued
    behind one another (bench/vote_burst.py: most of the sync thread's time during a vote burst).
    Here the send is handed to the loop and the thread goes on; a failure is logged.
    """
    layer = get_channel_layer()
    loop = _server_loop()
    if layer is None or loop is None:
        send_now(group, message)  # called outside the server (a test, a command): as before
        return
    try:
        loop.call_soon_threadsafe(_start_send, layer, group, {**message, "group": group})
    except RuntimeError:  # the loop closed meanwhile
        send_now(group, message)


def _start_send(layer: Any, group: str, message: dict[str, Any]) -> None:
    task = asyncio.get_running_loop().create_task(_send(layer, group, message))
    _pending.add(task)
    task.add_done_callback(_pending.discard)


async def _send(layer: Any, group: str, message: dict[str, Any]) -> None:
    try:
        await layer.group_send(group, message)
    except Exception:  # as in send_now: the count is only a doorbell
        logger.exception("broadcast to %s failed", group)
