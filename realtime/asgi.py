"""The ASGI application: HTTP to Django, WebSocket to the consumers, through one router.

WebSockets pass the Origin check (realtime/origin.py: scheme, host and port must be the site's own,
so a page on another site or another port cannot open a socket with the official's cookies) and
then the session authentication.
"""

from __future__ import annotations

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cabinet.settings")
# Django must be set up before the consumers (and through them the models) are imported.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from cabinet.trust.body_limits import BodyLimitMiddleware  # noqa: E402
from realtime.origin import SameOriginValidator  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        # Request bodies are limited per route before they are read: by realtime.server (the
        # server to run), and by this middleware under any other server.
        "http": BodyLimitMiddleware(django_asgi_app),
        # channels types its routes as its own (private) URL pattern; Django's path() made them.
        "websocket": SameOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))  # type: ignore[arg-type]
        ),
    }
)


def tune_garbage_collector() -> None:
    """Thousands of open sockets are thousands of long-lived objects that CPython's full
    collections walk again and again, finding nothing to free: measured with 2,000 tablets, a full
    collection took 200-260 ms every few seconds and was the fan-out's p99. Freezing what exists
    after start-up and collecting less often brought the p99 at 3 changes/s from about 330 to
    150 ms, with the same memory (bench/ws_fanout.py)."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


tune_garbage_collector()
