"""Ending a user's sessions everywhere: signing out of every device, wiping devices, deactivating.

Each sets the user's `sessions_valid_after`, so that every session signed in before it ends on its
next request or socket check (cabinet/trust/sessions.py) and the device is told to delete its offline
copies; closes the user's sockets once committed; and records a security event.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from cabinet.models import User
from cabinet.trust.security_events import record_security_event
from realtime.broadcast import disconnect_user_on_commit


def _end_sessions(*, user: User, deactivate: bool) -> None:
    changes: dict[str, object] = {"sessions_valid_after": timezone.now()}
    if deactivate:
        changes["is_active"] = False
    # An update, not save(): the row may be edited meanwhile in the admin, and only these fields
    # are this change's.
    User.objects.filter(pk=user.pk).update(**changes)
    for field, value in changes.items():
        setattr(user, field, value)
    disconnect_user_on_commit(user.pk)


@transaction.atomic
def sign_out_everywhere(*, actor: User) -> None:
    """The user ends all of their own sessions, this one included."""
    _end_sessions(user=actor, deactivate=False)
    # The address is the request's (cabinet.core.audit takes it from the request being served).
    record_security_event(action="sessions.signed_out_everywhere", actor=actor, target=actor)


@transaction.atomic
def wipe_devices(*, actor: User, user: User) -> None:
    """An administrator ends all of the user's sessions and has their devices delete the papers
    kept offline (on their next contact; offline, the copies expire: OFFLINE_MAX_HOURS).

    Precondition: the actor holds cabinet.manage_devices (checked by the caller's view)."""
    _end_sessions(user=user, deactivate=False)
    record_security_event(action="devices.wiped", actor=actor, target=user)


@transaction.atomic
def deactivate_user(*, actor: User, user: User) -> None:
    """As wipe_devices, and the account can no longer sign in.

    Precondition: the actor holds cabinet.manage_devices and is not the user."""
    if actor.pk == user.pk:
        raise ValueError("an administrator cannot deactivate their own account")
    _end_sessions(user=user, deactivate=True)
    record_security_event(action="user.deactivated", actor=actor, target=user)
