"""The chair's console: the whole room on one screen (attendance, queue, current item, timer)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cabinet.core.permissions import can_run_meeting
from cabinet.meetings import selectors


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
