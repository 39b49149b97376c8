"""Security events (a session revoked, a device wiped, an account locked ...) in the audit log.

Other features call `record_security_event` with their own event name; it becomes an audit entry
of action "security" with the name in its detail, or the named action when it is one of
AuditAction's values.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from cabinet.core.audit import audit
from cabinet.models import AuditAction, AuditEntry, User


def record_security_event(
    *,
    actor: User | None,
    target: models.Model | None,
    action: str,
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append `action` done by `actor` (None: the system) to `target` (a user, a session ...)."""
    data = dict(detail or {})
    if action in AuditAction.values:
        kind = action
    else:
        kind = AuditAction.SECURITY_EVENT
        data["event"] = str(action)
    if isinstance(target, User):
        data.setdefault("target_username", target.get_username())
    return audit(request, action=kind, actor=actor, obj=target, detail=data)
