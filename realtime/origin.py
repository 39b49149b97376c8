"""The meeting socket's Origin check: scheme, host and port must be the site's own.

A browser sends the page's origin with every WebSocket handshake and, unlike a form post, the
handshake is not covered by the CSRF check: without this, any page the official opens (another
site, or another program on the same machine such as http://localhost:9999) could open a socket
with the official's cookies. Channels' AllowedHostsOriginValidator compares only the host name
with ALLOWED_HOSTS, so it let such a page through; this one compares the whole origin.

The site's own origins are exactly those Django's CSRF check accepts for a form post:

- the handshake's own origin: "https" when the request is secure (scheme `wss`, or behind a proxy
  the SECURE_PROXY_SSL_HEADER) else "http", and the request's host as Django's get_host() gives
  it (the Host header, or X-Forwarded-Host with USE_X_FORWARDED_HOST; it must be in
  ALLOWED_HOSTS, or there is no own origin at all);
- each origin in CSRF_TRUSTED_ORIGINS (`https://*.example.vn` admits the subdomains, on that
  scheme and port), for a proxy that does not pass the browser's Host on.

Scheme, host (case-insensitive) and port (the scheme's default when absent) must all be equal.
A handshake without an Origin, or with "null", is refused: every browser sends one, and a client
that is not a browser has no official's cookies to misuse.
"""

from __future__ import annotations

from typing import Any, NamedTuple
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest
from django.utils.http import is_same_domain

DEFAULT_PORTS = {"http": 80, "https": 443}


class Origin(NamedTuple):
    scheme: str
    host: str
    port: int


def parse_origin(text: str) -> Origin | None:
    """scheme://host[:port], nothing else (no path, user or query); None when it is not one."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return None
    return Origin(scheme, parts.hostname.lower(), port or DEFAULT_PORTS[scheme])


class _HandshakeRequest(HttpRequest):
    """The handshake seen as the HTTP request it is, so that Django's own rules give its host and
    scheme (ALLOWED_HOSTS, USE_X_FORWARDED_HOST/PORT, SECURE_PROXY_SSL_HEADER)."""

    def __init__(self, scope: dict[str, Any]) -> None:
        super().__init__()
        self._secure_transport = scope.get("scheme") in ("wss", "https")
        for name, value in scope.get("headers", []):
            key = name.decode("latin-1").upper().replace("-", "_")
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                key = "HTTP_" + key
            self.META[key] = value.decode("latin-1")
        server = scope.get("server") or (None, None)
        if server[0]:
            self.META["SERVER_NAME"], self.META["SERVER_PORT"] = server[0], str(server[1])

    def _get_scheme(self) -> str:
        return "https" if self._secure_transport else "http"


def own_origin(scope: dict[str, Any]) -> Origin | None:
    """The origin of the page that would have been served by this same request, or None when its
    host is not one of ALLOWED_HOSTS."""
    request = _HandshakeRequest(scope)
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    return parse_origin(f"{request.scheme}://{host}")


def _trusted(origin: Origin) -> bool:
    for pattern in settings.CSRF_TRUSTED_ORIGINS:
        wildcard = "://*." in pattern
        trusted = parse_origin(pattern.replace("://*.", "://", 1) if wildcard else pattern)
        if trusted is None or (trusted.scheme, trusted.port) != (origin.scheme, origin.port):
            continue
        if origin.host == trusted.host or (
            wildcard and is_same_domain(origin.host, "." + trusted.host)
        ):
            return True
    return False


def origin_allowed(scope: dict[str, Any]) -> bool:
    """Whether the handshake's Origin header is one of the site's own origins."""
    values = [value for name, value in scope.get("headers", []) if name == b"origin"]
    if len(values) != 1:
        return False
    origin = parse_origin(values[0].decode("latin-1"))
    if origin is None:
        return False
    return origin == own_origin(scope) or _trusted(origin)


class SameOriginValidator:
    """ASGI middleware in front of the socket routes: a handshake from another origin is refused
    before any session is read (HTTP 403 to the browser)."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] != "websocket":
            raise ValueError("SameOriginValidator guards WebSocket connections only")
        if origin_allowed(scope):
            return await self.application(scope, receive, send)
        # channels' stubs type the scope as their own (private) TypedDict of the socket's scope.
        return await WebsocketDenier()(scope, receive, send)  # type: ignore[arg-type]
