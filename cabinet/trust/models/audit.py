"""The security audit log: who did what, from where, when (UTC). Append-only.

Distinct from the meeting's event log (MeetingEvent), which is the live room's record and resume
log: this one spans the whole system (sign-ins, permission changes, exports) and is read by the
security officer. Rows are never changed or deleted: the model refuses it, the admin is read-only
and a database trigger (migration 0006_audit_log) refuses UPDATE and DELETE on SQLite and
PostgreSQL alike.

Nothing here ever records the choice of a ballot (see cabinet.voting.services).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabinet.core.event_types import Event


class AuditAction(models.TextChoices):
    SIGN_IN = "auth.sign_in", _("Đăng nhập")
    SIGN_IN_FAILED = "auth.sign_in_failed", _("Đăng nhập không thành công")
    SIGN_OUT = "auth.sign_out", _("Đăng xuất")
    PAPER_VIEWED = Event.PAPER_VIEWED, _("Xem tài liệu")
    PAPER_DOWNLOADED = Event.PAPER_DOWNLOADED, _("Tải tài liệu")
    VOTE_CAST = "vote.cast", _("Biểu quyết")
    POLL_OPENED = Event.POLL_OPENED, _("Mở biểu quyết")
    POLL_CLOSED = Event.POLL_CLOSED, _("Kết thúc biểu quyết")
    POLL_PUBLISHED = Event.POLL_PUBLISHED, _("Công bố kết quả biểu quyết")
    POLL_RESET = Event.POLL_RESET, _("Đặt lại biểu quyết")
    GROUPS_CHANGED = "perm.groups", _("Thay đổi nhóm người dùng")
    PERMISSIONS_CHANGED = "perm.user_permissions", _("Thay đổi quyền người dùng")
    ACCOUNT_FLAGS_CHANGED = "perm.account_flags", _("Thay đổi quyền quản trị/trạng thái tài khoản")
    GROUP_PERMISSIONS_CHANGED = "perm.group_permissions", _("Thay đổi quyền của nhóm")
    PARTICIPANT_ROLE_CHANGED = "perm.participant", _("Thay đổi thành phần/vai trò dự họp")
    LIBRARY_ACCESS_CHANGED = "perm.library", _("Thay đổi phạm vi truy cập văn bản")
    EXPORT_EXCEL = "export.excel", _("Xuất Excel")
    EXPORT_RECORD = "export.record", _("Tải biên bản/thông báo/giấy mời")
    EXPORT_COMMENTS = "export.comments", _("Xuất tổng hợp góp ý")
    EXPORT_AUDIT = "export.audit", _("Xuất nhật ký an ninh")
    SECURITY_EVENT = "security", _("Sự kiện an ninh")


class AppendOnlyError(Exception):
    """An attempt to change or delete an audit row."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit entries cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit entries cannot be deleted")


class AuditEntry(models.Model):
    # Set by the application (not auto_now_add) so that the entries written together, at one
    # moment, can share it (the secret polls' "voted" entries: see cabinet.voting.services).
    # Stored as UTC (USE_TZ) and always shown as UTC.
    at = models.DateTimeField(_("thời điểm (UTC)"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        # The row outlives the account: no constraint, and deleting a user changes nothing here
        # (a SET_NULL would be an UPDATE, which the trigger refuses).
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    # The username at the time, kept even if the account is renamed or removed.
    username = models.CharField(_("tên đăng nhập"), max_length=150, blank=True, db_index=True)
    ip = models.GenericIPAddressField(_("địa chỉ IP"), null=True, blank=True, db_index=True)
    action = models.CharField(
        _("hành động"), max_length=40, choices=AuditAction.choices, db_index=True
    )
    object_type = models.CharField(_("loại đối tượng"), max_length=60, blank=True)
    object_id = models.CharField(_("mã đối tượng"), max_length=64, blank=True)
    meeting_id = models.BigIntegerField(_("cuộc họp"), null=True, blank=True, db_index=True)
    detail = models.JSONField(_("chi tiết"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("nhật ký an ninh")
        verbose_name_plural = _("nhật ký an ninh")
        default_permissions = ()
        permissions = [("view_audit", _("Có thể xem và xuất nhật ký an ninh"))]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} UTC {self.username or '-'} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit entries cannot be changed")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit entries cannot be deleted")
