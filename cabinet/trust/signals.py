"""Taking access away closes the sockets it opened, at once.

Signing out closes the sockets of that session (a shared tablet must not keep listening); a
deactivated account loses all of its sockets. Removal from a meeting is handled by its service.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_save
from django.dispatch import Signal, receiver

from cabinet.models import User
from cabinet.trust import sessions
from realtime.broadcast import disconnect_user_on_commit

# Sent after the commit that makes a paper version READY, with ``version_id``. The assistant
# listens to index it (cabinet never imports the assistant: the dependency points the other way).
paper_version_ready = Signal()


@receiver(user_logged_in)
def start_session_clock(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """The absolute lifetime and the idle timeout count from here (cabinet/trust/sessions.py)."""
    session = getattr(request, "session", None)
    if session is not None:
        sessions.mark_signed_in(session)


@receiver(user_logged_out)
def close_sockets_on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        session = getattr(request, "session", None)
        disconnect_user_on_commit(user.pk, session_key=getattr(session, "session_key", None))


@receiver(post_save, sender=User)
def close_sockets_on_deactivation(sender: Any, instance: User, **kwargs: Any) -> None:
    if not instance.is_active:
        disconnect_user_on_commit(instance.pk)
