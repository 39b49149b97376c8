"""The live room: the current agenda item, each item's clock, the presenter, the speaker queue.

The meeting row stays the lock and the sequence counter (cabinet.core.events.record_event);
these rows hold the state that the events announce, so a snapshot can be read at any time.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoomState(models.Model):
    """What the whole room follows. One row per meeting, created when first needed."""

    meeting = models.OneToOneField(
        "cabinet.Meeting", on_delete=models.CASCADE, primary_key=True, related_name="room"
    )
    current_item = models.ForeignKey(
        "cabinet.AgendaItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    presenter = models.ForeignKey(
        "cabinet.Participant", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    presented_version = models.ForeignKey(
        "cabinet.PaperVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    presented_page = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("trạng thái phòng họp")
        verbose_name_plural = _("trạng thái phòng họp")

    def __str__(self) -> str:
        return f"{self.meeting_id}: {self.current_item_id}"


class ItemClock(models.Model):
    """An agenda item's timer: counts down from its planned minutes; pausable and adjustable.

    Remaining time = duration − elapsed − (now − running_since, while running). Storing the start
    of the running stretch instead of ticking means nothing is written while the clock runs.
    """

    item = models.OneToOneField(
        "cabinet.AgendaItem", on_delete=models.CASCADE, primary_key=True, related_name="clock"
    )
    duration_s = models.PositiveIntegerField()
    elapsed_s = models.PositiveIntegerField(default=0)
    running_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("đồng hồ nội dung")
        verbose_name_plural = _("đồng hồ nội dung")

    def __str__(self) -> str:
        return f"{self.item_id}: {self.elapsed_s}/{self.duration_s} s"


class SpeakerPosition(models.TextChoices):
    FOR = "for", _("Tán thành")
    AGAINST = "against", _("Không tán thành")
    OTHER = "other", _("Ý kiến khác")


class RequestStatus(models.TextChoices):
    WAITING = "waiting", _("Đang chờ")
    SPEAKING = "speaking", _("Đang phát biểu")
    DONE = "done", _("Đã phát biểu")
    WITHDRAWN = "withdrawn", _("Đã rút")


ACTIVE_REQUEST_STATUSES = (RequestStatus.WAITING, RequestStatus.SPEAKING)


class SpeakerRequest(models.Model):
    """A request for the floor (đăng ký phát biểu) on one agenda item. Kept after it ends, for
    the minutes (who spoke, for how long, with which position)."""

    meeting = models.ForeignKey(
        "cabinet.Meeting", on_delete=models.CASCADE, related_name="speaker_requests"
    )
    item = models.ForeignKey(
        "cabinet.AgendaItem", on_delete=models.CASCADE, related_name="speaker_requests"
    )
    participant = models.ForeignKey(
        "cabinet.Participant", on_delete=models.CASCADE, related_name="speaker_requests"
    )
    position = models.CharField(_("quan điểm"), max_length=10, choices=SpeakerPosition.choices)
    note = models.CharField(_("nội dung dự kiến"), max_length=500, blank=True)
    status = models.CharField(
        _("trạng thái"),
        max_length=10,
        choices=RequestStatus.choices,
        default=RequestStatus.WAITING,
    )
    # Queue order among the item's waiting requests; the chair reorders by rewriting it.
    order = models.PositiveIntegerField(default=0)
    requested_at = models.DateTimeField(auto_now_add=True)
    floor_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    limit_s = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["item", "order", "requested_at"]
        verbose_name = _("đăng ký phát biểu")
        verbose_name_plural = _("đăng ký phát biểu")
        constraints = [
            # One open request per person per item: a second tap must not queue them twice.
            models.UniqueConstraint(
                fields=["item", "participant"],
                condition=models.Q(status__in=["waiting", "speaking"]),
                name="one_active_request_per_item",
            ),
            # One speaker at a time in the whole meeting.
            models.UniqueConstraint(
                fields=["meeting"],
                condition=models.Q(status="speaking"),
                name="one_speaker_per_meeting",
            ),
            models.CheckConstraint(
                condition=models.Q(position__in=[p.value for p in SpeakerPosition]),
                name="speaker_position_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in RequestStatus]),
                name="speaker_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["meeting", "status"])]

    def __str__(self) -> str:
        return f"{self.participant} ({self.get_status_display()})"
