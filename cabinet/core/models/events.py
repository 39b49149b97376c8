"""The per-meeting event log: the audit trail and the realtime resume log in one table.

Rows with a sequence number are the resume log; rows without one are access records (audit only).
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

# The scope held by nobody but the chair and secretaries (they hold every scope): the default, so
# that an event written without choosing its scope (cabinet.core.events.record_event always
# chooses) reaches nobody else.
ONLY_ORGANIZERS_SCOPE = "organizers"


class MeetingEvent(models.Model):
    meeting = models.ForeignKey("cabinet.Meeting", on_delete=models.CASCADE, related_name="events")
    # State changes carry the meeting's gap-free sequence number and are broadcast; access records
    # (a paper viewed or downloaded) are audit-only: no number, no broadcast, no lock on the meeting.
    seq = models.PositiveBigIntegerField(null=True, blank=True)
    type = models.CharField(max_length=60)
    # Who may receive it (cabinet.meetings.selectors: "" the whole meeting, "papers", "item:<id>"): live,
    # on replay, never to a tablet that does not hold the scope. Text, not a foreign key, so an
    # event about an item removed since stays out of the replays of those who could not see it.
    scope = models.CharField(max_length=40, blank=True, default=ONLY_ORGANIZERS_SCOPE)
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


class CommandReceipt(models.Model):
    """The ack of a committed command from a tablet, kept so that a retry gets the same answer.

    Written in the command's own transaction: either the change and its receipt both exist, or
    neither does, so a tablet that lost the ack can safely send the command again.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    client_id = models.CharField(max_length=64)
    meeting = models.ForeignKey("cabinet.Meeting", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=40)
    seq = models.PositiveBigIntegerField(null=True, blank=True)
    result = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("biên nhận lệnh")
        verbose_name_plural = _("biên nhận lệnh")
        constraints = [
            models.UniqueConstraint(fields=["user", "client_id"], name="command_once_per_client_id")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.client_id}"
