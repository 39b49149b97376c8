"""The meeting's generated records: the minutes (biên bản) and the invitation (giấy mời), as DOCX
and as PDF in the Decree 30/2020/NĐ-CP layout.

Minutes: the meeting's chair and secretaries only (403 for other participants), once the meeting
is in session or later (404 before). Invitation: every participant who can see the meeting.
Non-participants get 404 (cabinet.selectors.meeting_access). When the PDF cannot be made (no
LibreOffice, a failed conversion) the page says so in Vietnamese and offers the DOCX (503).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cabinet.decree30 import AdminDocument, DocumentError, render_docx
from cabinet.delivery import attachment_response
from cabinet.generated import pdf_for
from cabinet.meeting_records import invitation_document, minutes_document
from cabinet.models import AgendaItem, Meeting, MeetingStatus
from cabinet.permissions import can_record_conclusions
from cabinet.ratelimit import rate_limited
from cabinet.selectors import MeetingAccess, meeting_access, visible_items_filter
from cabinet.services.events import record_access
from cabinet.views.common import current_user

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


def _ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def _filename(prefix: str, meeting: Meeting, extension: str) -> str:
    slug = _ascii_slug(meeting.title)[:60].strip("-") or "cuoc-hop"
    return f"{prefix}-{slug}-{meeting.pk}.{extension}"


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
        try:
            data = pdf_for(data, kind=record)
        except DocumentError as error:
            return render(
                request,
                "cabinet/record_unavailable.html",
                {
                    "meeting": meeting,
                    "message": str(error),
                    "docx_url": request.path.removesuffix(".pdf") + ".docx",
                },
                status=503,
            )
        content_type = PDF_TYPE
    record_access(
        meeting_id=meeting.pk,
        type="record.downloaded",
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
