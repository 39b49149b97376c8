"""Services: the only code that writes. Sync, keyword-only, typed, atomic, broadcast on commit."""

from __future__ import annotations


class ServiceError(Exception):
    """A refused action, with a message fit to show the user (Vietnamese by default)."""
