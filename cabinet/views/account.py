"""The official's own sessions: signing out of every device."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cabinet.services import accounts
from cabinet.views.common import current_user


@login_required
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    """Every session of this user ends (this one too), their sockets close, and each device is
    told to delete its offline copies on its next contact; this one at once, as on logout."""
    accounts.sign_out_everywhere(actor=current_user(request), ip=request.META.get("REMOTE_ADDR"))
    logout(request)
    messages.success(request, _("Đã đăng xuất khỏi mọi thiết bị."))
    response = redirect("login")
    response["Clear-Site-Data"] = '"cache", "storage"'
    return response
