"""Per-user rate limits on the endpoints that cost seconds of a core: the assistant's questions
and every export or download that generates a file (CSV, XLSX, DOCX, PDF).

The limits are defined once, here, from settings (RATE_LIMIT_ASK, RATE_LIMIT_EXPORTS: "N/s",
"N/m", "N/h" or "N/d"; "0" turns a limit off). A view opts in with one decorator line,
``@rate_limited("exports")``, placed under ``@login_required`` so that only signed-in requests
are counted; all the exports share one budget per user, the questions another.

The counters live in the "ratelimit" cache (settings.CACHES), shared by every process: Redis
with REDIS_URL (an atomic INCR), otherwise a table of the database (Django's database cache). Its
increment is a read then a write, so two processes counting at the same instant may count once; Daphne runs a
process's views one at a time, so at most the number of processes can slip through a window,
which a limit meant to stop a script hammering an endpoint can afford. Windows are fixed (they
start on the clock's multiples of their length), and the answer says when the next one starts.
"""

from __future__ import annotations

import functools
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.core import checks
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from cabinet.trust.security import client_ip

CACHE_ALIAS = "ratelimit"
Group = Literal["ask", "exports"]
# Which setting each group's limit comes from: the one place the groups are defined.
GROUP_SETTINGS: dict[str, str] = {"ask": "RATE_LIMIT_ASK", "exports": "RATE_LIMIT_EXPORTS"}
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE_PATTERN = re.compile(r"^\s*(\d+)\s*/\s*([smhd])\s*$")


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse_rate(name: str, text: str) -> Rate | None:
    """ "10/m" → Rate(10, 60); "0" → None (no limit). Anything else is a configuration error."""
    if text.strip() == "0":
        return None
    match = RATE_PATTERN.match(text)
    if match is None or int(match.group(1)) == 0:
        raise ImproperlyConfigured(
            f"{name} must be a rate such as 10/m (per s, m, h or d) or 0, not {text!r}"
        )
    return Rate(int(match.group(1)), PERIODS[match.group(2)])


@checks.register(checks.Tags.compatibility)
def check_rates(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A mistyped RATE_LIMIT_* stops the server at start, not at the first export."""
    errors: list[checks.CheckMessage] = []
    for group in GROUP_SETTINGS:
        try:
            _rate(group)
        except ImproperlyConfigured as error:
            errors.append(checks.Error(str(error), id="cabinet.E101"))
    return errors


def _rate(group: str) -> Rate | None:
    name = GROUP_SETTINGS[group]
    return parse_rate(name, getattr(settings, name))


def _who(request: HttpRequest) -> str:
    user = request.user
    if user.is_authenticated:
        return f"user:{user.pk}"
    # ask.json answers signed-out callers itself (401); they are counted by address meanwhile.
    return f"ip:{client_ip(request)}"


def retry_after(request: HttpRequest, group: str) -> int | None:
    """Count this request against the group's limit; the seconds to wait if it is over, else None."""
    rate = _rate(group)
    if rate is None:
        return None
    now = time.time()
    window = int(now // rate.seconds)
    key = f"rl:{group}:{_who(request)}:{rate.seconds}:{window}"
    cache = caches[CACHE_ALIAS]
    # The key lives a little longer than its window, so that a slow request does not restart it.
    if cache.add(key, 1, timeout=rate.seconds + 5):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr(): a new window has begun
            cache.add(key, 1, timeout=rate.seconds + 5)
            count = 1
    if count <= rate.count:
        return None
    return max(1, math.ceil((window + 1) * rate.seconds - now))


def too_many(request: HttpRequest, seconds: int, *, as_json: bool = False) -> HttpResponse:
    """429 in the user's language, with Retry-After: a page, or {"error": ...} for a JSON API."""
    message = _(
        "Đồng chí đã thao tác quá nhiều lần trong thời gian ngắn. "
        "Vui lòng thử lại sau %(seconds)s giây."
    ) % {"seconds": seconds}
    response: HttpResponse
    if as_json:
        response = JsonResponse(
            {"error": message}, status=429, json_dumps_params={"ensure_ascii": False}
        )
    elif request.headers.get("HX-Request") == "true":
        # An htmx form (the question box) shows the message where the answer would have been.
        response = render(request, "429_fragment.html", {"message": message}, status=429)
    else:
        response = render(request, "429.html", {"message": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def rate_limited(group: Group, *, as_json: bool = False) -> Callable[[Any], Any]:
    """Refuse a user's requests beyond the group's limit with a 429 before the view does any work."""
    if group not in GROUP_SETTINGS:
        raise ValueError(f"unknown rate limit group {group!r}")

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            seconds = retry_after(request, group)
            if seconds is not None:
                return too_many(request, seconds, as_json=as_json)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
