"""Inviting many people at once: an invitation group, or the participants of an earlier meeting.

Each person still goes through ``invite_participant`` (its checks, its event), all in one
transaction: either the whole list is invited or, on a refusal nobody foresaw, nobody is. Those
who cannot be invited (already there, represented by a substitute, account locked, a second
chair) are skipped and named, not refused: the secretary sees who was left out and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from cabinet.core.errors import ServiceError
from cabinet.meetings.ordering import in_protocol_order
from cabinet.meetings.services.meetings import (
    invite_participant,
    lock_meeting,
    require_editable,
    require_manager,
)
from cabinet.models import InvitationGroup, Meeting, Participant, ParticipantRole, User


@dataclass
class Invited:
    """What an invitation of many did: who was invited, who was skipped and why."""

    invited: list[Participant] = field(default_factory=list)
    skipped: list[tuple[User, str]] = field(default_factory=list)


class _Roster:
    """The meeting's participants as they are while the list is being invited."""

    def __init__(self, meeting: Meeting) -> None:
        rows = list(meeting.participants.values_list("user_id", "substitute_for_id", "role"))
        self.users = {user for user, _substitute, _role in rows}
        self.represented = {substitute for _user, substitute, _role in rows if substitute}
        self.has_chair = any(role == ParticipantRole.CHAIR for _user, _substitute, role in rows)

    def reason_to_skip(self, user: User, role: str) -> str | None:
        if user.pk in self.users:
            return _("đã có trong thành phần")
        if user.pk in self.represented:
            return _("đã có người dự thay")
        if not user.is_active:
            return _("tài khoản đã bị khóa")
        if role == ParticipantRole.CHAIR and self.has_chair:
            return _("cuộc họp đã có người chủ trì")
        return None

    def add(self, participant: Participant) -> None:
        self.users.add(participant.user_id)
        self.has_chair = self.has_chair or participant.role == ParticipantRole.CHAIR


@transaction.atomic
def invite_group(
    *, actor: User, meeting: Meeting, group: InvitationGroup, role: str, can_vote: bool
) -> Invited:
    """Invite every active member of ``group`` not yet in the meeting, all in ``role``."""
    require_manager(actor, meeting)
    locked = lock_meeting(meeting)
    require_editable(locked)
    if role == ParticipantRole.CHAIR:
        raise ServiceError(_("Một cuộc họp chỉ có một người chủ trì: hãy mời người chủ trì riêng."))
    roster = _Roster(locked)
    outcome = Invited()
    members = in_protocol_order(
        Participant(user=user, role=role) for user in group.members.select_related("unit")
    )
    for member in members:
        reason = roster.reason_to_skip(member.user, role)
        if reason is not None:
            outcome.skipped.append((member.user, reason))
            continue
        participant = invite_participant(
            actor=actor,
            meeting=locked,
            user=member.user,
            role=role,
            can_vote=can_vote and role != ParticipantRole.OBSERVER,
        )
        roster.add(participant)
        outcome.invited.append(participant)
    return outcome


@transaction.atomic
def copy_participants(*, actor: User, meeting: Meeting, source: Meeting) -> Invited:
    """Invite the participants of ``source`` (a meeting the actor also prepares) with their roles
    and votes, in the order they were invited there. A substitute stood in for one meeting only:
    the official they replaced is invited instead."""
    require_manager(actor, meeting)
    if source.pk == meeting.pk:
        raise ServiceError(_("Hãy chọn một cuộc họp khác để sao chép thành phần."))
    require_manager(actor, source)
    locked = lock_meeting(meeting)
    require_editable(locked)
    roster = _Roster(locked)
    outcome = Invited()
    for previous in source.participants.select_related("user", "substitute_for").order_by("pk"):
        user = previous.substitute_for or previous.user
        reason = roster.reason_to_skip(user, previous.role)
        if reason is not None:
            if user != actor:  # the secretary copying is always there already: no news
                outcome.skipped.append((user, reason))
            continue
        participant = invite_participant(
            actor=actor,
            meeting=locked,
            user=user,
            role=previous.role,
            can_vote=previous.can_vote,
        )
        roster.add(participant)
        outcome.invited.append(participant)
    return outcome


def meetings_to_copy_from(user: User, meeting: Meeting) -> QuerySet[Meeting]:
    """The other meetings ``user`` prepares (as their secretary), newest first, with someone
    besides that secretary to copy."""
    prepared = Participant.objects.filter(user=user, role=ParticipantRole.SECRETARY).values(
        "meeting_id"
    )
    return (
        Meeting.objects.filter(pk__in=prepared)
        .exclude(pk=meeting.pk)
        .annotate(invited=Count("participants"))
        .filter(invited__gt=1)
        .order_by("-starts_at", "-pk")
    )
