"""Opening meeting sockets through the real ASGI application, as a signed-in tablet would."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from cabinet.models import User
from realtime.asgi import application

ORIGIN = b"http://127.0.0.1:8000"


def new_session(user: User) -> str:
    """A signed-in session for the user (what the login view leaves behind), by its key."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    assert session.session_key is not None
    return session.session_key


async def communicator(
    meeting_id: int,
    user: User | None = None,
    origin: bytes = ORIGIN,
    session_key: str | None = None,
    language: str | None = None,
) -> WebsocketCommunicator:
    headers = [(b"origin", origin), (b"host", b"127.0.0.1:8000")]
    cookies: list[str] = []
    if user is not None or session_key is not None:
        key = session_key
        if not key:
            assert user is not None  # without a session key, the caller passed a user
            key = await sync_to_async(new_session)(user)
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={key}")
    if language is not None:
        cookies.append(f"{settings.LANGUAGE_COOKIE_NAME}={language}")
    if cookies:
        headers.append((b"cookie", "; ".join(cookies).encode()))
    return WebsocketCommunicator(application, f"/ws/meetings/{meeting_id}/", headers=headers)


async def joined(
    meeting_id: int, user: User | None, **kwargs: Any
) -> tuple[WebsocketCommunicator, dict[str, Any]]:
    """A connected socket and its hello."""
    socket = await communicator(meeting_id, user, **kwargs)
    connected, code = await socket.connect()
    assert connected, code
    hello = await socket.receive_json_from(timeout=5)
    assert hello["type"] == "hello"
    return socket, hello


async def receive_until(
    socket: WebsocketCommunicator, kind: str, timeout: float = 5
) -> dict[str, Any]:
    """The next message of a kind, skipping others (events of other changes, say)."""
    while True:
        message: dict[str, Any] = await socket.receive_json_from(timeout=timeout)
        if message["type"] == kind:
            return message
