"""The assistant (questions, answers with citations, the user's history) and the directive library
(list, viewer, the managers' upload/edit/re-index/delete). Thin: parse, call one service, render.

Access: every view needs a signed-in user; a directive the user may not read is a 404 (never a
403, which would confirm it exists); the library's management URLs are 403 for non-managers.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotModified,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST, require_safe

from assistant.answers.ask import ask
from assistant.forms import (
    AskForm,
    DirectiveEditForm,
    DirectiveUploadForm,
    LibraryFilterForm,
)
from assistant.library import services as library
from assistant.models import Directive, DirectivePage, Question, SourceFormat
from assistant.permissions import can_manage_library
from assistant.search.retrieval import visible_directives
from cabinet.core.errors import ServiceError
from cabinet.meetings.selectors import meeting_access
from cabinet.models import User
from cabinet.papers.lib.delivery import inline_pdf_response, none_match
from cabinet.trust.ratelimit import rate_limited

logger = logging.getLogger(__name__)

HISTORY_SIZE = 20
LIBRARY_PAGE_SIZE = 30


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _history(user: User) -> list[Question]:
    return list(
        Question.objects.filter(user=user).only("pk", "text", "found", "asked_at", "meeting_id")[
            :HISTORY_SIZE
        ]
    )


def _answer_context(answer: Mapping[str, Any]) -> dict[str, Any]:
    """``answer``: AnswerJSON, or a history row's (Question.answer), kept as it was then."""
    confidence = float(answer.get("confidence") or 0)
    return {"answer": answer, "confidence_pct": round(confidence * 100)}


def failure_message(directive: Directive) -> str:
    """Why processing refused the file, in the reader's language (FAILURES holds lazy strings)."""
    if not directive.error:
        return ""
    return str(library.FAILURES.get(directive.error, library.FAILURES["internal"]))


# --- The assistant ---------------------------------------------------------------------------------


def _checked_meeting(request: HttpRequest, form: AskForm) -> None:
    """A question scoped to a meeting is for its participants only (404 otherwise)."""
    meeting_id = form.cleaned_data.get("meeting")
    if meeting_id:
        meeting_access(request.user, int(meeting_id))


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "assistant/home.html",
        {"form": AskForm(), "history": _history(_user(request))},
    )


@login_required
@rate_limited("ask")
@require_POST
def ask_view(request: HttpRequest) -> HttpResponse:
    """The question box (htmx): the answer as a partial, the history list updated out of band.
    Without JavaScript the form posts normally and lands on the stored answer."""
    user = _user(request)
    form = AskForm(request.POST)
    if not form.is_valid():
        if _is_htmx(request):
            return render(request, "assistant/_ask_error.html", {"error": form.first_error()})
        return render(
            request,
            "assistant/home.html",
            {"form": form, "history": _history(user), "error": form.first_error()},
        )
    _checked_meeting(request, form)
    result, row = ask(form.cleaned_data["question"], user=user, scope=form.scope())
    if not _is_htmx(request):
        return redirect("assistant:history", question_id=row.pk)
    context = _answer_context(result.as_json()) | {
        "history": _history(user),
        "current": row.pk,
        "oob_history": not form.cleaned_data.get("meeting"),
    }
    return render(request, "assistant/_answer_response.html", context)


def _json_error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse(
        {"error": message}, status=status, json_dumps_params={"ensure_ascii": False}
    )


@rate_limited("ask", as_json=True)
@require_POST
def ask_json(request: HttpRequest) -> JsonResponse:
    """POST {"question", "meeting"?, "doc_types"?, "issuer"?, "date_from"?, "date_to"?} →
    the answer (Answer.as_json()) and its "history_id". CSRF applies (X-CSRFToken header).
    Every refusal is JSON {"error": ...}: 401 signed out, 404 a meeting the user is not in."""
    if not request.user.is_authenticated:
        return _json_error(_("Hãy đăng nhập để hỏi trợ lý."), status=401)
    try:
        body = json.loads(request.body.decode("utf-8") or "null")
    except (UnicodeDecodeError, ValueError):
        return _json_error(_("Dữ liệu gửi lên không phải JSON hợp lệ."))
    if not isinstance(body, dict):
        return _json_error(_("Dữ liệu gửi lên phải là một đối tượng JSON có trường “question”."))
    question = body.get("question")
    if question is not None and not isinstance(question, str):
        return _json_error(_("Câu hỏi phải là một chuỗi ký tự."))
    doc_types = body.get("doc_types") or []
    if isinstance(doc_types, str):
        doc_types = [doc_types]
    if not isinstance(doc_types, list) or not all(isinstance(t, str) for t in doc_types):
        return _json_error(_("“doc_types” phải là danh sách các loại văn bản."))
    data: dict[str, Any] = {
        "question": question or "",
        "doc_types": doc_types,
        **{
            name: "" if body.get(name) is None else str(body[name])
            for name in ("issuer", "date_from", "date_to", "meeting")
        },
    }
    form = AskForm(data)
    if not form.is_valid():
        return _json_error(form.first_error())
    try:
        _checked_meeting(request, form)
    except Http404:
        return _json_error(_("Không tìm thấy cuộc họp này trong các cuộc họp của đồng chí."), 404)
    result, row = ask(form.cleaned_data["question"], user=_user(request), scope=form.scope())
    return JsonResponse(
        result.as_json() | {"history_id": row.pk},
        json_dumps_params={"ensure_ascii": False},
    )


