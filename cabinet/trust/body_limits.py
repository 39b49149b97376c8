"""How large a request body may be, route by route: the one table, read before any of the body is.

Read by the server (realtime/server.py: Daphne refuses by Content-Length as soon as the headers are
in, and by the bytes actually received, chunked or not, before the body is buffered) and by the
ASGI middleware (realtime/asgi.py: the same rule under any other ASGI server). The upload views
keep their own checks of the file itself (cabinet/papers/lib/uploads.py); this only stops what no form of
theirs can send.

Three sizes:
- a request without a session cookie (signing in, the language switch, any anonymous attempt):
  ANONYMOUS_BODY_MAX_BYTES, a few KB, whatever the route;
- a signed-in request to any route that takes no file: REQUEST_BODY_MAX_BYTES (the longest form,
  a conclusion's 50,000 characters, is about 450 KB once URL-encoded);
- the upload routes below: their file limit plus room for the form's other fields.
A forged session cookie gets a signed-in route's limit, no more: the body then goes to a temporary
file (never into memory) and Django refuses the request as usual.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.translation import gettext as _

# Upload route (namespaced URL name) → the setting holding its file limit. Read at each request,
# so a changed setting (or a test's override) holds everywhere at once.
UPLOAD_ROUTES = {
    "cabinet:paper_upload": "PAPER_MAX_BYTES",
    "cabinet:paper_new_version": "PAPER_MAX_BYTES",
    "cabinet:task_report": "TASK_ATTACHMENT_MAX_BYTES",
    "assistant:directive_upload": "PAPER_MAX_BYTES",
}
# The multipart framing and the upload forms' text fields (a task report's three 5,000-character
# notes are ~135 KB URL-encoded at worst) on top of the file itself.
UPLOAD_FORM_ROOM = 1024 * 1024


@dataclass(frozen=True)
class Limit:
    max_bytes: int
    upload: bool  # an upload route (the refusal speaks of a file, not of a request)


def limit_for(path: str, *, signed_in: bool) -> Limit:
    """The largest body a request to ``path`` (as sent: percent-encoded, no query string) may carry.
    ``signed_in``: it carries a session cookie (not checked here: that needs the database)."""
    if not signed_in:
        return Limit(settings.ANONYMOUS_BODY_MAX_BYTES, upload=False)
    try:
        route = resolve(unquote(path)).view_name
    except Resolver404:
        route = ""
    setting = UPLOAD_ROUTES.get(route)
    if setting is None:
        return Limit(settings.REQUEST_BODY_MAX_BYTES, upload=False)
    return Limit(getattr(settings, setting) + UPLOAD_FORM_ROOM, upload=True)


def has_session_cookie(cookie_header: str) -> bool:
    """Whether a Cookie header names the session cookie (its value is not checked)."""
    return bool(_cookie(cookie_header, settings.SESSION_COOKIE_NAME))


def size_label(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n // (1024 * 1024)} MB"
    return f"{max(1, n // 1024)} KB"


def refusal(
    limit: Limit, *, path: str, language: str = "", wants_json: bool = False
) -> tuple[bytes, bytes]:
    """The 413 answer: (content type, body); Vietnamese unless the language cookie says otherwise.
    A small page for people, {"error": ...} for the JSON endpoints."""
    chosen = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    with translation.override(chosen):
        size = size_label(limit.max_bytes)
        if limit.upload:
            message = _(
                "Tệp gửi lên quá lớn: tối đa %(size)s. Hãy chọn tệp nhỏ hơn rồi gửi lại."
            ) % {"size": size}
        else:
            message = _(
                "Yêu cầu gửi lên quá lớn (tối đa %(size)s) nên máy chủ đã từ chối mà không đọc."
            ) % {"size": size}
        if wants_json or path.endswith(".json"):
            body = json.dumps({"error": message}, ensure_ascii=False)
            return b"application/json", body.encode()
        body = render_to_string("413.html", {"message": message})
    return b"text/html; charset=utf-8", body.encode()


class BodyLimitMiddleware:
    """The same limits as ASGI middleware, for any server. Under realtime.server the body was
    already limited before it was read, and this never fires; under another server (uvicorn,
    stock Daphne) it stops Django from reading more than the limit, though the server may have
    buffered the body already."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(
        self,
        scope: dict[str, Any],
        receive: Callable[[], Awaitable[dict[str, Any]]],
        send: Callable[[dict[str, Any]], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {name.lower(): value for name, value in scope.get("headers", [])}
        path = scope.get("raw_path") or scope["path"].encode()
        path = path.split(b"?", 1)[0].decode("latin-1")
        limit = limit_for(
            path, signed_in=has_session_cookie(headers.get(b"cookie", b"").decode("latin-1"))
        )
        language = _cookie(
            headers.get(b"cookie", b"").decode("latin-1"), settings.LANGUAGE_COOKIE_NAME
        )
        wants_json = headers.get(b"content-type", b"").startswith(b"application/json")

        async def refuse() -> None:
            content_type, body = refusal(limit, path=path, language=language, wants_json=wants_json)
            await send(
                {
                    "type": "http.response.start",
                    "status": 413,
                    "headers": [
                        (b"content-type", content_type),
                        (b"content-length", str(len(body)).encode()),
                        (b"connection", b"close"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})

        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit.max_bytes:
            await refuse()
            return
        received = 0
        refused = False

        async def limited_receive() -> dict[str, Any]:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request" and not refused:
                received += len(message.get("body", b""))
                if received > limit.max_bytes:
                    refused = True
                    await refuse()
                    # Django stops reading at a disconnect and answers nothing more.
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: dict[str, Any]) -> None:
            if not refused:
                await send(message)

        await self.app(scope, limited_receive, guarded_send)


def _cookie(header: str, name: str) -> str:
    for part in header.split(";"):
        key, _sep, value = part.strip().partition("=")
        if key == name:
            return value.strip()
    return ""
