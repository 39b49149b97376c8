"""Attendance (điểm danh): one row per participant once they are checked in or marked.

No row means "not yet marked". Quorum arithmetic lives in cabinet.live.snapshot (a read).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Có mặt")
    ONLINE = "online", _("Dự trực tuyến")
    ABSENT = "absent", _("Vắng")
    REPRESENTED = "represented", _("Cử người dự thay")


# Statuses in which the member counts towards the quorum: in the room, online, or through the
# person sent in their place.
COUNTS_AS_PRESENT = frozenset(
    {AttendanceStatus.PRESENT, AttendanceStatus.ONLINE, AttendanceStatus.REPRESENTED}
)


class Attendance(models.Model):
    participant = models.OneToOneField(
        "cabinet.Participant", on_delete=models.CASCADE, related_name="attendance"
    )
    # Denormalised from the participant so that a meeting's attendance is one indexed query.
    meeting = models.ForeignKey(
        "cabinet.Meeting", on_delete=models.CASCADE, related_name="attendance"
    )
    status = models.CharField(_("tình trạng"), max_length=20, choices=AttendanceStatus.choices)
    reason = models.CharField(_("lý do vắng"), max_length=300, blank=True)
    substitute_name = models.CharField(_("người dự thay"), max_length=150, blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("điểm danh")
        verbose_name_plural = _("điểm danh")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in AttendanceStatus]),
                name="attendance_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant}: {self.get_status_display()}"
