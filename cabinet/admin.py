"""Django admin for the administrator (quản trị): units and users. Meetings are run from the app."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cabinet.models import AuditEntry, Unit, User


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin[Unit]):
    list_display = ["name", "short_name", "kind", "code", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name", "code"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "full_name", "position", "unit", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "unit__kind", "groups"]
    search_fields = ["username", "full_name", "position", "email"]
    ordering = ["full_name"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Thông tin cán bộ"), {"fields": ("full_name", "position", "unit", "email")}),
        (
            _("Quyền"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Thời gian"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "full_name", "position", "unit", "password1", "password2"),
            },
        ),
    )


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin[AuditEntry]):
    """Read only, for those with cabinet.view_audit: the log is append-only (see the model)."""

    list_display = ["at", "username", "ip", "action", "object_type", "object_id", "meeting_id"]
    list_filter = ["action"]
    search_fields = ["username", "ip", "object_id"]
    date_hierarchy = "at"

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("cabinet.view_audit")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("cabinet.view_audit")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


admin.site.site_header = _("Quản trị phòng họp không giấy")
admin.site.site_title = _("Quản trị")
