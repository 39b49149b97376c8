"""Comments on draft papers (góp ý): participants send them, the secretary reads them all and
exports them as a DOCX summary.

POST /papers/<paper_id>/comments/ also takes JSON {body, quote?, page?, version?} (the viewer
sends the selected passage): 201 {"comment": {...}}, or {"error": "..."} with 400 (refused),
401 (signed out), 404 (paper not readable), 413 (body over 32 KB).
"""

from __future__ import annotations

import io
import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from cabinet.core.audit import audit
from cabinet.core.errors import ServiceError
from cabinet.core.http import current_user
from cabinet.core.permissions import can_manage_meeting
from cabinet.core.text import ascii_slug
from cabinet.meetings.selectors import paper_for
from cabinet.models import (
    AuditAction,
    Paper,
    PaperComment,
    PaperVersion,
    Participant,
    ParticipantRole,
    VersionStatus,
)
from cabinet.papers.services import comments as comment_services
from cabinet.trust.ratelimit import rate_limited

MAX_JSON_BYTES = 32 * 1024
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class CommentForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Nội dung góp ý"),
        max_length=comment_services.MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    quote = forms.CharField(
        label=gettext_lazy("Đoạn trích (nếu có)"),
        max_length=comment_services.MAX_QUOTE,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    page = forms.IntegerField(label=gettext_lazy("Trang"), required=False, min_value=1)


def _version_number(raw: str | None) -> int | None:
    """The version named by the form's hidden field (rendered by the template, not the form, so
    that the shared field markup does not label it); anything unusable means the newest."""
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


def _is_json(request: HttpRequest) -> bool:
    return request.content_type == "application/json"


def _can_comment(participant: Participant, paper: Paper) -> bool:
    return (
        participant.role != ParticipantRole.OBSERVER
        and paper.meeting.status not in comment_services.CLOSED
    )


def _version(paper: Paper, number: int | None) -> PaperVersion:
    """The version a comment is on: the one named, else the newest ready one."""
    if number is None:
        version = paper.current_version
    else:
        version = next((v for v in paper.versions.all() if v.number == number), None)
    if version is None or version.status != VersionStatus.READY:
        raise ServiceError(_("Phiên bản tài liệu không hợp lệ."))
    return version


def comment_json(comment: PaperComment) -> dict[str, Any]:
    author = comment.author
    return {
        "id": comment.pk,
        "version": comment.version.number,
        "page": comment.page,
        "quote": comment.quote,
        "body": comment.body,
        "created_at": comment.created_at.isoformat(),
        "author": {
            "name": author.full_name or author.username,
            "position": author.position,
            "unit": author.unit.name if author.unit else "",
        },
    }


def _json_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _json_comment(request: HttpRequest, paper: Paper) -> HttpResponse:
    if len(request.body) > MAX_JSON_BYTES:
        return _json_error(_("Dữ liệu gửi lên quá lớn."), 413)
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        data = None
    if not isinstance(data, dict):
        return _json_error(_("Dữ liệu gửi lên không hợp lệ."), 400)
    body, quote = data.get("body"), data.get("quote") or ""
    page, number = data.get("page"), data.get("version")
    numbers_valid = all(
        v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in (page, number)
    )
    if not isinstance(body, str) or not isinstance(quote, str) or not numbers_valid:
        return _json_error(_("Dữ liệu gửi lên không hợp lệ."), 400)
    try:
        comment = comment_services.add_comment(
            author=current_user(request),
            paper=paper,
            version=_version(paper, number),
            body=body,
            quote=quote,
            page=page,
        )
    except ServiceError as error:
        return _json_error(str(error), 400)
    return JsonResponse({"comment": comment_json(comment)}, status=201)


@require_http_methods(["GET", "POST"])
def paper_comments(request: HttpRequest, paper_id: int) -> HttpResponse:
    """The secretary sees every comment on the paper, by version; everyone else sends theirs and
    sees their own."""
    if not request.user.is_authenticated:
        if _is_json(request):
            return _json_error(_("Phiên đăng nhập đã hết; hãy đăng nhập lại."), 401)
        return redirect_to_login(request.get_full_path())
    try:
        paper, participant = paper_for(request.user, paper_id)
    except Http404:
        if _is_json(request):
            return _json_error(_("Không tìm thấy."), 404)
        raise
    if request.method == "POST" and _is_json(request):
        return _json_comment(request, paper)

    if request.method == "POST":
        form = CommentForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                comment_services.add_comment(
                    author=current_user(request),
                    paper=paper,
                    version=_version(paper, _version_number(request.POST.get("version"))),
                    body=data["body"],
                    quote=data["quote"],
                    page=data["page"],
                )
            except ServiceError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Đã gửi góp ý. Cảm ơn đồng chí."))
                return redirect("cabinet:paper_comments", paper_id=paper.pk)
    else:
        # The viewer may link here with the selected passage: ?quote=…&page=…&version=…
        form = CommentForm(
            initial={
                key: request.GET[key] for key in ("quote", "page", "version") if key in request.GET
            }
        )

    comments = PaperComment.objects.filter(paper=paper).select_related("author__unit", "version")
    manage = can_manage_meeting(participant)
    if not manage:
        comments = comments.filter(author=current_user(request))
    comments = comments.order_by("-version__number", "created_at")
    groups: list[tuple[PaperVersion, list[PaperComment]]] = []
    for comment in comments:
        if not groups or groups[-1][0].pk != comment.version_id:
            groups.append((comment.version, []))
        groups[-1][1].append(comment)
    return render(
        request,
        "cabinet/paper_comments.html",
        {
            "paper": paper,
            "meeting": paper.meeting,
            "participant": participant,
            "can_manage": manage,
            "can_comment": _can_comment(participant, paper),
            "is_observer": participant.role == ParticipantRole.OBSERVER,
            "form": form,
            "groups": groups,
            "comment_count": sum(len(items) for _version, items in groups),
            "current": paper.current_version,
            "form_version": _version_number(
                request.POST.get("version")
                if request.method == "POST"
                else request.GET.get("version")
            ),
        },
    )


@rate_limited("exports")
@require_GET
def comments_export(request: HttpRequest, paper_id: int) -> HttpResponse:
    """The consolidated comments as a DOCX: the secretary's only (403 for other participants)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    paper, participant = paper_for(request.user, paper_id)
    if not can_manage_meeting(participant):
        raise PermissionDenied
    comments = list(
        PaperComment.objects.filter(paper=paper)
        .select_related("author__unit", "version")
        .order_by("version__number", "created_at")
    )
    content = build_comments_docx(paper, comments)
    audit(
        request,
        action=AuditAction.EXPORT_COMMENTS,
        obj=paper,
        meeting_id=paper.meeting_id,
        detail={"comments": len(comments)},
    )
    response = HttpResponse(content, content_type=DOCX_TYPE)
    filename = f"tong-hop-gop-y-{ascii_slug(paper.title)[:60] or 'tai-lieu'}-{paper.pk}.docx"
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# The DOCX follows the look of an administrative document (Decree 30/2020/NĐ-CP): A4, Times New
# Roman 13 pt body and 14 pt title, margins 20/20/30/15 mm; landscape for the five-column table.
FONT = "Times New Roman"


def _set_font(run: Any, size: float, *, bold: bool = False, italic: bool = False) -> None:
    run.font.name = FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    # Word picks the East Asian font slot for some Vietnamese characters unless it is set too.
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)


def _paragraph(
    container: Any,
    text: str,
    size: float = 13,
    *,
    bold: bool = False,
    italic: bool = False,
    center: bool = False,
) -> Any:
    paragraph = container.add_paragraph()
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(3)
    _set_font(paragraph.add_run(text), size, bold=bold, italic=italic)
    return paragraph


def _cell(cell: Any, text: str, *, bold: bool = False, italic: bool = False, center: bool = False):
    lines = text.split("\n")
    paragraph = cell.paragraphs[0]
    for index, line in enumerate(lines):
        if index:
            paragraph = cell.add_paragraph()
        if center:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _set_font(paragraph.add_run(line), 13, bold=bold, italic=italic)


def build_comments_docx(paper: Paper, comments: list[PaperComment]) -> bytes:
    meeting = paper.meeting
    document = Document()
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(13)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)

    _paragraph(document, _("TỔNG HỢP Ý KIẾN GÓP Ý"), 14, bold=True, center=True)
    _paragraph(document, paper.title, 14, bold=True, center=True)
    starts = timezone.localtime(meeting.starts_at)
    _paragraph(
        document,
        _("Cuộc họp: %(title)s, ngày %(date)s")
        % {
            "title": meeting.title,
            "date": starts.strftime("%d/%m/%Y"),
        },
        center=True,
        italic=True,
    )
    versions = sorted({c.version.number for c in comments})
    summary = _("Số ý kiến: %(n)d") % {"n": len(comments)}
    if versions:
        summary += " · " + _("Phiên bản: %(v)s") % {"v": ", ".join(str(v) for v in versions)}
    _paragraph(document, summary, center=True)

    headers = [
        _("STT"),
        _("Đại biểu"),
        _("Trang / đoạn trích"),
        _("Nội dung góp ý"),
        _("Thời gian"),
    ]
    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, header in zip(table.rows[0].cells, headers, strict=True):
        _cell(cell, header, bold=True, center=True)
    for number, comment in enumerate(comments, 1):
        author = comment.author
        who = "\n".join(
            part
            for part in (
                author.full_name or author.username,
                author.position,
                author.unit.name if author.unit else "",
            )
            if part
        )
        where_parts = [_("Phiên bản %(v)d") % {"v": comment.version.number}]
        if comment.page:
            where_parts.append(_("Trang %(p)d") % {"p": comment.page})
        if comment.quote:
            where_parts.append(f"“{comment.quote}”")
        cells = table.add_row().cells
        _cell(cells[0], str(number), center=True)
        _cell(cells[1], who)
        _cell(cells[2], "\n".join(where_parts))
        _cell(cells[3], comment.body)
        _cell(cells[4], timezone.localtime(comment.created_at).strftime("%H:%M %d/%m/%Y"))
    widths = [Mm(12), Mm(50), Mm(70), Mm(90), Mm(30)]
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    if not comments:
        _paragraph(document, _("Chưa có ý kiến góp ý."), italic=True, center=True)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
