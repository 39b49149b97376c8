"""The refusal of a request that failed Django's CSRF check: JSON for the JSON endpoints (a program
reads {"error": ...}), the Vietnamese page (templates/403_csrf.html) for people."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.csrf import csrf_failure as page_failure


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if request.path.endswith(".json") or request.content_type == "application/json":
        message = _("Thiếu mã bảo vệ CSRF hoặc mã đã hết hạn: hãy tải lại trang rồi gửi lại.")
        return JsonResponse(
            {"error": message}, status=403, json_dumps_params={"ensure_ascii": False}
        )
    return page_failure(request, reason=reason)
