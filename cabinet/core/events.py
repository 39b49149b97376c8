"""Append to a meeting's event log and announce it to the meeting's sockets after commit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from cabinet.core import audit
from cabinet.core.event_types import Event
from cabinet.models import AuditAction, Meeting, MeetingEvent, User
from realtime.broadcast import broadcast_on_commit, meeting_group


def record_event(
    *,
    meeting: Meeting,
    type: Event,
    payload: Mapping[str, object],
    actor: User | None,
    scope: str,
) -> MeetingEvent:
    """Give the event the meeting's next sequence number. Must run inside the caller's transaction.

    The meeting row is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transaction
    already holds the database write lock) so that two concurrent changes cannot take the same
    number, and the number is only used if the change itself commits.

    `scope` says who may receive it (cabinet.meetings.selectors.item_scope, paper_scope, MEETING_SCOPE): a
    required choice for every event, so none reaches a tablet by default.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must be called inside the transaction of the change")
    locked = Meeting.objects.select_for_update().only("id", "last_seq").get(pk=meeting.pk)
    seq = locked.last_seq + 1
    Meeting.objects.filter(pk=meeting.pk).update(last_seq=seq)
    meeting.last_seq = seq
    event = MeetingEvent.objects.create(
        meeting_id=meeting.pk, seq=seq, type=type, scope=scope, payload=dict(payload), actor=actor
    )
    broadcast_on_commit(
        meeting_group(meeting.pk),
        {
            "type": "meeting.event",
            "seq": seq,
            "event": type,
            "scope": scope,
            "data": dict(payload),
        },
    )
    return event


# Access records that also go to the security audit log (cabinet.core.audit), and as what.
AUDITED_ACCESS = {
    Event.PAPER_VIEWED: AuditAction.PAPER_VIEWED,
    Event.PAPER_DOWNLOADED: AuditAction.PAPER_DOWNLOADED,
    # Saved on the tablet for offline reading: the bytes left the server.
    Event.PAPER_CACHED_OFFLINE: AuditAction.PAPER_DOWNLOADED,
    Event.RECORD_DOWNLOADED: AuditAction.EXPORT_RECORD,  # minutes, invitation, conclusion notice
}


def record_access(*, meeting_id: int, type: Event, payload: dict[str, Any], actor: User) -> None:
    """Log that someone read something (a paper viewed, downloaded, cached for offline reading).

    Access records are audit only: they take no sequence number, lock nothing and are not broadcast,
    so two thousand tablets opening a paper at once neither contend for the meeting row nor wake
    every other tablet.
    """
    MeetingEvent.objects.create(
        meeting_id=meeting_id, seq=None, type=type, payload=payload, actor=actor
    )
    action = AUDITED_ACCESS.get(type)
    if action is not None:
        audit.audit(
            None,
            action=action,
            actor=actor,
            meeting_id=meeting_id,
            detail={"type": type, **payload},
        )
