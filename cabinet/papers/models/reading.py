"""What members do with papers: private notes, comments on drafts (góp ý), and what they have read."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NoteColor(models.TextChoices):
    YELLOW = "yellow", _("Vàng")
    GREEN = "green", _("Xanh lá")
    BLUE = "blue", _("Xanh dương")
    PINK = "pink", _("Hồng")


class AnchorStatus(models.TextChoices):
    ANCHORED = "anchored", _("Đã neo")
    ORPHANED = "orphaned", _("Không còn trong bản mới")


class PaperNote(models.Model):
    """A private highlight with an optional note, seen only by its author, on any device.

    The anchor is the quoted text itself; page and offsets are hints for finding it again. When a new
    version of the paper becomes ready the note is re-anchored by searching for the quote
    (cabinet.papers.services.notes.reanchor_notes): found, it moves to the new version; gone, it is kept on
    the version where it was last found and flagged ORPHANED, never dropped.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    paper = models.ForeignKey("cabinet.Paper", on_delete=models.CASCADE, related_name="notes")
    # The version the note is anchored to now, and the one it was written on.
    version = models.ForeignKey("cabinet.PaperVersion", on_delete=models.CASCADE, related_name="+")
    original_version = models.ForeignKey(
        "cabinet.PaperVersion", on_delete=models.CASCADE, related_name="+"
    )
    page = models.PositiveIntegerField()
    quote = models.TextField(max_length=2000)
    prefix = models.CharField(max_length=64, blank=True)
    suffix = models.CharField(max_length=64, blank=True)
    start = models.PositiveIntegerField(null=True, blank=True)
    end = models.PositiveIntegerField(null=True, blank=True)
    body = models.TextField(_("ghi chú"), max_length=4000, blank=True)
    color = models.CharField(max_length=10, choices=NoteColor.choices, default=NoteColor.YELLOW)
    anchor_status = models.CharField(
        max_length=10, choices=AnchorStatus.choices, default=AnchorStatus.ANCHORED
    )
    # The newest version checked for this note (equals `version` unless the note is orphaned).
    checked_version_number = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["paper", "page", "start", "created_at"]
        verbose_name = _("ghi chú riêng")
        verbose_name_plural = _("ghi chú riêng")
        constraints = [
            models.CheckConstraint(condition=models.Q(page__gte=1), name="paper_note_page_from_1"),
            models.CheckConstraint(
                condition=models.Q(color__in=[c.value for c in NoteColor]),
                name="paper_note_color_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(anchor_status__in=[s.value for s in AnchorStatus]),
                name="paper_note_anchor_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(quote=""), name="paper_note_quote_not_empty"
            ),
        ]
        indexes = [models.Index(fields=["user", "paper"], name="paper_note_user_paper")]

    def __str__(self) -> str:
        return f"{self.quote[:40]} (p.{self.page})"


class PaperComment(models.Model):
    """An opinion (góp ý) on a paper, optionally tied to a quoted passage; the secretary consolidates
    them per paper and exports them."""

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    paper = models.ForeignKey("cabinet.Paper", on_delete=models.CASCADE, related_name="comments")
    version = models.ForeignKey("cabinet.PaperVersion", on_delete=models.CASCADE, related_name="+")
    page = models.PositiveIntegerField(null=True, blank=True)
    quote = models.TextField(_("đoạn trích"), max_length=2000, blank=True)
    body = models.TextField(_("nội dung góp ý"), max_length=8000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["paper", "created_at"]
        verbose_name = _("góp ý")
        verbose_name_plural = _("góp ý")
        constraints = [
            models.CheckConstraint(condition=~models.Q(body=""), name="paper_comment_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.author}: {self.body[:40]}"


class PaperRead(models.Model):
    """The newest version of a paper a user has opened: drives the "new version" badge and banner."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    paper = models.ForeignKey("cabinet.Paper", on_delete=models.CASCADE, related_name="reads")
    version_number = models.PositiveIntegerField()
    opened_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "paper"], name="paper_read_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} read {self.paper} v{self.version_number}"
