"""The per-meeting event log: the audit trail and the realtime resume log in one table.

Rows with a sequence number are the resume log; rows without one are access records (audit only).
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetingEvent(models.Model):
    meeting = models.ForeignKey("cabinet.Meeting", on_delete=models.CASCADE, related_name="events")
    # State changes carry the meeting's gap-free sequence number and are broadcast; access records
    # (a paper viewed or downloaded) are audit-only: no number, no broadcast, no lock on the meeting.
    seq = models.PositiveBigIntegerField(null=True, blank=True)
    type = models.CharField(max_length=60)
    payload = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "seq"]
        verbose_name = _("sự kiện cuộc họp")
        verbose_name_plural = _("nhật ký cuộc họp")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "seq"], name="meeting_event_seq_unique"),
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="meeting_event_seq_from_1"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.type}"
