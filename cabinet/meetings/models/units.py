"""Units (đơn vị): the bodies tasks are assigned to and officials belong to."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    COMMITTEE = "committee", _("UBND")
    OFFICE = "office", _("Văn phòng")
    DEPARTMENT = "department", _("Sở")
    BOARD = "board", _("Ban")
    SECTOR = "sector", _("Ngành")
    WARD = "ward", _("Phường/xã")


class Unit(models.Model):
    Kind = UnitKind

    code = models.SlugField(_("mã đơn vị"), max_length=32, unique=True)
    name = models.CharField(_("tên đơn vị"), max_length=200, unique=True)
    short_name = models.CharField(_("tên viết tắt"), max_length=40, blank=True)
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    is_active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in UnitKind]), name="unit_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name
