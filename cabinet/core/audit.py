"""Writing the security audit log (cabinet.trust.models.audit): one function, `audit`, for everyone.

Services have no request, yet their entries should say where the change came from: a tiny
middleware (AuditContextMiddleware) and the meeting socket put the client's address in a context
variable for the duration of the request or command, and `audit` reads it when it is not given a
request. Code run outside a request (commands, the task worker) writes entries without an address.

The client's address is REMOTE_ADDR, which a client cannot forge. Behind reverse proxies
(TRUSTED_PROXY_COUNT = N > 0) it is the address the outermost trusted proxy saw, i.e. the N-th
entry from the right of X-Forwarded-For: each proxy appends the address it received from, so
entries further left were written by the client and prove nothing.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest, HttpResponseBase

from cabinet.models import AuditAction, AuditEntry, User

logger = logging.getLogger(__name__)

_client_ip: ContextVar[str | None] = ContextVar("audit_client_ip", default=None)
_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)


def _valid_ip(text: str | None) -> str | None:
    if not text:
        return None
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "1.2.3.4:5678"
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def ip_from(remote_addr: str | None, forwarded_for: str | None) -> str | None:
    """The client's address from the connection's peer and the X-Forwarded-For header."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0 and forwarded_for:
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        if len(hops) >= proxies and (found := _valid_ip(hops[-proxies])) is not None:
            return found
    return _valid_ip(remote_addr)


def client_ip(request: HttpRequest) -> str | None:
    return ip_from(request.META.get("REMOTE_ADDR"), request.META.get("HTTP_X_FORWARDED_FOR"))


def scope_ip(scope: Mapping[str, Any]) -> str | None:
    """The same, for an ASGI scope (the meeting socket)."""
    client = scope.get("client") or (None, None)
    forwarded = None
    for name, value in scope.get("headers", []):
        if name == b"x-forwarded-for":
            forwarded = value.decode("latin-1")
    return ip_from(client[0], forwarded)


def current_ip() -> str | None:
    return _client_ip.get()


def current_actor() -> User | None:
    """The signed-in user of the request being served, if any (for signal receivers)."""
    request = _request.get()
    user = getattr(request, "user", None) if request is not None else None
    if isinstance(user, User) and user.is_authenticated:
        return user
    return None


@contextmanager
def client_address(ip: str | None, request: HttpRequest | None = None) -> Iterator[None]:
    """Entries written inside this block (by services without a request) carry this address."""
    token = _client_ip.set(ip)
    request_token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(request_token)
        _client_ip.reset(token)


class AuditContextMiddleware:
    """Makes the request's client address known to the services it calls."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        with client_address(client_ip(request), request):
            return self.get_response(request)


def _describe(obj: models.Model | None) -> tuple[str, str]:
    if obj is None:
        return "", ""
    return obj._meta.label_lower, str(obj.pk)


def entry(
    request: HttpRequest | None,
    *,
    action: str,
    actor: User | None = None,
    obj: models.Model | None = None,
    meeting_id: int | None = None,
    detail: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """An unsaved entry (for bulk_create); `audit` saves one."""
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}")
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    if actor is None and request is None:
        actor = current_actor()
    if ip is None:
        ip = client_ip(request) if request is not None else current_ip()
    object_type, object_id = _describe(obj)
    return AuditEntry(
        actor_id=actor.pk if actor is not None else None,
        username=actor.get_username() if actor is not None else "",
        ip=ip,
        action=action,
        object_type=object_type,
        object_id=object_id,
        meeting_id=meeting_id,
        detail=detail or {},
    )


def audit(
    request: HttpRequest | None,
    *,
    action: str,
    actor: User | None = None,
    obj: models.Model | None = None,
    meeting_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. The actor defaults to the request's signed-in user; the address comes
    from the request, else from the surrounding request or socket command (client_address).

    Written in the caller's transaction, if any: an entry for a change that is rolled back goes
    with it. Never pass a ballot's choice in `detail`.
    """
    row = entry(request, action=action, actor=actor, obj=obj, meeting_id=meeting_id, detail=detail)
    row.save()
    return row
