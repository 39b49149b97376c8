"""The process's hub (realtime.hub) ends when its event loop closes, even over a channel layer
that takes a cancellation for something else and keeps receiving.

Found by the CI: on PostgreSQL and Redis, the event loop closing after
test_visibility's eighth test waited for ever for the hub's receive (channels_redis pops with a
timeout and pops again on an empty result; redis-py took the cancellation, landing as the pop
timed out, for that timeout), and the pass never finished within the CI's 90 minutes. Daphne's
shutdown waits for the same tasks. The layer here swallows cancellations the same way, every
time, so the test does not depend on that timing.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from channels.layers import InMemoryChannelLayer

from realtime.hub import Hub


class SwallowingLayer(InMemoryChannelLayer):
    """Receives like the in-memory layer, but the first cancellation of each receive is taken
    for a timed-out pop: it waits again, as channels_redis does after an empty pop."""

    async def receive(self, channel: str) -> dict[str, Any]:
        swallowed = False
        while True:
            try:
                return await super().receive(channel)
            except asyncio.CancelledError:
                if swallowed:
                    raise
                swallowed = True


class Listener:
    async def deliver(self, message: dict[str, Any], text: str | None) -> None:
        pass


def test_the_hub_ends_with_its_loop_when_the_layer_swallows_a_cancellation() -> None:
    hub = Hub(SwallowingLayer())

    async def serve_a_socket_then_stop() -> None:
        await hub.join("meeting-1", Listener())
        await asyncio.sleep(0.2)  # the hub is now receiving

    finished = threading.Event()

    def run() -> None:
        asyncio.run(serve_a_socket_then_stop())  # closing the loop cancels the hub's tasks
        finished.set()

    # A daemon thread: before the fix it never ends, and must not keep pytest from exiting.
    threading.Thread(target=run, daemon=True).start()
    assert finished.wait(timeout=10), "the event loop could not close: the hub kept receiving"
