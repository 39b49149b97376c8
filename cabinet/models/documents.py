"""Papers (tài liệu) and their immutable versions."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _


class PrivatePaperStorage(FileSystemStorage):
    """Files under MEDIA_ROOT/papers with no base URL: they can only be streamed by a view.

    The location follows MEDIA_ROOT when it changes (FileSystemStorage clears this cached property
    on the setting_changed signal), so tests can point it at a temporary folder.
    """

    def __init__(self) -> None:
        super().__init__(base_url=None)

    @cached_property
    def base_location(self) -> str:
        return str(Path(settings.MEDIA_ROOT) / "papers")


private_paper_storage = PrivatePaperStorage()


class PaperKind(models.TextChoices):
    AGENDA = "agenda", _("Chương trình")
    REPORT = "report", _("Báo cáo")
    PROPOSAL = "proposal", _("Tờ trình")
    DRAFT_DECISION = "draft_decision", _("Dự thảo quyết định")
    DRAFT_PLAN = "draft_plan", _("Dự thảo kế hoạch")
    OTHER = "other", _("Tài liệu khác")


class Paper(models.Model):
    Kind = PaperKind

    meeting = models.ForeignKey("cabinet.Meeting", on_delete=models.CASCADE, related_name="papers")
    agenda_item = models.ForeignKey(
        "cabinet.AgendaItem",
        verbose_name=_("thuộc nội dung"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="papers",
    )
    title = models.CharField(_("tên tài liệu"), max_length=300)
    kind = models.CharField(_("loại tài liệu"), max_length=20, choices=Kind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "agenda_item_id", "created_at"]
        verbose_name = _("tài liệu")
        verbose_name_plural = _("tài liệu")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in PaperKind]), name="paper_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title


def paper_version_path(instance: PaperVersion, filename: str) -> str:
    return f"{instance.paper.meeting_id}/{instance.paper_id}/v{instance.number}-{instance.sha256[:16]}.pdf"


class PaperVersion(models.Model):
    """One uploaded file of a paper. Never changed after it is written; a replacement is a new row."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("phiên bản"))
    file = models.FileField(storage=private_paper_storage, upload_to=paper_version_path)
    original_name = models.CharField(_("tên tệp gốc"), max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(_("dung lượng (byte)"))
    page_count = models.PositiveIntegerField(_("số trang"))
    note = models.CharField(_("ghi chú thay đổi"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["paper", "-number"]
        get_latest_by = "number"
        verbose_name = _("phiên bản tài liệu")
        verbose_name_plural = _("phiên bản tài liệu")
        constraints = [
            models.UniqueConstraint(fields=["paper", "number"], name="paper_version_number_unique"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="paper_version_from_1"),
            models.CheckConstraint(condition=models.Q(size__gt=0), name="paper_version_not_empty"),
            models.CheckConstraint(
                condition=models.Q(sha256__regex=r"^[0-9a-f]{64}$"), name="paper_version_sha256"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.paper} – v{self.number}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise ValueError("A paper version is immutable; add a new version instead.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]
