"""The order in which people are listed: protocol rank first, then the name in Vietnamese order.

The rank (thứ tự lễ tân): the chair; the committee's own leaders invited as members (its Chủ tịch,
then its Phó Chủ tịch); the other members; guests; the secretaries; observers. The data model has
no vice-chair role: a vice-chair is a member whose position is "Phó Chủ tịch …" in a unit of kind
UBND (the committee itself), which keeps a ward's Phó Chủ tịch among the members.
"""

from __future__ import annotations

from collections.abc import Iterable

from cabinet.core.text import fold, vietnamese_sort_key
from cabinet.models import Participant, ParticipantRole, UnitKind

_RANK_AFTER_LEADERS: dict[str, int] = {
    ParticipantRole.MEMBER.value: 3,
    ParticipantRole.GUEST.value: 4,
    ParticipantRole.SECRETARY.value: 5,
    ParticipantRole.OBSERVER.value: 6,
}


def _committee_leader_rank(participant: Participant) -> int | None:
    """1 for the committee's Chủ tịch, 2 for a Phó Chủ tịch, None for anyone else."""
    user = participant.user
    if user.unit is None or user.unit.kind != UnitKind.COMMITTEE:
        return None
    position = fold(user.position)
    if position.startswith("chu tich"):
        return 1
    if position.startswith("pho chu tich"):
        return 2
    return None


def protocol_rank(participant: Participant) -> int:
    if participant.role == ParticipantRole.CHAIR:
        return 0
    if participant.role == ParticipantRole.MEMBER:
        leader = _committee_leader_rank(participant)
        if leader is not None:
            return leader
    return _RANK_AFTER_LEADERS.get(participant.role, 7)


def protocol_key(
    participant: Participant,
) -> tuple[int, tuple[tuple[int, ...], tuple[int, ...], str], int]:
    name = participant.user.full_name or participant.user.username
    # The user last: one row per user in a meeting, so the order is total (also for rows not saved).
    return protocol_rank(participant), vietnamese_sort_key(name), participant.user_id


def in_protocol_order(participants: Iterable[Participant]) -> list[Participant]:
    """``participants`` sorted by rank, then name (select_related("user__unit") saves queries)."""
    return sorted(participants, key=protocol_key)
