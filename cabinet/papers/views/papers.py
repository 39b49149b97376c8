"""Papers: upload and new versions (the secretary's side), and the upload's processing state."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cabinet.core.errors import ServiceError
from cabinet.core.http import current_user
from cabinet.meetings.forms import PaperForm, PaperVersionForm
from cabinet.meetings.http import managed_meeting
from cabinet.models import Meeting, Paper, PaperVersion
from cabinet.papers.services import papers as paper_services


@login_required
def paper_upload(request: HttpRequest, meeting_id: int) -> HttpResponse:
    access = managed_meeting(request, meeting_id)
    meeting = access.meeting
    initial = {"agenda_item": request.GET.get("item")} if request.GET.get("item") else None
    form = PaperForm(request.POST or None, request.FILES or None, meeting=meeting, initial=initial)
    if request.method == "POST" and form.is_valid():
        stored, refused = _attach_each(request, meeting, form)
        if stored:
            if len(stored) == 1:
                messages.success(
                    request,
                    _("Đã tải lên tài liệu “%(title)s”; hệ thống đang kiểm tra và xử lý tệp.")
                    % {"title": stored[0]},
                )
            else:
                messages.success(
                    request,
                    ngettext(
                        "Đã tải lên %(count)d tài liệu; hệ thống đang kiểm tra và xử lý tệp.",
                        "Đã tải lên %(count)d tài liệu; hệ thống đang kiểm tra và xử lý tệp.",
                        len(stored),
                    )
                    % {"count": len(stored)},
                )
            for message in refused:
                messages.error(request, message)
            return redirect("cabinet:meeting", meeting_id=meeting.pk)
        for message in refused:  # nothing went in: the form again, with what was typed
            form.add_error("file", message)
    limits = {
        "max_mb": settings.PAPER_MAX_BYTES // (1024 * 1024),
        "max_pages": settings.PAPER_MAX_PAGES,
    }
    return render(
        request, "cabinet/paper_upload.html", {"meeting": meeting, "form": form, **limits}
    )


def _attach_each(
    request: HttpRequest, meeting: Meeting, form: PaperForm
) -> tuple[list[str], list[str]]:
    """Each file becomes a paper through the service and its checks, each on its own: a refused
    file does not keep the others out. Returns the stored titles and the refusals (by file name;
    a single file's refusal as the service said it)."""
    papers = form.papers()
    stored: list[str] = []
    refused: list[str] = []
    for title, kind, upload in papers:
        try:
            paper_services.attach_paper(
                actor=current_user(request),
                meeting=meeting,
                title=title,
                kind=kind,
                agenda_item=form.cleaned_data["agenda_item"],
                upload=upload,
            )
        except ServiceError as error:
            if len(papers) == 1:
                refused.append(str(error))
            else:
                refused.append(
                    _("Không nhận tệp “%(name)s”: %(reason)s")
                    % {"name": upload.name, "reason": error}
                )
        else:
            stored.append(title)
    return stored, refused


@login_required
def paper_new_version(request: HttpRequest, meeting_id: int, paper_id: int) -> HttpResponse:
    access = managed_meeting(request, meeting_id)
    paper = access.meeting.papers.filter(pk=paper_id).first()
    if paper is None:
        raise Http404
    form = PaperVersionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = paper_services.add_paper_version(
                actor=current_user(request),
                paper=paper,
                upload=form.cleaned_data["file"],
                note=form.cleaned_data["note"],
            )
        except ServiceError as error:
            form.add_error("file", str(error))
        else:
            messages.success(
                request,
                _(
                    "Đã tải lên phiên bản %(n)d; đại biểu nhận được khi tệp xử lý xong. "
                    "Phiên bản cũ vẫn được lưu."
                )
                % {"n": version.number},
            )
            return redirect("cabinet:meeting", meeting_id=meeting_id)
    return render(
        request,
        "cabinet/paper_version.html",
        {"meeting": access.meeting, "paper": paper, "versions": paper.versions.all(), "form": form},
    )


@login_required
def paper_version_status(request: HttpRequest, paper_id: int, number: int) -> HttpResponse:
    """The processing state of an upload, for its organizers' page to poll (htmx)."""
    paper = Paper.objects.filter(pk=paper_id).only("meeting_id").first()
    if paper is None:
        raise Http404
    access = managed_meeting(request, paper.meeting_id)
    version = PaperVersion.objects.filter(
        paper_id=paper_id, paper__meeting=access.meeting, number=number
    ).first()
    if version is None:
        raise Http404
    return render(
        request,
        "cabinet/_version_status.html",
        {"version": version, "paper": version.paper, "meeting": access.meeting},
    )
