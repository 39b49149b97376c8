"""The second sign-in step, enrolment of an authenticator, the account security page, and
signing out of every device.

The rules (who must enrol, what an unverified session may reach) are in cabinet/trust/two_factor.py;
these views only ask for codes and call it.
"""

from __future__ import annotations

import math

from axes.helpers import get_cool_off
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from cabinet.core.http import current_user
from cabinet.models import User
from cabinet.trust import accounts, two_factor


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


def _mark_verified(request: HttpRequest, device: object) -> None:
    # A new session key once the second factor is given: a key seen before this point (on the
    # code page) cannot be reused as a verified session.
    request.session.cycle_key()
    otp_login(request, device)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponseBase:
    """After the password: the authenticator's code or a recovery code."""
    user = current_user(request)
    if getattr(request, "two_factor_state", None) is not two_factor.State.VERIFY:
        return redirect(_next_url(request))
    error = ""
    token = two_factor.normalize_token(request.POST.get("code", ""))
    if request.method == "POST" and two_factor.throttled(user, token):
        # Earlier wrong codes: the device refuses every code for a while, right or not.
        error = _("Nhập sai nhiều lần. Vui lòng chờ ít giây rồi thử lại.")
    elif request.method == "POST":
        device = two_factor.verify_second_factor(user, token)
        if device is not None:
            _mark_verified(request, device)
            if device.persistent_id.startswith("otp_static"):
                left = two_factor.recovery_codes_left(user)
                messages.warning(
                    request,
                    _(
                        "Đồng chí vừa dùng một mã khôi phục; còn %(left)d mã. Hãy tạo bộ mã mới "
                        "trong trang Bảo mật tài khoản nếu sắp hết."
                    )
                    % {"left": left},
                )
            return redirect(_next_url(request))
        error = _("Mã xác thực không đúng hoặc đã được dùng.")
    return render(
        request,
        "registration/two_factor_verify.html",
        {"error": error, "next": _next_url(request)},
        status=400 if error else 200,
    )


# The enrolment code this session has given (its row's id), until the authenticator is confirmed.
ENROLMENT_CODE_SESSION_KEY = "two_factor_enrolment_code"

ENROLMENT_CODE_ERRORS = {
    two_factor.CodeCheck.MISSING: gettext_lazy("Nhập mã thiết lập do quản trị viên cấp."),
    two_factor.CodeCheck.WRONG: gettext_lazy("Mã thiết lập không đúng."),
    two_factor.CodeCheck.EXPIRED: gettext_lazy(
        "Mã thiết lập đã hết hạn. Đề nghị quản trị viên cấp mã mới."
    ),
    two_factor.CodeCheck.USED: gettext_lazy(
        "Mã thiết lập đã được dùng. Đề nghị quản trị viên cấp mã mới."
    ),
    two_factor.CodeCheck.REVOKED: gettext_lazy(
        "Mã thiết lập này đã được thay bằng mã mới hơn. Hãy nhập mã mới nhất được cấp."
    ),
    two_factor.CodeCheck.THROTTLED: gettext_lazy(
        "Nhập sai nhiều lần. Vui lòng chờ ít giây rồi thử lại."
    ),
}


