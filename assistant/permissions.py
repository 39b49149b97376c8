"""Who may do what in the assistant. The library's search (assistant.search) and its management
(assistant.library) both ask; it lives here so neither imports the other for it."""

from __future__ import annotations

from cabinet.core.permissions import AnyUser


def can_manage_library(user: AnyUser) -> bool:
    """Upload, correct, re-index and delete directives; a manager also finds restricted ones."""
    return bool(
        user.is_authenticated and user.is_active and user.has_perm("assistant.manage_library")
    )
