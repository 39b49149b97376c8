"""Who takes part in a meeting, in which role, with or without a vote, and in whose place."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ParticipantRole(models.TextChoices):
    CHAIR = "chair", _("Chủ trì")
    SECRETARY = "secretary", _("Thư ký")
    MEMBER = "member", _("Thành viên")
    GUEST = "guest", _("Khách mời")
    OBSERVER = "observer", _("Theo dõi")


# Roles that see the whole meeting, including draft agendas and restricted items.
ORGANIZER_ROLES = frozenset({ParticipantRole.CHAIR, ParticipantRole.SECRETARY})


class Participant(models.Model):
    meeting = models.ForeignKey(
        "cabinet.Meeting", on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="participations"
    )
    role = models.CharField(_("vai trò"), max_length=20, choices=ParticipantRole.choices)
    can_vote = models.BooleanField(_("có quyền biểu quyết"), default=False)
    # Dự thay: this user attends in place of another official (who is then not a participant).
    substitute_for = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dự thay cho"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="substituted_by",
    )
    # Presenter mode: the tablet turns pages with the presenter unless the member chose to read
    # freely. Kept here so the choice survives a reload or a change of tablet.
    follows_presenter = models.BooleanField(_("theo dõi người trình bày"), default=True)
    invited_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "role", "user__full_name"]
        verbose_name = _("thành phần dự họp")
        verbose_name_plural = _("thành phần dự họp")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"], name="participant_once_per_meeting"
            ),
            models.UniqueConstraint(
                fields=["meeting"],
                condition=models.Q(role="chair"),
                name="one_chair_per_meeting",
            ),
            models.UniqueConstraint(
                fields=["meeting", "substitute_for"],
                condition=models.Q(substitute_for__isnull=False),
                name="one_substitute_per_official",
            ),
            models.CheckConstraint(
                condition=~models.Q(substitute_for=models.F("user")),
                name="participant_not_own_substitute",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in ParticipantRole]),
                name="participant_role_valid",
            ),
            # Observers only read; a vote always belongs to a chair, member or (rarely) a guest.
            models.CheckConstraint(
                condition=~models.Q(role=ParticipantRole.OBSERVER, can_vote=True),
                name="observer_cannot_vote",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    @property
    def is_organizer(self) -> bool:
        return self.role in ORGANIZER_ROLES
