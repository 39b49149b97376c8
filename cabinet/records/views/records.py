"""The meeting's generated records: the minutes (biên bản) and the invitation (giấy mời), as DOCX
and as PDF in the Decree 30/2020/NĐ-CP layout.

Minutes: the meeting's chair and secretaries only (403 for other participants), once the meeting
is in session or later (404 before). Invitation: every participant who can see the meeting.
Non-participants get 404 (cabinet.meetings.selectors.meeting_access). A PDF is converted by the task
worker, once per content (cabinet/records/generated.py): until it is kept, its download answers 202 with a
page that follows the conversion (cabinet/records/generated_pages.py). When it cannot be made (no
LibreOffice, a failed conversion) the page says so in Vietnamese and offers the DOCX (503).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from cabinet.core.event_types import Event
from cabinet.core.events import record_access
from cabinet.core.http import current_user
from cabinet.core.permissions import can_record_conclusions
from cabinet.core.text import ascii_slug
from cabinet.meetings.selectors import MeetingAccess, meeting_access, visible_items_filter
from cabinet.models import AgendaItem, Meeting, MeetingStatus
from cabinet.papers.lib.delivery import attachment_response
from cabinet.records.documents.decree30 import AdminDocument, render_docx
from cabinet.records.documents.meeting_records import invitation_document, minutes_document
from cabinet.records.generated import PdfStatus, request_pdf
from cabinet.records.generated_pages import pending_page, status_fragment, status_url
from cabinet.trust.ratelimit import rate_limited

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_TYPE = "application/pdf"
# The minutes exist from the moment the meeting opens.
MINUTES_STATUSES = frozenset(
    {
        MeetingStatus.IN_SESSION,
        MeetingStatus.ENDED,
        MeetingStatus.CONCLUDED,
        MeetingStatus.ARCHIVED,
    }
)


def minutes_available(meeting: Meeting) -> bool:
    return meeting.status in MINUTES_STATUSES


def _filename(prefix: str, meeting: Meeting, extension: str) -> str:
    slug = ascii_slug(meeting.title)[:60].strip("-") or "cuoc-hop"
    return f"{prefix}-{slug}-{meeting.pk}.{extension}"


def _pdf_status(request: HttpRequest, access: MeetingAccess, *, record: str) -> HttpResponse:
    """The fragment the pending page polls; the same access as the PDF itself, but not counted
    against the export limit (a poll every 2 s would use it up) and it builds nothing."""
    pk = access.meeting.pk
    return status_fragment(
        request,
        kind=record,
        poll_base=reverse(f"cabinet:{record}_pdf_status", args=[pk]),
        pdf_url=reverse(f"cabinet:{record}_pdf", args=[pk]),
        docx_url=reverse(f"cabinet:{record}_docx", args=[pk]),
    )


def _minutes_access(request: HttpRequest, meeting_id: int) -> MeetingAccess:
    access = meeting_access(request.user, meeting_id)
    if not can_record_conclusions(access.participant):
        raise PermissionDenied
    if not minutes_available(access.meeting):
        raise Http404
    return access


def _invitation_for(access: MeetingAccess) -> Callable[[Meeting], AdminDocument]:
    """The invitation as this reader may see it: an organizer's copy lists every item that is
    not restricted; anyone else's only the items visible to them."""
    if access.participant.is_organizer:
        return invitation_document
    visible = set(
        AgendaItem.objects.filter(meeting=access.meeting)
        .filter(visible_items_filter(access.participant))
        .values_list("pk", flat=True)
    )
    return functools.partial(invitation_document, visible_item_ids=visible)


def _serve(
    request: HttpRequest,
    access: MeetingAccess,
    *,
    build: Callable[[Meeting], AdminDocument],
    prefix: str,
    record: str,
    pdf: bool,
) -> HttpResponse:
    meeting = access.meeting
    data = render_docx(build(meeting))
    content_type = DOCX_TYPE
    if pdf:
        docx_url = request.path.removesuffix(".pdf") + ".docx"
        job = request_pdf(data, kind=record)
        if job.status is PdfStatus.FAILED:
            return render(
                request,
                "cabinet/record_unavailable.html",
                {"meeting": meeting, "message": job.reason, "docx_url": docx_url},
                status=503,
            )
        if job.status is not PdfStatus.READY:
            return pending_page(
                request,
                meeting=meeting,
                job=job,
                poll_url=status_url(
                    reverse(f"cabinet:{record}_pdf_status", args=[meeting.pk]), job
                ),
                pdf_url=request.path,
                docx_url=docx_url,
            )
        data = job.read()
        content_type = PDF_TYPE
    record_access(
        meeting_id=meeting.pk,
        type=Event.RECORD_DOWNLOADED,
        payload={"record": record, "format": "pdf" if pdf else "docx"},
        actor=current_user(request),
    )
    filename = _filename(prefix, meeting, "pdf" if pdf else "docx")
    return attachment_response(data, filename=filename, content_type=content_type)


@login_required
@rate_limited("exports")
@require_GET
def minutes_docx(request: HttpRequest, meeting_id: int) -> HttpResponse:
    access = _minutes_access(request, meeting_id)
    return _serve(
        request, access, build=minutes_document, prefix="bien-ban", record="minutes", pdf=False
    )


@login_required
@rate_limited("exports")
@require_GET
def minutes_pdf(request: HttpRequest, meeting_id: int) -> HttpResponse:
    access = _minutes_access(request, meeting_id)
    return _serve(
        request, access, build=minutes_document, prefix="bien-ban", record="minutes", pdf=True
    )


@login_required
@rate_limited("exports")
@require_GET
def invitation_docx(request: HttpRequest, meeting_id: int) -> HttpResponse:
    access = meeting_access(request.user, meeting_id)
    return _serve(
        request,
        access,
        build=_invitation_for(access),
        prefix="giay-moi",
        record="invitation",
        pdf=False,
    )


@login_required
@rate_limited("exports")
@require_GET
def invitation_pdf(request: HttpRequest, meeting_id: int) -> HttpResponse:
    access = meeting_access(request.user, meeting_id)
    return _serve(
        request,
        access,
        build=_invitation_for(access),
        prefix="giay-moi",
        record="invitation",
        pdf=True,
    )


@login_required
@require_GET
def minutes_pdf_status(request: HttpRequest, meeting_id: int) -> HttpResponse:
    return _pdf_status(request, _minutes_access(request, meeting_id), record="minutes")


@login_required
@require_GET
def invitation_pdf_status(request: HttpRequest, meeting_id: int) -> HttpResponse:
    return _pdf_status(request, meeting_access(request.user, meeting_id), record="invitation")
