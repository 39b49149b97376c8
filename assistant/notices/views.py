"""The conclusion notice in the browser: the draft beside its preview, the chair's approval,
issuing, and the DOCX/PDF exports. Thin: parse, call cabinet.records.services.notices, render.

Access: the secretary and the chair edit (and export the draft, marked "DỰ THẢO"); the chair
approves; once issued every participant of the meeting may read and download it. Anyone else
gets 404, like every other page of a meeting they do not take part in.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from assistant.notices import drafting, polish
from cabinet.core.errors import ServiceError
from cabinet.core.event_types import Event
from cabinet.core.events import record_access
from cabinet.core.http import current_user
from cabinet.core.permissions import can_approve_notice, can_record_conclusions
from cabinet.meetings.selectors import (
    MeetingAccess,
    can_read_notice,
    meeting_access,
    notice_due,
    record_is_open,
)
from cabinet.models import ConclusionNotice, Meeting, NoticeStatus, NoticeVariant, User
from cabinet.papers.lib.delivery import attachment_response
from cabinet.papers.models.documents import PrivatePaperStorage
from cabinet.records.documents import decree30
from cabinet.records.generated import PdfStatus, request_pdf
from cabinet.records.generated_pages import pending_page, status_fragment, status_url
from cabinet.records.services import notices as notice_services
from cabinet.trust.ratelimit import rate_limited

logger = logging.getLogger(__name__)


class NoticePdfStorage(PrivatePaperStorage):
    """Issued notices' PDFs, made once: private, served only through the permission check."""

    folder = "notices"


notice_pdf_storage = NoticePdfStorage()


def _notice_of(meeting: Meeting) -> ConclusionNotice | None:
    return ConclusionNotice.objects.filter(meeting=meeting).first()


def _readable(
    request: HttpRequest, meeting_id: int
) -> tuple[MeetingAccess, ConclusionNotice | None]:
    """Organizers always; other participants only an issued notice, and only if it concludes no
    agenda item hidden from them (403 otherwise)."""
    access = meeting_access(request.user, meeting_id)
    notice = _notice_of(access.meeting)
    if can_record_conclusions(access.participant):
        return access, notice
    if (
        notice is not None
        and notice.status == NoticeStatus.ISSUED
        and can_read_notice(access.participant)
    ):
        return access, notice
    raise PermissionDenied


@login_required
def notice_page(request: HttpRequest, meeting_id: int) -> HttpResponse:
    access, notice = _readable(request, meeting_id)
    meeting = access.meeting
    user = current_user(request)
    if request.method == "POST":
        if not can_record_conclusions(access.participant):
            raise PermissionDenied
        return _post(request, meeting, notice)
    draft = drafting.build_notice(meeting, user=user, notice=notice)
    editable = can_record_conclusions(access.participant) and record_is_open(meeting)
    accepted = _accepted(notice, user)
    return render(
        request,
        "assistant/notice.html",
        {
            "meeting": meeting,
            "notice": notice,
            "draft": draft,
            "editable": editable,
            "sections": [
                {
                    "section": section,
                    "accepted": accepted.get(section.key, []),
                    "suggestions": _suggestions(
                        section, user, [pk for pk, _s in accepted.get(section.key, [])]
                    )
                    if editable
                    else [],
                }
                for section in draft.sections
            ],
            "parts": _parts(draft),
            "variants": NoticeVariant.choices,
            "can_approve": can_approve_notice(access.participant),
            "can_issue": can_record_conclusions(access.participant),
            "llm_available": polish.is_available(),
            "notice_due": notice_due(meeting),
        },
    )


def _accepted(notice: ConclusionNotice | None, user: User) -> dict[str, list[tuple[int, str]]]:
    """Per section, the accepted directives as (id, "Thực hiện ..." sentence)."""
    if notice is None:
        return {}
    sentences, valid, _dropped = drafting.accepted_references(notice.content, user)
    return {key: list(zip(ids, sentences[key], strict=True)) for key, ids in valid.items()}


