"""Voting (biểu quyết): polls, who may vote in each, and the ballots.

Open (named) polls keep one Ballot per voter. Secret polls keep who has voted (PollVoter.voted, a
flag without a time, and its receipt) apart from what was chosen (SecretBallot: no voter, no
timestamp, a random id), so that no row links a person to a choice. See cabinet/voting/services.py
for how casting and closing are serialised.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PollKind(models.TextChoices):
    OPEN = "open", _("Công khai")
    SECRET = "secret", _("Bỏ phiếu kín")


class PollRule(models.TextChoices):
    CAST_MAJORITY = "cast_majority", _("Quá nửa số phiếu biểu quyết")
    MEMBERS_MAJORITY = "members_majority", _("Quá nửa tổng số thành viên")
    TWO_THIRDS = "two_thirds", _("Hai phần ba tổng số thành viên")


class PollState(models.TextChoices):
    PREPARED = "prepared", _("Chuẩn bị")
    OPEN = "open", _("Đang biểu quyết")
    CLOSED = "closed", _("Đã kết thúc")
    PUBLISHED = "published", _("Đã công bố")


POLL_TRANSITIONS: dict[str, frozenset[str]] = {
    PollState.PREPARED: frozenset({PollState.OPEN}),
    PollState.OPEN: frozenset({PollState.CLOSED}),
    PollState.CLOSED: frozenset({PollState.PUBLISHED}),
    PollState.PUBLISHED: frozenset(),
}

DEFAULT_OPTIONS = ("Tán thành", "Không tán thành", "Không biểu quyết")


def new_receipt() -> str:
    return secrets.token_hex(8).upper()


class Poll(models.Model):
    meeting = models.ForeignKey("cabinet.Meeting", on_delete=models.CASCADE, related_name="polls")
    item = models.ForeignKey(
        "cabinet.AgendaItem",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="polls",
    )
    question = models.CharField(_("nội dung biểu quyết"), max_length=500)
    kind = models.CharField(_("hình thức"), max_length=10, choices=PollKind.choices)
    rule = models.CharField(_("điều kiện thông qua"), max_length=20, choices=PollRule.choices)
    allow_change = models.BooleanField(
        _("cho phép thay đổi phiếu khi đang biểu quyết"), default=False
    )
    state = models.CharField(
        _("trạng thái"), max_length=10, choices=PollState.choices, default=PollState.PREPARED
    )
    # Snapshotted when the poll opens: who may vote, and all members with a vote (the base of the
    # "of all members" rules).
    entitled_count = models.PositiveIntegerField(default=0)
    members_count = models.PositiveIntegerField(default=0)
    # Kept when the poll closes, for the minutes and the conclusion notice.
    result = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["meeting", "created_at"]
        verbose_name = _("biểu quyết")
        verbose_name_plural = _("biểu quyết")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=[s.value for s in PollState]), name="poll_state_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in PollKind]), name="poll_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(rule__in=[r.value for r in PollRule]), name="poll_rule_valid"
            ),
            # Replacing a ballot needs to know which ballot is whose: never for a secret poll.
            models.CheckConstraint(
                condition=~models.Q(kind="secret", allow_change=True),
                name="secret_poll_ballots_final",
            ),
        ]

    def __str__(self) -> str:
        return self.question


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=100)

    class Meta:
        ordering = ["poll", "position"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "position"], name="poll_option_position_unique")
        ]

    def __str__(self) -> str:
        return self.label


class PollVoter(models.Model):
    """A member entitled to vote in this poll (snapshotted at opening), and whether they have.

    For a secret poll this is the only record of who voted; it never says how.
    """

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="voters")
    participant = models.ForeignKey(
        "cabinet.Participant", on_delete=models.CASCADE, related_name="+"
    )
    voted = models.BooleanField(default=False)
    client_id = models.CharField(max_length=64, blank=True)
    receipt = models.CharField(max_length=16, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "participant"], name="poll_voter_once")
        ]

    def __str__(self) -> str:
        return f"{self.poll_id}: {self.participant_id}"


class Ballot(models.Model):
    """A named ballot of an open poll. One per voter and poll, by constraint."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="ballots")
    voter = models.ForeignKey("cabinet.Participant", on_delete=models.CASCADE, related_name="+")
    option = models.ForeignKey(PollOption, on_delete=models.PROTECT, related_name="+")
    cast_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "voter"], name="one_ballot_per_voter")
        ]

    def __str__(self) -> str:
        return f"{self.poll_id}: {self.voter_id}"


class SecretBallot(models.Model):
    """A ballot of a secret poll: which option, nothing else. The id is random (no sequence to
    match against the voters' rows) and there is no timestamp; the rows are rewritten in random
    order when the poll closes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="secret_ballots")
    option = models.ForeignKey(PollOption, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.poll_id}"