@login_required
@require_GET
def history(request: HttpRequest, question_id: int) -> HttpResponse:
    """A stored answer: only its asker may see it (404 for anyone else)."""
    user = _user(request)
    row = Question.objects.filter(pk=question_id, user=user).first()
    if row is None:
        raise Http404
    context = _answer_context(row.answer) | {"current": row.pk, "asked_at": row.asked_at}
    if _is_htmx(request):
        return render(request, "assistant/_answer.html", context)
    form = AskForm(initial={"question": row.text})
    return render(
        request, "assistant/home.html", context | {"form": form, "history": _history(user)}
    )


# --- The library -----------------------------------------------------------------------------------


def _visible(user: User) -> QuerySet[Directive]:
    return Directive.objects.filter(visible_directives(user)).distinct()


def _directive_for(request: HttpRequest, directive_id: int) -> Directive:
    """A directive the user may read, or 404 (no existence leak)."""
    directive = _visible(_user(request)).filter(pk=directive_id).first()
    if directive is None:
        raise Http404
    return directive


def _managed_directive(request: HttpRequest, directive_id: int) -> Directive:
    """For the library's managers only (403), who see every directive (404 if it is gone)."""
    if not can_manage_library(request.user):
        raise PermissionDenied
    directive = Directive.objects.filter(pk=directive_id).first()
    if directive is None:
        raise Http404
    return directive


@login_required
@require_GET
def library_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    filters = LibraryFilterForm(request.GET or None)
    directives = _visible(user)
    if filters.is_valid():
        text = " ".join(filters.cleaned_data["q"].split())
        if text:
            directives = directives.filter(Q(title__icontains=text) | Q(number__icontains=text))
        if filters.cleaned_data["doc_type"]:
            directives = directives.filter(doc_type=filters.cleaned_data["doc_type"])
    page = Paginator(directives.order_by("-issued_on", "-created_at", "-pk"), LIBRARY_PAGE_SIZE)
    current = page.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assistant/library.html",
        {
            "filters": filters,
            "page_obj": current,
            "directives": [(d, failure_message(d)) for d in current.object_list],
            "can_manage": can_manage_library(user),
            "query": query.urlencode(),
            "filtered": bool(request.GET.get("q") or request.GET.get("doc_type")),
        },
    )


@login_required
@require_GET
def directive_status(request: HttpRequest, directive_id: int) -> HttpResponse:
    """Polled (htmx) while a directive is processed: its list row, or on its own page the status
    until it is done, then a refresh to show the document."""
    directive = _directive_for(request, directive_id)
    if request.GET.get("as") == "detail":
        if not directive.is_processing:
            return HttpResponse(headers={"HX-Refresh": "true"})
        return render(
            request,
            "assistant/_directive_status.html",
            {"directive": directive, "failure": failure_message(directive), "poll": "detail"},
        )
    return render(
        request,
        "assistant/_directive_row.html",
        {
            "directive": directive,
            "failure": failure_message(directive),
            "can_manage": can_manage_library(request.user),
        },
    )


@login_required
@require_GET
def directive_view(request: HttpRequest, directive_id: int) -> HttpResponse:
    """The directive's page: metadata and the document (pdf.js, or the page texts of a plain-text
    directive), opened at ``#page=N&hl=text`` with that text highlighted."""
    directive = _directive_for(request, directive_id)
    has_pdf = bool(directive.file and directive.file.name) and not directive.is_processing
    pages = (
        list(DirectivePage.objects.filter(directive=directive).order_by("number"))
        if not has_pdf and not directive.is_processing
        else []
    )
    config = {
        "file": reverse("assistant:directive_file", args=[directive.pk]) if has_pdf else "",
        "pdfjs": static("vendor/pdfjs/pdf.min.mjs"),
        "worker": static("vendor/pdfjs/pdf.worker.min.mjs"),
        "pages": directive.page_count or len(pages),
    }
    return render(
        request,
        "assistant/directive.html",
        {
            "directive": directive,
            "failure": failure_message(directive),
            "has_pdf": has_pdf,
            "is_text": directive.source_format == SourceFormat.TXT,
            "pages": pages,
            "can_manage": can_manage_library(request.user),
            "allowed_units": list(directive.allowed_units.all()),
            "allowed_users": list(directive.allowed_users.all()),
            "viewer_config": config,
        },
    )


