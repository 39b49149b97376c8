"""The two reference servers of bench/ws_fanout.py, each served by Daphne like the project.

    daphne bench.fanout_apps:raw_app     # a bare ASGI broadcast: the floor
    daphne bench.fanout_apps:stock_app   # a stock Channels consumer + the in-memory layer

Both greet a socket with {"type": "hello", "seq": 0}. A socket opened with `?trigger` in its query
string is the sender: each text message it sends is broadcast unchanged (raw) or as a group message
re-encoded with send_json (stock) to the other sockets. Everything else a socket sends is ignored.
stock_app is built on first access (PEP 562), so raw_app runs without Django.
"""

from __future__ import annotations

from typing import Any

HELLO = {"type": "websocket.send", "text": '{"type":"hello","seq":0}'}
_sockets: set[Any] = set()  # the `send` callables of the connected listeners


async def raw_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "websocket":
        return  # Daphne sends no lifespan; plain HTTP gets no answer
    trigger = b"trigger" in scope.get("query_string", b"")
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    await send(HELLO)
    if not trigger:
        _sockets.add(send)
    try:
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                return
            if trigger and message.get("text"):
                out = {"type": "websocket.send", "text": message["text"]}
                for listener in list(_sockets):
                    await listener(out)
    finally:
        _sockets.discard(send)


GROUP = "bench"


def _stock_app() -> Any:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cabinet.settings")
    import django

    django.setup()
    from channels.generic.websocket import AsyncJsonWebsocketConsumer
    from channels.routing import ProtocolTypeRouter

    class StockConsumer(AsyncJsonWebsocketConsumer):
        """What the Channels tutorial writes: join a group on connect, relay the group's messages."""

        async def connect(self) -> None:
            self.trigger = b"trigger" in self.scope.get("query_string", b"")
            if not self.trigger:
                await self.channel_layer.group_add(GROUP, self.channel_name)
            await self.accept()
            await self.send_json({"type": "hello", "seq": 0})

        async def disconnect(self, code: int) -> None:
            if not self.trigger:
                await self.channel_layer.group_discard(GROUP, self.channel_name)

        async def receive_json(self, content: Any, **kwargs: Any) -> None:
            if self.trigger:
                await self.channel_layer.group_send(
                    GROUP, {"type": "bench.event", "event": content}
                )

        async def bench_event(self, message: dict[str, Any]) -> None:
            await self.send_json(message["event"])

    return ProtocolTypeRouter({"websocket": StockConsumer.as_asgi()})


def __getattr__(name: str) -> Any:
    if name == "stock_app":
        app = _stock_app()
        globals()["stock_app"] = app
        return app
    raise AttributeError(name)
