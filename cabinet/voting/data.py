"""A poll as the tablets see it: in its events and in the room's snapshot (cabinet.live.snapshot)."""

from __future__ import annotations

from typing import Any

from cabinet.models import Poll

JSON = dict[str, Any]


def poll_data(poll: Poll) -> JSON:
    return {
        "id": poll.pk,
        "item": poll.item_id,
        "question": poll.question,
        "kind": poll.kind,
        "rule": poll.rule,
        "rule_label": str(poll.get_rule_display()),
        "allow_change": poll.allow_change,
        "state": poll.state,
        "options": [{"id": o.pk, "label": o.label} for o in poll.options.all()],
        "entitled": poll.entitled_count,
        "members": poll.members_count,
    }
