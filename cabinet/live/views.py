"""The chair's console: the whole room on one screen (attendance, queue, current item, timer); and
the meeting's lifecycle buttons (send the invitation, start, end)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cabinet.core.errors import ServiceError
from cabinet.core.http import current_user, report
from cabinet.core.permissions import can_manage_meeting, can_run_meeting
from cabinet.live.services import session as session_services
from cabinet.meetings import selectors
from cabinet.meetings.services import meetings as meeting_services


@login_required
def console(request: HttpRequest, meeting_id: int) -> HttpResponse:
    access = selectors.meeting_access(request.user, meeting_id)
    if not can_run_meeting(access.participant):
        raise PermissionDenied
    return render(
        request,
        "cabinet/console.html",
        {"meeting": access.meeting, "participant": access.participant},
    )


# action → (who may, service, message on success)
LIFECYCLE_ACTIONS = {
    "publish": (
        can_manage_meeting,
        meeting_services.publish_meeting,
        gettext_lazy("Đã gửi giấy mời; đại biểu đã thấy chương trình và tài liệu."),
    ),
    "start": (
        can_run_meeting,
        meeting_services.start_meeting,
        gettext_lazy("Cuộc họp đã bắt đầu."),
    ),
    "end": (can_run_meeting, session_services.end_meeting, gettext_lazy("Cuộc họp đã kết thúc.")),
}


@login_required
@require_POST
def meeting_transition(request: HttpRequest, meeting_id: int, action: str) -> HttpResponse:
    access = selectors.meeting_access(request.user, meeting_id)
    if action not in LIFECYCLE_ACTIONS:
        raise PermissionDenied
    allowed, service, success = LIFECYCLE_ACTIONS[action]
    if not allowed(access.participant):
        raise PermissionDenied
    try:
        service(actor=current_user(request), meeting=access.meeting)
    except ServiceError as error:
        report(request, error)
    else:
        messages.success(request, str(success))
    return redirect("cabinet:meeting", meeting_id=meeting_id)
