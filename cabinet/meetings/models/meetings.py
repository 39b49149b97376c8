"""Meetings and their lifecycle: draft → published → in session → ended → concluded → archived."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetingStatus(models.TextChoices):
    DRAFT = "draft", _("Dự thảo")
    PUBLISHED = "published", _("Đã gửi giấy mời")
    IN_SESSION = "in_session", _("Đang họp")
    ENDED = "ended", _("Đã kết thúc")
    CONCLUDED = "concluded", _("Đã có thông báo kết luận")
    ARCHIVED = "archived", _("Lưu trữ")


# The only legal moves. Services consult this; nothing else changes Meeting.status.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    MeetingStatus.DRAFT: frozenset({MeetingStatus.PUBLISHED}),
    MeetingStatus.PUBLISHED: frozenset({MeetingStatus.IN_SESSION}),
    MeetingStatus.IN_SESSION: frozenset({MeetingStatus.ENDED}),
    MeetingStatus.ENDED: frozenset({MeetingStatus.CONCLUDED}),
    MeetingStatus.CONCLUDED: frozenset({MeetingStatus.ARCHIVED}),
    MeetingStatus.ARCHIVED: frozenset(),
}


class MeetingKind(models.TextChoices):
    REGULAR = "regular", _("Phiên họp thường kỳ")
    THEMATIC = "thematic", _("Họp chuyên đề")
    WORKING = "working", _("Họp giao ban / làm việc")


class Meeting(models.Model):
    Kind = MeetingKind

    title = models.CharField(_("tên cuộc họp"), max_length=300)
    kind = models.CharField(_("loại cuộc họp"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("nội dung chính"), blank=True)
    location = models.CharField(_("địa điểm"), max_length=300)
    starts_at = models.DateTimeField(_("thời gian bắt đầu"))
    ends_at = models.DateTimeField(_("dự kiến kết thúc"))
    organizer_unit = models.ForeignKey(
        "cabinet.Unit",
        verbose_name=_("đơn vị chủ trì chuẩn bị"),
        on_delete=models.PROTECT,
        related_name="organized_meetings",
    )
    status = models.CharField(
        _("trạng thái"), max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.DRAFT
    )
    # The sequence number of the last MeetingEvent: incremented in the same transaction as the event
    # row, so the pair (meeting, seq) is gap-free and tablets can detect a missed event.
    last_seq = models.PositiveBigIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="created_meetings"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("cuộc họp")
        verbose_name_plural = _("cuộc họp")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="meeting_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in MeetingStatus]),
                name="meeting_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in MeetingKind]),
                name="meeting_kind_valid",
            ),
        ]
        indexes = [models.Index(fields=["status", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    def can_move_to(self, status: str) -> bool:
        return status in ALLOWED_TRANSITIONS[MeetingStatus(self.status)]

    @property
    def is_editable(self) -> bool:
        """Agenda and participants may change until the meeting has ended."""
        return self.status in {MeetingStatus.DRAFT, MeetingStatus.PUBLISHED}
