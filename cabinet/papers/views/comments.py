"""Comments on draft papers (góp ý): participants send them, the secretary reads them all (and
exports them as a DOCX summary: cabinet/records/views/comments.py).

POST /papers/<paper_id>/comments/ also takes JSON {body, quote?, page?, version?} (the viewer
sends the selected passage): 201 {"comment": {...}}, or {"error": "..."} with 400 (refused),
401 (signed out), 404 (paper not readable), 413 (body over 32 KB).
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from cabinet.core.errors import ServiceError
from cabinet.core.http import current_user
from cabinet.core.permissions import can_manage_meeting
from cabinet.meetings.selectors import paper_for
from cabinet.models import (
    Paper,
    PaperComment,
    PaperVersion,
    Participant,
    ParticipantRole,
    VersionStatus,
)
from cabinet.papers.services import comments as comment_services

MAX_JSON_BYTES = 32 * 1024


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
