"""Security events: who ended whose sessions, wiped whose devices, deactivated whom, and from where.

For now a log line (logger "cabinet.security"); the audit log will store them in its table, and
callers need not change: they call record_security_event and nothing else.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger("cabinet.security")


def record_security_event(
    *, kind: str, actor: Any, target: Any, ip: str | None = None, **details: Any
) -> None:
    """Record one event. `kind` names it ("sessions.signed_out_everywhere", "devices.wiped",
    "user.deactivated"); `actor` is who did it, `target` whom it was done to (users), `ip` the
    actor's address as the request gave it."""
    extra = "".join(f" {key}={value!r}" for key, value in sorted(details.items()))
    logger.info(
        "security event %s actor=%s(%s) target=%s(%s) ip=%s%s",
        kind,
        getattr(actor, "pk", None),
        getattr(actor, "username", ""),
        getattr(target, "pk", None),
        getattr(target, "username", ""),
        ip or "-",
        extra,
    )
