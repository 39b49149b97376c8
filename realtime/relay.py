"""Events written by another process reach this process's sockets, with the in-memory layer.

The embedded default has no shared channel layer: the task worker (which makes an uploaded paper
READY and records `paper.added`) is a separate process, so its broadcast never reaches Daphne's
sockets. Here Daphne follows the event log instead: once a second it reads the sequenced events it
has not broadcast itself and sends them to the meeting's group. With Redis (REDIS_URL) every
process shares the layer and no relay runs. Resuming (realtime/events.py) recovers anything missed.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings

from cabinet.models import MeetingEvent
from realtime.broadcast import meeting_group, sent_here

logger = logging.getLogger(__name__)
_task: asyncio.Task[None] | None = None


async def ensure_relay() -> None:
    """Start the relay in this process's event loop, once, if the layer is in-memory.

    The starting point is read before returning, so every event recorded after a socket's hello
    is relayed.
    """
    global _task
    interval = settings.EVENT_RELAY_INTERVAL
    if interval <= 0 or not isinstance(get_channel_layer(), InMemoryChannelLayer):
        return
    if _task is not None and not _task.done():
        return
    start = await _newest_id()
    if _task is None or _task.done():  # another socket may have started it meanwhile
        _task = asyncio.get_running_loop().create_task(_follow(interval, start))


@database_sync_to_async
def _newest_id() -> int:
    return MeetingEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


@database_sync_to_async
def _events_after(last_id: int) -> list[dict[str, Any]]:
    rows = (
        MeetingEvent.objects.filter(id__gt=last_id, seq__isnull=False)
        .order_by("id")
        .values("id", "meeting_id", "seq", "type", "scope", "payload")[:500]
    )
    return [dict(row) for row in rows]


async def _follow(interval: float, last_id: int) -> None:
    layer = get_channel_layer()
    assert layer is not None
    while True:
        await asyncio.sleep(interval)
        try:
            rows = await _events_after(last_id)
        except Exception:  # the database is busy or away: try again next time
            logger.exception("event relay could not read the log")
            continue
        for row in rows:
            last_id = row["id"]
            group = meeting_group(row["meeting_id"])
            if sent_here(group, row["seq"]):
                continue
            await layer.group_send(
                group,
                {
                    "group": group,
                    "type": "meeting.event",
                    "seq": row["seq"],
                    "event": row["type"],
                    "scope": row["scope"],
                    "data": row["payload"],
                },
            )
