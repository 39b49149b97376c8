"""{% task_reminders as reminders %}: the signed-in user's task reminders (the nav's badge, the
home page's block), read once per request however many templates ask."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from cabinet.followup.selectors import Reminders, reminders_for

register = template.Library()

_CACHE_ATTRIBUTE = "_task_reminders"


@register.simple_tag(takes_context=True)
def task_reminders(context: dict[str, Any]) -> Reminders:
    request = context.get("request")
    if request is None or not getattr(request, "user", None):
        return Reminders()
    cached = getattr(request, _CACHE_ATTRIBUTE, None)
    if cached is None:
        cached = reminders_for(request.user, timezone.localdate())
        setattr(request, _CACHE_ATTRIBUTE, cached)
    return cached
