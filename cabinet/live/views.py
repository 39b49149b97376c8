"""The chair's console: the whole room on one screen (attendance, queue, current item, timer); and
the meeting's lifecycle buttons (send the invitation, start, end)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.functional import Promise  # gettext_lazy's result
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cabinet.core.errors import ServiceError
from cabinet.core.http import current_user, report
from cabinet.core.permissions import can_manage_meeting, can_run_meeting
from cabinet.live.services import session as session_services
from cabinet.meetings import selectors
from cabinet.meetings.services import meetings as meeting_services
from cabinet.models import Meeting, Participant, User


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


# A lifecycle button's service: (actor, meeting, the posted form) → the meeting.
Service = Callable[[User, Meeting, QueryDict], Meeting]

# action → (who may, service, message on success)
LIFECYCLE_ACTIONS: dict[str, tuple[Callable[[Participant | None], bool], Service, Promise]] = {
    "publish": (
        can_manage_meeting,
        lambda actor, meeting, _form: meeting_services.publish_meeting(
            actor=actor, meeting=meeting
        ),
        gettext_lazy("Đã gửi giấy mời; đại biểu đã thấy chương trình và tài liệu."),
    ),
    "start": (
        can_run_meeting,
        # Before the meeting's day the chair gives the reason to start early (the service decides
        # whether one is needed, and keeps it in the event log).
        lambda actor, meeting, form: meeting_services.start_meeting(
            actor=actor, meeting=meeting, early_reason=form.get("early_reason", "")
        ),
        gettext_lazy("Cuộc họp đã bắt đầu."),
    ),
    "end": (
        can_run_meeting,
        lambda actor, meeting, _form: session_services.end_meeting(actor=actor, meeting=meeting),
        gettext_lazy("Cuộc họp đã kết thúc."),
    ),
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
        service(current_user(request), access.meeting, request.POST)
    except ServiceError as error:
        report(request, error)
    else:
        messages.success(request, str(success))
    return redirect("cabinet:meeting", meeting_id=meeting_id)
