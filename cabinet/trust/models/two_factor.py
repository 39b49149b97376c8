"""One-time enrolment codes: an administrator's permission for one user to set up an authenticator.

Without them two-factor enrolment would be trust-on-first-use: whoever first signed in with a
leader's password would enrol their own phone, and the second factor would then protect the
attacker. A code is shown once to the administrator who issues it, handed to the official in
person (or by telephone), and only its keyed hash is stored here. It expires, is used once, and a
newer code for the same user revokes the older ones (cabinet/trust/two_factor.py).

A used code also names the authenticator it set up: that is how an authenticator is known to have
been enrolled with an administrator's permission ("vouched for"). One set up without a code (by a
member of their own accord, or before the account had to use two-factor sign-in) is not trusted
once the account must: its owner sets it up again with a code.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice


class TwoFactorEnrolmentCode(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người dùng"),
        on_delete=models.CASCADE,
        related_name="two_factor_enrolment_codes",
    )
    # HMAC-SHA256 (keyed with SECRET_KEY) of the normalised code: the code itself is never stored.
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người cấp"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("thời điểm cấp"))
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    used_at = models.DateTimeField(_("đã dùng lúc"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    # The authenticator this code was used to set up (set with used_at, once): it vouches for
    # that device. Null before use, and again once that device is removed (reset, lost phone).
    device = models.OneToOneField(
        TOTPDevice,
        verbose_name=_("thiết bị xác thực đã thiết lập"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="enrolment_code",
    )
    # Wrong codes typed for this user while this was their newest code: each makes the next
    # attempt wait twice as long (as the authenticator's own codes do).
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("mã thiết lập xác thực hai lớp")
        verbose_name_plural = _("mã thiết lập xác thực hai lớp")
        permissions = [
            (
                "issue_enrolment_code",
                _("Có thể cấp mã thiết lập xác thực hai lớp và đặt lại xác thực hai lớp"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.issued_at:%Y-%m-%d %H:%M}"
