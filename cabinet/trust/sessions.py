"""How long a signed-in session lives: the one check for pages (cabinet.trust.middleware) and sockets
(realtime.consumers).

A session records when it was signed in and when it was last used. It ends
  - after SESSION_IDLE_MINUTES without use (a request, or a message on an open meeting socket),
  - SESSION_MAX_HOURS after sign-in, however busy,
  - when it was signed in before the user's `sessions_valid_after` (the user signed out of every
    device, or an administrator wiped their devices or deactivated them).
Revocation is one timestamp on the user rather than a list of sessions: it works with any session
backend, covers sessions made before it existed, and costs no query beyond loading the user, which
every authenticated request and socket does anyway.

A session that ends this way leaves an order behind for the device (PURGE_KEY): its next response
tells the service worker and the page to delete the papers kept for offline reading.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

STARTED_KEY = "cabinet_signed_in_at"  # epoch seconds
SEEN_KEY = "cabinet_seen_at"  # epoch seconds, updated at most every TOUCH_EVERY_SECONDS
PURGE_KEY = "cabinet_offline_purge"
# Saving the session on every request (or socket ping) would be a database write each time; the
# idle timeout is in minutes, so a minute's resolution is enough.
TOUCH_EVERY_SECONDS = 60
# The header that tells the service worker to delete every offline copy (cabinet/static/.../sw.js).
PURGE_HEADER = "X-Offline-Purge"


class Ended(enum.StrEnum):
    IDLE = "idle"
    LIFETIME = "lifetime"
    REVOKED = "revoked"


def ended_message(reason: Ended) -> str:
    if reason == Ended.IDLE:
        return _(
            "Phiên đăng nhập đã kết thúc do không sử dụng trong %(minutes)d phút. "
            "Đề nghị đồng chí đăng nhập lại."
        ) % {"minutes": settings.SESSION_IDLE_MINUTES}
    if reason == Ended.LIFETIME:
        return _("Phiên đăng nhập đã quá %(hours)d giờ. Đề nghị đồng chí đăng nhập lại.") % {
            "hours": settings.SESSION_MAX_HOURS
        }
    return _("Phiên đăng nhập đã bị chấm dứt. Đề nghị đồng chí đăng nhập lại.")


def mark_signed_in(session: Any, now: float | None = None) -> None:
    """Called on sign-in (cabinet.trust.signals): the session's clock starts."""
    now = time.time() if now is None else now
    session[STARTED_KEY] = now
    session[SEEN_KEY] = now


def session_ended(session: Mapping[str, Any], user: Any, now: float | None = None) -> Ended | None:
    """Why this signed-in session has ended, or None while it is valid.

    `user` is the session's user as loaded for this request or socket. A session without a
    sign-in time (made before these checks, or by a test helper) is valid unless the user revoked
    their sessions since; the middleware stamps it on its first request.
    """
    now = time.time() if now is None else now
    started = session.get(STARTED_KEY)
    valid_after = getattr(user, "sessions_valid_after", None)
    if valid_after is not None and (started is None or started <= valid_after.timestamp()):
        return Ended.REVOKED
    if started is None:
        return None
    if now - float(started) > settings.SESSION_MAX_HOURS * 3600:
        return Ended.LIFETIME
    seen = session.get(SEEN_KEY, started)
    if now - float(seen) > settings.SESSION_IDLE_MINUTES * 60:
        return Ended.IDLE
    return None


def seconds_left(session: Mapping[str, Any], now: float | None = None) -> float | None:
    """Seconds until the absolute lifetime ends (None: unknown, the session has no sign-in time)."""
    now = time.time() if now is None else now
    started = session.get(STARTED_KEY)
    if started is None:
        return None
    return float(started) + settings.SESSION_MAX_HOURS * 3600 - now


def touch(session: Any, now: float | None = None) -> bool:
    """Note that the session is in use; True if that changed it (it is then saved)."""
    now = time.time() if now is None else now
    if session.get(STARTED_KEY) is None:
        session[STARTED_KEY] = now
    seen = session.get(SEEN_KEY)
    if seen is not None and now - float(seen) < TOUCH_EVERY_SECONDS:
        return False
    session[SEEN_KEY] = now
    return True
