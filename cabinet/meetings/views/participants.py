"""The secretary invites participants (one by one, a group at once, or those of an earlier
meeting) and removes them before the meeting."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from cabinet.core.errors import ServiceError
from cabinet.core.http import current_user, report
from cabinet.meetings import selectors
from cabinet.meetings.forms import CopyParticipantsForm, InviteForm, InviteGroupForm
from cabinet.meetings.http import managed_meeting
from cabinet.meetings.ordering import in_protocol_order
from cabinet.meetings.services import invitations
from cabinet.meetings.services import meetings as meeting_services

# Which of the page's forms was sent: the submit button's name="action".
INVITE, GROUP, COPY = "invite", "group", "copy"


@login_required
def participants(request: HttpRequest, meeting_id: int) -> HttpResponse:
    access = managed_meeting(request, meeting_id)
    meeting = access.meeting
    user = current_user(request)
    action = request.POST.get("action", INVITE) if request.method == "POST" else None
    form = InviteForm(request.POST if action == INVITE else None, meeting=meeting)
    group_form = InviteGroupForm(request.POST if action == GROUP else None)
    copy_form = CopyParticipantsForm(
        request.POST if action == COPY else None, meeting=meeting, user=user
    )
    try:
        if action == INVITE and form.is_valid():
            meeting_services.invite_participant(actor=user, meeting=meeting, **form.cleaned_data)
            messages.success(request, _("Đã mời %(name)s.") % {"name": form.cleaned_data["user"]})
            return redirect("cabinet:participants", meeting_id=meeting.pk)
        if action == GROUP and group_form.is_valid():
            outcome = invitations.invite_group(
                actor=user, meeting=meeting, **group_form.cleaned_data
            )
            _report_outcome(request, outcome)
            return redirect("cabinet:participants", meeting_id=meeting.pk)
        if action == COPY and copy_form.is_valid():
            outcome = invitations.copy_participants(
                actor=user, meeting=meeting, source=copy_form.cleaned_data["source"]
            )
            _report_outcome(request, outcome)
            return redirect("cabinet:participants", meeting_id=meeting.pk)
    except ServiceError as error:
        report(request, error)
    return render(
        request,
        "cabinet/participants.html",
        {
            "meeting": meeting,
            "participants": in_protocol_order(selectors.participants_of(meeting)),
            "form": form,
            "group_form": group_form,
            "copy_form": copy_form,
        },
    )


def _report_outcome(request: HttpRequest, outcome: invitations.Invited) -> None:
    count = len(outcome.invited)
    if count:
        messages.success(
            request,
            ngettext("Đã mời %(count)d người.", "Đã mời %(count)d người.", count)
            % {"count": count},
        )
    else:
        messages.info(request, _("Không có ai mới để mời."))
    if outcome.skipped:
        skipped = "; ".join(f"{user} ({reason})" for user, reason in outcome.skipped)
        messages.info(request, _("Không mời lại: %(people)s.") % {"people": skipped})


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