def _file_headers(response: HttpResponseBase, etag: str) -> HttpResponseBase:
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-store"
    response["Accept-Ranges"] = "bytes"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_safe
def directive_file(request: HttpRequest, directive_id: int) -> HttpResponseBase:
    """The directive's PDF for the viewer, after the permission check; Range is honoured so that
    pdf.js loads only the pages looked at. Never cached (access may be withdrawn)."""
    directive = _directive_for(request, directive_id)
    if not directive.file or not directive.file.name or directive.is_processing:
        raise Http404
    try:
        fd = os.open(directive.file.path, os.O_RDONLY)
    except FileNotFoundError:
        logger.error("directive %s: file %s is missing", directive.pk, directive.file.name)
        raise Http404 from None
    try:
        stat = os.fstat(fd)
    except BaseException:
        os.close(fd)
        raise
    etag = f'"{directive.sha256[:20]}-{stat.st_size}-{int(stat.st_mtime)}"'
    if none_match(request.headers.get("If-None-Match"), etag):
        os.close(fd)
        return _file_headers(HttpResponseNotModified(), etag)
    name = f"{directive.label}.pdf".replace("/", "-")
    return _file_headers(inline_pdf_response(request, fd, etag=etag, filename=name), etag)


# --- The library's management (managers only) ------------------------------------------------------


def _access_from(form: DirectiveUploadForm | DirectiveEditForm) -> library.Access:
    data = form.cleaned_data
    return library.Access(
        visibility=data["visibility"],
        units=list(data.get("units") or []),
        users=list(data.get("users") or []),
    )


def _limits() -> dict[str, int]:
    return {
        "max_mb": settings.PAPER_MAX_BYTES // (1024 * 1024),
        "max_pages": settings.PAPER_MAX_PAGES,
    }


@login_required
def directive_upload(request: HttpRequest) -> HttpResponse:
    if not can_manage_library(request.user):
        raise PermissionDenied
    form = DirectiveUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            directive = library.add_directive(
                upload=form.cleaned_data["file"],
                actor=_user(request),
                access=_access_from(form),
                fields=form.metadata(),
            )
        except ServiceError as error:
            form.add_error("file", str(error))
        else:
            messages.success(
                request,
                _("Đã tải lên “%(name)s”; hệ thống đang đọc và lập chỉ mục văn bản.")
                % {"name": directive.original_name},
            )
            return redirect("assistant:library")
    return render(request, "assistant/directive_upload.html", {"form": form, **_limits()})


@login_required
def directive_edit(request: HttpRequest, directive_id: int) -> HttpResponse:
    directive = _managed_directive(request, directive_id)
    form = DirectiveEditForm(
        request.POST or None, initial=DirectiveEditForm.initial_from(directive)
    )
    if request.method == "POST" and form.is_valid():
        try:
            library.update_directive(
                directive=directive,
                actor=_user(request),
                fields=form.metadata(),
                access=_access_from(form),
            )
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Đã lưu thông tin văn bản."))
            return redirect("assistant:directive_view", directive_id=directive.pk)
    return render(request, "assistant/directive_edit.html", {"form": form, "directive": directive})


@login_required
@require_POST
def directive_reindex(request: HttpRequest, directive_id: int) -> HttpResponse:
    directive = _managed_directive(request, directive_id)
    try:
        library.reindex_directive(directive=directive, actor=_user(request))
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Đã xếp “%(name)s” vào hàng đợi lập chỉ mục lại.") % {"name": directive.label},
        )
    return redirect("assistant:library")


@login_required
def directive_delete(request: HttpRequest, directive_id: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes."""
    directive = _managed_directive(request, directive_id)
    if request.method == "POST":
        try:
            library.delete_directive(directive=directive, actor=_user(request))
        except ServiceError as error:
            messages.error(request, str(error))
            return redirect("assistant:directive_view", directive_id=directive.pk)
        messages.success(request, _("Đã xóa “%(name)s” khỏi thư viện.") % {"name": directive.label})
        return redirect("assistant:library")
    return render(request, "assistant/directive_delete.html", {"directive": directive})
