"""Placeholder: being written (private notes and their re-anchoring across versions)."""

from __future__ import annotations

from cabinet.models import Paper, PaperVersion


def reanchor_notes(*, paper: Paper, new_version: PaperVersion) -> None:
    """Move every note on the paper to new_version, or flag it orphaned. Runs in the caller's
    transaction, after new_version's PageText rows are written."""
