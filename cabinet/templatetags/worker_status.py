"""{% worker_down as down %}: no task worker is working, so an upload shown as waiting would wait
for ever (cabinet/core/worker.py); read once per request however many uploads are shown."""

from __future__ import annotations

from typing import Any

from django import template

from cabinet.core.worker import worker_down as no_worker

register = template.Library()

_CACHE_ATTRIBUTE = "_worker_down"


@register.simple_tag(takes_context=True)
def worker_down(context: dict[str, Any]) -> bool:
    request = context.get("request")
    if request is None:
        return no_worker()
    cached = getattr(request, _CACHE_ATTRIBUTE, None)
    if cached is None:
        cached = no_worker()
        setattr(request, _CACHE_ATTRIBUTE, cached)
    return bool(cached)
