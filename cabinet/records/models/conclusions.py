"""What a meeting decided and who must do what: conclusions, tasks, their follow-up, and the
conclusion notice (thông báo kết luận) that makes the tasks official.

A task is recorded with the meeting (by the secretary or the chair) and is tracked from the moment
the notice is issued (``tracked_since``); until then it is part of a draft and may still change.
"Quá hạn" (overdue) is not stored: it is a tracked task past its deadline and not yet done, so it
can never be stale.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cabinet.papers.models.documents import PrivatePaperStorage


class TaskFileStorage(PrivatePaperStorage):
    """Progress reports' attachments: private, streamed by a view after a permission check."""

    folder = "tasks"


task_file_storage = TaskFileStorage()


class Conclusion(models.Model):
    """The chair's conclusion on one agenda item, or on the meeting as a whole (no item)."""

    meeting = models.ForeignKey(
        "cabinet.Meeting", on_delete=models.CASCADE, related_name="conclusions"
    )
    agenda_item = models.ForeignKey(
        "cabinet.AgendaItem",
        verbose_name=_("nội dung chương trình"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="conclusions",
    )
    text = models.TextField(_("kết luận"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("kết luận")
        verbose_name_plural = _("kết luận")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "agenda_item"], name="one_conclusion_per_item"
            ),
            models.UniqueConstraint(
                fields=["meeting"],
                condition=models.Q(agenda_item__isnull=True),
                name="one_general_conclusion_per_meeting",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Chưa thực hiện")
    IN_PROGRESS = "in_progress", _("Đang thực hiện")
    # The responsible unit reports the task done; the office confirms (→ DONE) or sends it back.
    REPORTED = "reported", _("Chờ xác nhận hoàn thành")
    DONE = "done", _("Hoàn thành")


OPEN_TASK_STATUSES = frozenset(
    {TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS, TaskStatus.REPORTED}
)
DEFAULT_REPORT_TO = "UBND Thành phố"


class Task(models.Model):
    """One "Giao [lead] chủ trì, phối hợp với [units] [content]; báo cáo [to] trước ngày [d]"."""

    Status = TaskStatus

    meeting = models.ForeignKey("cabinet.Meeting", on_delete=models.CASCADE, related_name="tasks")
    agenda_item = models.ForeignKey(
        "cabinet.AgendaItem",
        verbose_name=_("nội dung chương trình"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="tasks",
    )
    position = models.PositiveIntegerField(default=0)
    lead_unit = models.ForeignKey(
        "cabinet.Unit",
        verbose_name=_("đơn vị chủ trì"),
        on_delete=models.PROTECT,
        related_name="led_tasks",
    )
    coordinating_units = models.ManyToManyField(
        "cabinet.Unit",
        verbose_name=_("đơn vị phối hợp"),
        blank=True,
        related_name="coordinated_tasks",
    )
    # "phối hợp với các cơ quan, đơn vị liên quan": no named unit, but the phrase belongs in the text.
    with_related_units = models.BooleanField(_("phối hợp với các đơn vị liên quan"), default=False)
    content = models.TextField(_("nội dung nhiệm vụ"))
    deadline = models.DateField(_("thời hạn"), null=True, blank=True)
    report_to = models.CharField(
        _("báo cáo"), max_length=200, blank=True, default=DEFAULT_REPORT_TO
    )
    # The sentence as the secretary typed or pasted it, kept for the record.
    source_text = models.TextField(_("câu giao nhiệm vụ"), blank=True)
    status = models.CharField(
        _("tình trạng"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.NOT_STARTED
    )
    tracked_since = models.DateTimeField(_("theo dõi từ"), null=True, blank=True)
    completed_at = models.DateTimeField(_("hoàn thành lúc"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người xác nhận hoàn thành"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["meeting", "agenda_item__position", "position", "pk"]
        verbose_name = _("nhiệm vụ")
        verbose_name_plural = _("nhiệm vụ")
        permissions = [
            ("follow_up_tasks", _("Có thể theo dõi, đôn đốc mọi nhiệm vụ được giao")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in TaskStatus]),
                name="task_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=TaskStatus.DONE) | models.Q(completed_at__isnull=False),
                name="task_done_has_completion_time",
            ),
        ]
        indexes = [
            models.Index(fields=["lead_unit", "status", "deadline"]),
            models.Index(fields=["status", "deadline"]),
        ]

    def __str__(self) -> str:
        return self.content[:80]

    def is_overdue(self, today: dt.date) -> bool:
        return (
            self.tracked_since is not None
            and self.status != TaskStatus.DONE
            and self.deadline is not None
            and self.deadline < today
        )


class TaskUpdate(models.Model):
    """A progress report from the responsible unit, or the office's confirmation or return."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("tình trạng"), max_length=20, choices=TaskStatus.choices)
    note = models.TextField(_("nội dung báo cáo"), blank=True)
    attachment = models.FileField(
        _("tệp đính kèm"),
        storage=task_file_storage,
        upload_to="%Y/%m/",
        blank=True,
        max_length=300,
    )
    attachment_name = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["task", "created_at", "pk"]
        verbose_name = _("báo cáo tiến độ")
        verbose_name_plural = _("báo cáo tiến độ")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in TaskStatus]),
                name="task_update_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task}: {self.get_status_display()}"


class NoticeVariant(models.TextChoices):
    # Issued by the committee, signed "TL. CHỦ TỊCH / CHÁNH VĂN PHÒNG": Số: 12/TB-UBND.
    COMMITTEE = "committee", _("UBND Thành phố ban hành (TB-UBND)")
    # Issued by the committee's office, signed "CHÁNH VĂN PHÒNG": Số: 12/TB-VP.
    OFFICE = "office", _("Văn phòng UBND Thành phố ban hành (TB-VP)")


NOTICE_SYMBOLS = {NoticeVariant.COMMITTEE: "TB-UBND", NoticeVariant.OFFICE: "TB-VP"}


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", _("Dự thảo")
    APPROVED = "approved", _("Đã duyệt")
    ISSUED = "issued", _("Đã ban hành")


class ConclusionNotice(models.Model):
    """The meeting's conclusion notice: a structured draft (``content``, see
    assistant.notices.drafting), approved by the chair, then issued with its number and date."""

    Variant = NoticeVariant
    Status = NoticeStatus

    meeting = models.OneToOneField(
        "cabinet.Meeting", on_delete=models.CASCADE, related_name="notice"
    )
    variant = models.CharField(
        _("cơ quan ban hành"),
        max_length=20,
        choices=NoticeVariant.choices,
        default=NoticeVariant.COMMITTEE,
    )
    status = models.CharField(
        _("tình trạng"), max_length=20, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT
    )
    content = models.JSONField(default=dict)
    # Numbers run per issuing variant and calendar year, from 1, with no gaps and no reuse.
    number = models.PositiveIntegerField(_("số"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    issued_on = models.DateField(_("ngày ban hành"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("thông báo kết luận")
        verbose_name_plural = _("thông báo kết luận")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(variant__in=[v.value for v in NoticeVariant]),
                name="notice_variant_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in NoticeStatus]),
                name="notice_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=NoticeStatus.ISSUED)
                | models.Q(number__isnull=False, year__isnull=False, issued_on__isnull=False),
                name="issued_notice_has_number_and_date",
            ),
            models.UniqueConstraint(
                fields=["variant", "year", "number"],
                condition=models.Q(number__isnull=False),
                name="notice_number_unique_per_year",
            ),
        ]

    def __str__(self) -> str:
        return self.reference or str(_("Dự thảo thông báo kết luận"))

    @property
    def symbol(self) -> str:
        return NOTICE_SYMBOLS[NoticeVariant(self.variant)]

    @property
    def reference(self) -> str:
        """ "12/TB-UBND" once issued (numbers below 10 with a leading zero), else ""."""
        return f"{self.number:02d}/{self.symbol}" if self.number else ""
