"""What /health/live and /health/ready report to the operator's monitoring (cabinet/ops/views.py).

Readiness is the four things a member's request or an upload depends on: the database answers,
the channel layer answers, a task worker is working (its heartbeat, cabinet/core/worker.py) and the
embedding model is in place. Each check says only "ok" or what is wrong, in fixed words: no
error messages, addresses, paths or versions leave the server through this unauthenticated URL.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import DatabaseError, connection

from assistant.search.embedding.encoder import model_folder_present
from cabinet.core.worker import worker_alive, worker_expected

logger = logging.getLogger(__name__)

OK = "ok"
# How long the channel layer may take to answer before it counts as unreachable.
CHANNEL_LAYER_TIMEOUT = 2.0


@dataclass(frozen=True)
class Readiness:
    checks: dict[str, str]

    @property
    def ready(self) -> bool:
        return all(value in {OK, "not_used"} for value in self.checks.values())

    def as_json(self) -> dict[str, object]:
        return {"status": "ready" if self.ready else "unavailable", "checks": self.checks}


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("health: the database does not answer", exc_info=True)
        return "unreachable"
    return OK


def check_channel_layer() -> str:
    """A harmless round trip (leaving a group nobody is in): Redis must answer."""
    layer = get_channel_layer()
    if layer is None:
        return "missing"

    async def probe() -> None:
        await asyncio.wait_for(layer.group_discard("health", "health.probe"), CHANNEL_LAYER_TIMEOUT)

    try:
        async_to_sync(probe)()
    except Exception:  # any failure of the layer means the same thing here
        logger.warning("health: the channel layer does not answer", exc_info=True)
        return "unreachable"
    return OK


def check_worker() -> str:
    if not worker_expected():
        return "not_used"  # tasks run in the request (an immediate backend)
    try:
        return OK if worker_alive() else "not_running"
    except DatabaseError:
        return "unknown"


def check_embedding_model() -> str:
    return OK if model_folder_present(settings.EMBEDDING_MODEL) else "missing"


def readiness() -> Readiness:
    database = check_database()
    return Readiness(
        checks={
            "database": database,
            "channel_layer": check_channel_layer(),
            "worker": check_worker() if database == OK else "unknown",
            "embedding_model": check_embedding_model(),
        }
    )
