"""Signing out closes the user's meeting sockets at once (a shared tablet must not keep listening)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from realtime.broadcast import send_now, user_group


@receiver(user_logged_out)
def close_sockets_on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        send_now(user_group(user.pk), {"type": "user.disconnect"})