def _suggestions(
    section: drafting.NoticeSection, user: User, accepted: list[int]
) -> list[drafting.ReferenceSuggestion]:
    """Directives proposed for this section, not yet accepted. The library may be empty or its
    model missing: the draft is complete without references, so that is logged, not raised."""
    try:
        found = drafting.suggest_references(section, user=user)
    except Exception:
        logger.exception("reference suggestions failed")
        return []
    return [s for s in found if s.directive_id not in accepted]


def _parts(draft: drafting.NoticeDraft) -> list[dict[str, Any]]:
    labels = {
        "title": _("Trích yếu (tên thông báo)"),
        "opening": _("Mở đầu (thời gian, địa điểm, chủ trì)"),
        "attendees": _("Thành phần dự họp"),
        "transition": _("Câu chuyển"),
        "assessment": _("I. Đánh giá chung"),
        "closing": _("Câu kết"),
        "recipients": _("Nơi nhận (mỗi dòng một nơi)"),
        "signer_name": _("Người ký"),
    }
    values = {
        "title": draft.title,
        "opening": draft.opening,
        "attendees": draft.attendees,
        "transition": draft.transition,
        "assessment": draft.assessment,
        "closing": draft.closing,
        "recipients": "\n".join(draft.recipients),
        "signer_name": draft.signer_name,
    }
    return [
        {
            "name": name,
            "label": labels[name],
            "value": values[name],
            "changed": values[name].strip() != draft.defaults.get(name, "").strip(),
            "rows": 1 if name in ("signer_name",) else (8 if name == "recipients" else 3),
        }
        for name in drafting.TEXT_PARTS
    ]


def _post(request: HttpRequest, meeting: Meeting, notice: ConclusionNotice | None) -> HttpResponse:
    action = request.POST.get("action", "save")
    user = current_user(request)
    try:
        if action == "approve":
            # The chair approves the text as it reads now, which is then the text issued.
            shown = drafting.build_notice(meeting, user=user, notice=notice).as_content()
            notice_services.approve_notice(actor=user, meeting=meeting, approved_content=shown)
            messages.success(request, _("Đã duyệt dự thảo thông báo kết luận."))
        elif action == "issue":
            issued = notice_services.issue_notice(actor=user, meeting=meeting)
            messages.success(
                request,
                _("Đã ban hành Thông báo số %(ref)s; các nhiệm vụ được đưa vào theo dõi.")
                % {"ref": issued.reference},
            )
        elif action == "polish":
            _polish(request, meeting, notice, user)
        elif action == "reset":
            notice_services.save_notice_draft(
                actor=user,
                meeting=meeting,
                variant=notice.variant if notice else NoticeVariant.COMMITTEE,
                content={},
            )
            messages.success(request, _("Đã tạo lại dự thảo từ kết luận và nhiệm vụ đã ghi."))
        else:
            _save(request, meeting, notice, user)
            messages.success(request, _("Đã lưu dự thảo."))
    except ServiceError as error:
        messages.error(request, str(error))
    return redirect("assistant:notice", meeting_id=meeting.pk)


def _polish(
    request: HttpRequest, meeting: Meeting, notice: ConclusionNotice | None, user: User
) -> None:
    """Have the configured LLM rewrite the general assessment (checked: no new fact); the
    rewrite becomes the secretary's edit, which she reads, changes or undoes before approval."""
    draft = drafting.build_notice(meeting, user=user, notice=notice)
    try:
        text = polish.polish_assessment(draft)
    except polish.PolishRefused as refused:
        messages.error(request, str(refused))
        return
    content = dict(notice.content) if notice else {}
    content["assessment"] = text
    notice_services.save_notice_draft(
        actor=user, meeting=meeting, variant=draft.variant, content=content
    )
    messages.success(
        request,
        _("Đã viết lại phần “Đánh giá chung” bằng mô hình ngôn ngữ; hãy đọc lại trước khi duyệt."),
    )


