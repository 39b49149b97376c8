"""Officials who sign in: each has a position (chức vụ) and belongs to a unit."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    full_name = models.CharField(_("họ và tên"), max_length=150)
    position = models.CharField(_("chức vụ"), max_length=200, blank=True)
    unit = models.ForeignKey(
        "cabinet.Unit",
        verbose_name=_("đơn vị"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    # Sessions signed in before this moment have ended (signed out of every device, devices wiped,
    # deactivated): checked on every request and socket (cabinet/trust/sessions.py).
    sessions_valid_after = models.DateTimeField(
        _("phiên đăng nhập có hiệu lực từ"), null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["full_name", "username"]
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")
        permissions = [
            ("organize_meetings", _("Có thể tạo và chuẩn bị cuộc họp")),
            (
                "manage_devices",
                _("Có thể vô hiệu hóa tài khoản và xóa dữ liệu trên thiết bị của người dùng"),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username
