"""The secretary invites participants and removes them before the meeting."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cabinet.core.errors import ServiceError
from cabinet.core.http import current_user, report
from cabinet.meetings import selectors
from cabinet.meetings.forms import InviteForm
from cabinet.meetings.http import managed_meeting
from cabinet.meetings.services import meetings as meeting_services


@login_required
def participants(request: HttpRequest, meeting_id: int) -> HttpResponse:
    access = managed_meeting(request, meeting_id)
    meeting = access.meeting
    form = InviteForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            meeting_services.invite_participant(
                actor=current_user(request), meeting=meeting, **form.cleaned_data
            )
        except ServiceError as error:
            report(request, error)
        else:
            messages.success(request, _("Đã mời %(name)s.") % {"name": form.cleaned_data["user"]})
            return redirect("cabinet:participants", meeting_id=meeting.pk)
    return render(
        request,
        "cabinet/participants.html",
        {"meeting": meeting, "participants": selectors.participants_of(meeting), "form": form},
    )


@login_required
@require_POST
def participant_remove(request: HttpRequest, meeting_id: int, participant_id: int) -> HttpResponse:
    access = managed_meeting(request, meeting_id)
    participant = access.meeting.participants.filter(pk=participant_id).first()
    if participant is None:
        raise Http404
    try:
        meeting_services.remove_participant(actor=current_user(request), participant=participant)
    except ServiceError as error:
        report(request, error)
    else:
        messages.success(request, _("Đã bỏ %(name)s khỏi thành phần.") % {"name": participant.user})
    return redirect("cabinet:participants", meeting_id=meeting_id)