def _save(
    request: HttpRequest, meeting: Meeting, notice: ConclusionNotice | None, user: User
) -> None:
    variant = request.POST.get("variant", NoticeVariant.COMMITTEE)
    if variant not in NoticeVariant.values:
        raise ServiceError(_("Cơ quan ban hành không hợp lệ."))
    # The defaults the overrides are measured against are the record's, not a stored draft's.
    base = drafting.build_notice(meeting, user=user, notice=None)
    parts = {
        name: request.POST[f"part_{name}"]
        for name in drafting.TEXT_PARTS
        if f"part_{name}" in request.POST
    }
    items: dict[str, dict[str, str]] = {}
    references: dict[str, list[int]] = {}
    for section in base.sections:
        given = {}
        for field in ("heading", "conclusion"):
            key = f"item_{section.key}_{field}"
            if key in request.POST:
                given[field] = request.POST[key]
        items[section.key] = given
        ids = [
            int(v)
            for v in request.POST.getlist(f"ref_{section.key}")
            if v.isascii() and v.isdigit() and len(v) < 12
        ]
        references[section.key] = list(dict.fromkeys(ids))
    content = drafting.overrides_from(base, parts=parts, items=items, references=references)
    # References the user may not read are dropped here, so none is ever stored.
    _sentences, valid, dropped = drafting.accepted_references(content, user)
    if dropped:
        raise ServiceError(_("Có văn bản tham chiếu không còn trong thư viện; hãy tải lại trang."))
    if valid:
        content["references"] = valid
    notice_services.save_notice_draft(actor=user, meeting=meeting, variant=variant, content=content)


def _export(
    request: HttpRequest, meeting_id: int
) -> tuple[decree30.AdminDocument, str, ConclusionNotice | None, Meeting]:
    access, notice = _readable(request, meeting_id)
    meeting = access.meeting
    draft = drafting.build_notice(meeting, user=current_user(request), notice=notice)
    return drafting.to_document(draft), drafting.file_stem(meeting, notice), notice, meeting


def _download(
    request: HttpRequest, meeting_id: int, data: bytes, filename: str, content_type: str
) -> HttpResponse:
    """The file, and an audit row saying who took it (as for the minutes and the invitation)."""
    record_access(
        meeting_id=meeting_id,
        type=Event.RECORD_DOWNLOADED,
        payload={"record": "notice", "format": filename.rsplit(".", 1)[-1]},
        actor=current_user(request),
    )
    return attachment_response(data, filename=filename, content_type=content_type)


@login_required
@rate_limited("exports")
@require_GET
def notice_docx(request: HttpRequest, meeting_id: int) -> HttpResponse:
    document, stem, _notice, _meeting = _export(request, meeting_id)
    return _download(
        request,
        meeting_id,
        decree30.render_docx(document),
        f"{stem}.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )


@login_required
@rate_limited("exports")
@require_GET
def notice_pdf(request: HttpRequest, meeting_id: int) -> HttpResponse:
    document, stem, notice, meeting = _export(request, meeting_id)
    # An issued notice never changes: its PDF is kept as first made, byte for byte.
    kept = f"{notice.pk}-{stem}.pdf" if notice is not None and notice.number else ""
    if kept and notice_pdf_storage.exists(kept):
        with notice_pdf_storage.open(kept, "rb") as file:
            pdf = file.read()
    else:
        job = request_pdf(decree30.render_docx(document), kind="notice")
        if job.status is PdfStatus.FAILED:
            messages.error(request, job.reason)
            return redirect("assistant:notice", meeting_id=meeting_id)
        if job.status is not PdfStatus.READY:
            return pending_page(
                request,
                meeting=meeting,
                job=job,
                poll_url=status_url(reverse("assistant:notice_pdf_status", args=[meeting_id]), job),
                pdf_url=request.path,
                docx_url=reverse("assistant:notice_docx", args=[meeting_id]),
            )
        pdf = job.read()
        if kept:
            notice_pdf_storage.save(kept, ContentFile(pdf))
    return _download(request, meeting_id, pdf, f"{stem}.pdf", "application/pdf")


@login_required
@require_GET
def notice_pdf_status(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """What the notice's pending PDF page polls: the same access as the PDF, not rate-limited,
    builds nothing (cabinet/records/generated_pages.py)."""
    _readable(request, meeting_id)
    return status_fragment(
        request,
        kind="notice",
        poll_base=reverse("assistant:notice_pdf_status", args=[meeting_id]),
        pdf_url=reverse("assistant:notice_pdf", args=[meeting_id]),
        docx_url=reverse("assistant:notice_docx", args=[meeting_id]),
    )