def _enrolment_code_step(
    request: HttpRequest, user: User, *, lapsed: bool = False, again: bool = False
) -> HttpResponseBase:
    """Before any key is shown: the one-time code an administrator issued for this user.
    `lapsed`: the code this session gave has expired, or was used or replaced meanwhile.
    `again`: the user's authenticator was set up without a code and is no longer trusted."""
    error = ""
    if lapsed:
        error = _(
            "Mã thiết lập đã hết hạn hoặc không còn dùng được. Đề nghị quản trị viên cấp mã mới."
        )
    elif request.method == "POST":
        result, code_id = two_factor.check_enrolment_code(
            user=user, code=request.POST.get("enrolment_code", "")
        )
        if result is two_factor.CodeCheck.ACCEPTED:
            request.session[ENROLMENT_CODE_SESSION_KEY] = code_id
            two_factor.start_enrolment(user, fresh_key=True)
            target = reverse("two_factor_enrol")
            next_url = _next_url(request)
            return redirect(
                target + ("?" + urlencode({"next": next_url}) if next_url != "/" else "")
            )
        error = str(ENROLMENT_CODE_ERRORS[result])
    return render(
        request,
        "registration/two_factor_enrolment_code.html",
        {"error": error, "next": _next_url(request), "again": again},
        status=400 if error else 200,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_enrol(request: HttpRequest) -> HttpResponseBase:
    """Set up an authenticator: a QR code (and the key as text), confirmed by a code from it.
    Those who must use two-factor sign-in first give the enrolment code an administrator issued
    them; the key is not shown, nor can it be confirmed, without it. So do those whose
    authenticator was set up without a code (`again`): it is replaced. The recovery codes are
    shown once, in the answer to the confirmation."""
    user = current_user(request)
    state = getattr(request, "two_factor_state", None)
    if state is two_factor.State.VERIFY:
        return redirect("two_factor_verify")
    again = state is two_factor.State.ENROL and two_factor.has_two_factor(user)
    if two_factor.has_two_factor(user) and not again:
        return redirect("account_security")
    enrolment_code = None
    if two_factor.enrolment_code_required(user):
        enrolment_code = two_factor.live_enrolment_code(
            user, request.session.get(ENROLMENT_CODE_SESSION_KEY)
        )
        if enrolment_code is None:
            lapsed = request.session.pop(ENROLMENT_CODE_SESSION_KEY, None) is not None
            return _enrolment_code_step(request, user, lapsed=lapsed, again=again)
    device = two_factor.start_enrolment(user)
    error = ""
    if request.method == "POST":
        codes = two_factor.confirm_enrolment(
            user, device, request.POST.get("code", ""), enrolment_code=enrolment_code
        )
        if codes is not None:
            request.session.pop(ENROLMENT_CODE_SESSION_KEY, None)
            device.refresh_from_db()
            _mark_verified(request, device)
            return render(
                request,
                "registration/two_factor_codes.html",
                {"codes": codes, "next": _next_url(request), "first": True},
            )
        error = _("Mã xác thực không đúng. Kiểm tra giờ trên điện thoại và nhập mã mới nhất.")
    uri = device.config_url
    return render(
        request,
        "registration/two_factor_enrol.html",
        {
            "qr_svg": two_factor.qr_svg(uri),
            "otpauth_uri": uri,
            "secret": uri.split("secret=", 1)[1].split("&", 1)[0],
            "required": two_factor.two_factor_required(user),
            "again": again,
            "error": error,
            "next": _next_url(request),
        },
        status=400 if error else 200,
    )


@never_cache
@login_required
def account_security(request: HttpRequest) -> HttpResponse:
    """Bảo mật tài khoản: whether two-factor sign-in is on, the recovery codes left, and the
    actions (set up, new recovery codes, switch off when not required)."""
    user = current_user(request)
    return render(
        request,
        "registration/security.html",
        {
            "enabled": two_factor.has_two_factor(user),
            "required": two_factor.two_factor_required(user),
            "codes_left": two_factor.recovery_codes_left(user),
        },
    )


@never_cache
@login_required
@require_POST
def recovery_codes_regenerate(request: HttpRequest) -> HttpResponseBase:
    user = current_user(request)
    if not two_factor.has_two_factor(user):
        return redirect("account_security")
    codes = two_factor.regenerate_recovery_codes(user)
    return render(
        request, "registration/two_factor_codes.html", {"codes": codes, "next": "", "first": False}
    )


@never_cache
@login_required
@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponseBase:
    """Switch two-factor sign-in off: only when not required, and with a current code."""
    user = current_user(request)
    if two_factor.two_factor_required(user):
        messages.error(request, _("Tài khoản của đồng chí bắt buộc xác thực hai lớp."))
        return redirect("account_security")
    device = two_factor.authenticator_for(user)
    code = two_factor.normalize_token(request.POST.get("code", ""))
    if device is None or not device.verify_token(code):
        messages.error(request, _("Mã xác thực không đúng; xác thực hai lớp vẫn đang bật."))
        return redirect("account_security")
    two_factor.disable_two_factor(user)
    messages.success(request, _("Đã tắt xác thực hai lớp."))
    return redirect("account_security")


def lockout(request: HttpRequest, original_response: object, credentials: object) -> HttpResponse:
    """django-axes' answer once a username has failed too often from this address
    (settings.AXES_LOCKOUT_CALLABLE): a page in the official's language, 429."""
    cool_off = get_cool_off(request)
    minutes = max(1, math.ceil(cool_off.total_seconds() / 60)) if cool_off else 0
    return render(request, "registration/lockout.html", {"minutes": minutes}, status=429)


@login_required
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    """Every session of this user ends (this one too), their sockets close, and each device is
    told to delete its offline copies on its next contact; this one at once, as on logout."""
    accounts.sign_out_everywhere(actor=current_user(request))
    logout(request)
    messages.success(request, _("Đã đăng xuất khỏi mọi thiết bị."))
    response = redirect("login")
    response["Clear-Site-Data"] = '"cache", "storage"'
    return response
