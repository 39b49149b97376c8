"""Meetings: my meetings, one meeting, and the secretary's create/edit/lifecycle actions."""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cabinet.core.errors import ServiceError
from cabinet.core.http import current_user, report
from cabinet.core.permissions import can_manage_meeting, can_organize_meetings, can_run_meeting
from cabinet.meetings import selectors
from cabinet.meetings.forms import MeetingForm
from cabinet.meetings.http import managed_meeting
from cabinet.meetings.services import meetings as meeting_services
from cabinet.meetings.services import once
from cabinet.models import Meeting, MeetingStatus

UPCOMING = (MeetingStatus.DRAFT, MeetingStatus.PUBLISHED)
PAST = (MeetingStatus.ENDED, MeetingStatus.CONCLUDED, MeetingStatus.ARCHIVED)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Cuộc họp của tôi: in session first, then upcoming (soonest first), then past."""
    mine = selectors.meetings_for(request.user)
    return render(
        request,
        "cabinet/home.html",
        {
            "in_session": mine.filter(status=MeetingStatus.IN_SESSION).order_by("starts_at"),
            "upcoming": mine.filter(status__in=UPCOMING).order_by("starts_at"),
            "past": mine.filter(status__in=PAST).order_by("-starts_at")[:50],
            "can_organize": can_organize_meetings(request.user),
            "now": timezone.now(),
        },
    )


@login_required
def meeting_detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    access = selectors.meeting_access(request.user, meeting_id)
    participant = access.participant
    agenda = selectors.agenda_for(participant)
    meeting_papers = selectors.meeting_level_papers(participant)
    return render(
        request,
        "cabinet/meeting_detail.html",
        {
            "meeting": access.meeting,
            "participant": participant,
            "agenda": agenda,
            "meeting_papers": meeting_papers,
            "updated_papers": selectors.replaced_since_read(agenda, meeting_papers),
            "can_manage": can_manage_meeting(participant),
            "can_run": can_run_meeting(participant),
            "participant_count": access.meeting.participants.count(),
            "notice_due": selectors.notice_due(access.meeting)
            if participant.is_organizer
            else None,
            "issued_notice": selectors.issued_notice_for(participant),
            # Before its day the room is closed; the chair may open it early with a reason.
            "before_day": not meeting_services.meeting_day_reached(access.meeting),
        },
    )


@login_required
def meeting_create(request: HttpRequest) -> HttpResponse:
    if not can_organize_meetings(request.user):
        raise PermissionDenied
    actor = current_user(request)
    token = request.POST.get("form_token", "")
    earlier = once.created_by(actor, token, CREATE_MEETING)
    if earlier is not None:
        return _already_created(request, earlier)
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "form_token"}

        def create() -> tuple[Meeting, dict[str, object]]:
            meeting = meeting_services.create_meeting(actor=actor, **data)
            return meeting, {"meeting": meeting.pk}

        try:
            result, created = once.create_once(
                actor=actor,
                token=form.cleaned_data["form_token"],
                name=CREATE_MEETING,
                create=create,
            )
        except ServiceError as error:
            report(request, error)
        else:
            if not created:
                return _already_created(request, result)
            messages.success(
                request, _("Đã tạo cuộc họp. Hãy mời thành phần và xây dựng chương trình.")
            )
            return redirect("cabinet:meeting", meeting_id=result["meeting"])
    return render(request, "cabinet/meeting_form.html", {"form": form, "meeting": None})


CREATE_MEETING = "form.meeting.create"  # the receipt's name for a meeting created from the form


def _already_created(request: HttpRequest, earlier: Mapping[str, object]) -> HttpResponse:
    """The form was sent again (Back, then Tạo cuộc họp): the meeting it created, not another."""
    messages.info(
        request,
        _(
            "Cuộc họp này đã được tạo từ lần gửi trước; không tạo thêm cuộc họp trùng. "
            "Hãy sửa thông tin tại đây nếu cần."
        ),
    )
    return redirect("cabinet:meeting", meeting_id=earlier["meeting"])


@login_required
def meeting_edit(request: HttpRequest, meeting_id: int) -> HttpResponse:
    access = managed_meeting(request, meeting_id)
    meeting = access.meeting
    form = MeetingForm(request.POST or None, initial=MeetingForm.initial_from(meeting))
    del form.fields["form_token"]  # editing is the same whether sent once or twice
    if request.method == "POST" and form.is_valid():
        try:
            meeting_services.update_meeting(
                actor=current_user(request), meeting=meeting, **form.cleaned_data
            )
        except ServiceError as error:
            report(request, error)
        else:
            messages.success(request, _("Đã lưu thông tin cuộc họp."))
            return redirect("cabinet:meeting", meeting_id=meeting.pk)
    return render(request, "cabinet/meeting_form.html", {"form": form, "meeting": meeting})
