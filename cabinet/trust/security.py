"""Response headers every page gets, and the client address used by the login lockout.

The Content-Security-Policy itself is django-csp's (settings.CONTENT_SECURITY_POLICY); this module
adds what it does not: no caching of signed-in pages, and a minimal Permissions-Policy.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control

from cabinet.core.audit import client_ip as audited_client_ip

# Nothing in the system uses these browser features; a compromised or embedded script gets none.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "camera",
        "microphone",
        "geolocation",
        "payment",
        "usb",
        "serial",
        "bluetooth",
        "hid",
        "midi",
        "display-capture",
        "interest-cohort",
    )
)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, for the lockout as for the audit log: one rule, in cabinet.core.audit
    (REMOTE_ADDR, or behind settings.TRUSTED_PROXY_COUNT proxies the address the outermost trusted
    proxy saw, counted from the right of X-Forwarded-For, so a client never chooses its own)."""
    return audited_client_ip(request)


class SecurityHeadersMiddleware:
    """`Cache-Control: no-store` on every page shown to a signed-in user (papers, meeting content,
    votes, notes: nothing of it may stay in a shared tablet's or a proxy's cache; the offline
    reading copy is the service worker's, deliberately), and Permissions-Policy everywhere.

    A response that already says how it may be cached (the paper file's private ETag, static
    files, the service worker) keeps its own rule."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
        return response
