"""Django admin for the administrator (quản trị): units, users and invitation groups. Meetings are
run from the app."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from cabinet.models import AuditEntry, InvitationGroup, TwoFactorEnrolmentCode, Unit, User
from cabinet.trust import accounts, two_factor


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin[Unit]):
    list_display = ["name", "short_name", "kind", "code", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name", "code"]


@admin.register(InvitationGroup)
class InvitationGroupAdmin(admin.ModelAdmin[InvitationGroup]):
    """The lists of people invited together ("Giám đốc các Sở"), offered on the participants page."""

    list_display = ["name", "member_count"]
    search_fields = ["name", "members__full_name"]
    filter_horizontal = ["members"]

    @admin.display(description=_("số thành viên"))
    def member_count(self, group: InvitationGroup) -> int:
        return group.members.count()


class TwoFactorFilter(admin.SimpleListFilter):
    """Who has an authenticator, and whether an enrolment code vouched for it: those who must use
    two-factor sign-in with one set up without a code need a code to set it up again."""

    title = _("Xác thực hai lớp")
    parameter_name = "two_factor"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("none", _("Chưa thiết lập")),
            ("without_code", _("Thiết lập không có mã")),
            ("with_code", _("Thiết lập bằng mã")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        vouched = two_factor.vouched_authenticators().filter(user=OuterRef("pk"))
        if self.value() == "none":
            return queryset.exclude(Exists(confirmed))
        if self.value() == "without_code":
            return queryset.filter(Exists(confirmed)).exclude(Exists(vouched))
        if self.value() == "with_code":
            return queryset.filter(Exists(vouched))
        return queryset


# django-stubs makes the admin generic; at run time it is not subscriptable (no django_stubs_ext).
if TYPE_CHECKING:
    _UserAdminBase = DjangoUserAdmin[User]
else:
    _UserAdminBase = DjangoUserAdmin


@admin.register(User)
class UserAdmin(_UserAdminBase):
    list_display = ["username", "full_name", "position", "unit", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "unit__kind", "groups", TwoFactorFilter]
    search_fields = ["username", "full_name", "position", "email"]
    ordering = ["full_name"]
    actions = [
        "wipe_devices",
        "deactivate_users",
        "issue_two_factor_enrolment_codes",
        "reset_two_factor",
    ]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Thông tin cán bộ"), {"fields": ("full_name", "position", "unit", "email")}),
        (
            _("Quyền"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (
            pgettext_lazy("dates of an account", "Thời gian"),
            {"fields": ("last_login", "date_joined")},
        ),
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

    def has_manage_devices_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_staff and request.user.has_perm("cabinet.manage_devices"))

    @admin.action(
        description=_(
            "Xóa dữ liệu trên thiết bị (đăng xuất mọi thiết bị, xóa tài liệu ngoại tuyến)"
        ),
        permissions=["manage_devices"],
    )
    def wipe_devices(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        assert isinstance(request.user, User)
        users = list(queryset)
        for user in users:
            accounts.wipe_devices(actor=request.user, user=user)
        self.message_user(
            request,
            ngettext(
                "Đã đăng xuất %(count)d người dùng khỏi mọi thiết bị; tài liệu ngoại tuyến sẽ bị "
                "xóa khi thiết bị kết nối lại.",
                "Đã đăng xuất %(count)d người dùng khỏi mọi thiết bị; tài liệu ngoại tuyến sẽ bị "
                "xóa khi thiết bị kết nối lại.",
                len(users),
            )
            % {"count": len(users)},
            messages.SUCCESS,
        )

    def has_issue_enrolment_code_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_staff and request.user.has_perm("cabinet.issue_enrolment_code"))

    def _show_enrolment_codes(
        self, request: HttpRequest, issued: list[tuple[User, two_factor.IssuedCode]]
    ) -> TemplateResponse:
        # The codes are on this page and nowhere else (only their hashes are kept); the admin's
        # pages are never cached.
        return TemplateResponse(
            request,
            "admin/cabinet/two_factor_enrolment_codes.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Mã thiết lập xác thực hai lớp"),
                "issued": issued,
                "hours": settings.TWO_FACTOR_ENROLMENT_HOURS,
                "opts": self.model._meta,
            },
        )

    @admin.action(
        description=_("Cấp mã thiết lập xác thực hai lớp (dùng một lần)"),
        permissions=["issue_enrolment_code"],
    )
    def issue_two_factor_enrolment_codes(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> TemplateResponse:
        assert isinstance(request.user, User)
        issued = [
            (user, two_factor.issue_enrolment_code(actor=request.user, user=user))
            for user in queryset
        ]
        return self._show_enrolment_codes(request, issued)

    @admin.action(
        description=_("Đặt lại xác thực hai lớp (mất hoặc đổi điện thoại) và cấp mã thiết lập mới"),
        permissions=["issue_enrolment_code"],
    )
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> TemplateResponse:
        assert isinstance(request.user, User)
        issued = [
            (user, two_factor.reset_two_factor(actor=request.user, user=user)) for user in queryset
        ]
        return self._show_enrolment_codes(request, issued)

    @admin.action(
        description=_("Vô hiệu hóa tài khoản (và xóa dữ liệu trên thiết bị)"),
        permissions=["manage_devices"],
    )
    def deactivate_users(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        assert isinstance(request.user, User)
        done = 0
        for user in queryset:
            if user.pk == request.user.pk:
                self.message_user(
                    request, _("Không thể tự vô hiệu hóa tài khoản của mình."), messages.ERROR
                )
                continue
            accounts.deactivate_user(actor=request.user, user=user)
            done += 1
        if done:
            self.message_user(
                request,
                ngettext(
                    "Đã vô hiệu hóa %(count)d tài khoản.",
                    "Đã vô hiệu hóa %(count)d tài khoản.",
                    done,
                )
                % {"count": done},
                messages.SUCCESS,
            )


@admin.register(TwoFactorEnrolmentCode)
class TwoFactorEnrolmentCodeAdmin(admin.ModelAdmin[TwoFactorEnrolmentCode]):
    """Read only: which codes were issued, by whom, and whether used. Codes are issued from the
    users' list (action "Cấp mã thiết lập ..."), the only place they are ever shown."""

    list_display = ["user", "issued_by", "issued_at", "expires_at", "used_at", "revoked_at"]
    list_select_related = ["user", "issued_by"]
    search_fields = ["user__username", "user__full_name"]
    fields = ["user", "issued_by", "issued_at", "expires_at", "used_at", "revoked_at", "device"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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
