"""The agenda (chương trình): ordered items, nestable one level, optionally restricted."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AgendaItem(models.Model):
    meeting = models.ForeignKey(
        "cabinet.Meeting", on_delete=models.CASCADE, related_name="agenda_items"
    )
    # One level of nesting only (1., 1.1); the services refuse a parent that itself has a parent.
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    position = models.PositiveIntegerField(_("thứ tự"))
    title = models.CharField(_("nội dung"), max_length=300)
    description = models.TextField(_("mô tả"), blank=True)
    presenter_unit = models.ForeignKey(
        "cabinet.Unit",
        verbose_name=_("đơn vị trình bày"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    presenter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người trình bày"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    planned_minutes = models.PositiveIntegerField(_("thời lượng dự kiến (phút)"), default=15)
    # Who sees the item besides the chair and secretaries: guests only when listed in `audience`;
    # members and observers always, unless `restricted`, then only when listed.
    restricted = models.BooleanField(_("hạn chế người xem"), default=False)
    audience = models.ManyToManyField(
        "cabinet.Participant", verbose_name=_("người được mời riêng"), blank=True, related_name="+"
    )

    class Meta:
        ordering = ["meeting", "parent_id", "position"]
        verbose_name = _("nội dung chương trình")
        verbose_name_plural = _("nội dung chương trình")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_minutes__gte=1, planned_minutes__lte=600),
                name="agenda_item_duration_range",
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("id")), name="agenda_item_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.title
