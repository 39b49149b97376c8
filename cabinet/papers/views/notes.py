"""Private notes: a JSON API for the viewer. A user only ever sees and changes their own notes.

GET    /papers/<paper_id>/notes/[?version=n]  → 200 {"notes": [note, ...]}
POST   /papers/<paper_id>/notes/              → 201 {"note": note}
GET    /papers/<paper_id>/notes/<note_id>/    → 200 {"note": note}
PATCH  /papers/<paper_id>/notes/<note_id>/    → 200 {"note": note}
DELETE /papers/<paper_id>/notes/<note_id>/    → 204

Errors are {"error": "<message>"}: 400 (bad JSON, refused by validation), 401 (signed out),
404 (paper not readable, or not one's own note), 405 (method), 413 (body over 16 KB).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from cabinet.core.errors import ServiceError
from cabinet.core.http import current_user
from cabinet.meetings.selectors import paper_for
from cabinet.models import Paper, PaperNote, PaperVersion
from cabinet.papers.services import notes as note_services

MAX_BODY_BYTES = 16 * 1024

View = Callable[..., HttpResponse]


class BadRequest(Exception):
    """A request the API refuses, with a message fit to show the user."""


class TooLarge(Exception):
    pass


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def json_api(*methods: str) -> Callable[[View], View]:
    """Signed-in users only (401 rather than a redirect to the login page: the caller is a
    script), the given methods only (405), and every refusal as a JSON error."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return _error(_("Phiên đăng nhập đã hết; hãy đăng nhập lại."), 401)
            if request.method not in methods:
                response = _error(_("Phương thức không được hỗ trợ."), 405)
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, *args, **kwargs)
            except (BadRequest, ServiceError) as refusal:
                return _error(str(refusal), 400)
            except TooLarge:
                return _error(_("Dữ liệu gửi lên quá lớn."), 413)
            except Http404:
                return _error(_("Không tìm thấy."), 404)

        return wrapper

    return decorate


def _read_json(request: HttpRequest) -> dict[str, Any]:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        raise TooLarge
    raw = request.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise TooLarge
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest(_("Dữ liệu gửi lên không hợp lệ.")) from exc
    if not isinstance(data, dict):
        raise BadRequest(_("Dữ liệu gửi lên không hợp lệ."))
    return data


def _integer(data: dict[str, Any], name: str) -> int | None:
    """An optional integer field (absent or null: None)."""
    value = data.get(name)
    if value is None:
        return None
    # bool is an int in Python; true/false are not numbers here.
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadRequest(_("Trường “%(name)s” phải là một số nguyên.") % {"name": name})
    return value


def _required_integer(data: dict[str, Any], name: str) -> int:
    value = _integer(data, name)
    if value is None:
        raise BadRequest(_("Thiếu trường “%(name)s”.") % {"name": name})
    return value


def _string(data: dict[str, Any], name: str) -> str | None:
    """An optional string field (absent or null: None)."""
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest(_("Trường “%(name)s” phải là chuỗi ký tự.") % {"name": name})
    return value


def note_json(note: PaperNote) -> dict[str, Any]:
    return {
        "id": note.pk,
        "version": note.version.number,
        "original_version": note.original_version.number,
        "page": note.page,
        "quote": note.quote,
        "prefix": note.prefix,
        "suffix": note.suffix,
        "start": note.start,
        "end": note.end,
        "body": note.body,
        "color": note.color,
        "anchor_status": note.anchor_status,
        "anchor_label": str(note.get_anchor_status_display()),
        "created_at": note.created_at.isoformat(),
        "updated_at": note.updated_at.isoformat(),
    }


def _my_notes(request: HttpRequest, paper: Paper) -> Any:
    return PaperNote.objects.filter(user=current_user(request), paper=paper).select_related(
        "version", "original_version"
    )


@json_api("GET", "POST")
def note_list(request: HttpRequest, paper_id: int) -> HttpResponse:
    paper, _participant = paper_for(request.user, paper_id)
    if request.method == "GET":
        notes = _my_notes(request, paper)
        if "version" in request.GET:
            try:
                number = int(request.GET["version"])
            except ValueError as exc:
                raise BadRequest(_("Số phiên bản không hợp lệ.")) from exc
            notes = notes.filter(version__number=number)
        ordered = notes.order_by("version__number", "page", "start", "created_at")
        return JsonResponse({"notes": [note_json(note) for note in ordered]})

    data = _read_json(request)
    number = _required_integer(data, "version")
    version = PaperVersion.objects.filter(paper=paper, number=number).first()
    if version is None:
        raise BadRequest(_("Phiên bản tài liệu không tồn tại."))
    note = note_services.create_note(
        user=current_user(request),
        paper=paper,
        version=version,
        page=_required_integer(data, "page"),
        quote=_string(data, "quote") or "",
        prefix=_string(data, "prefix") or "",
        suffix=_string(data, "suffix") or "",
        start=_integer(data, "start"),
        end=_integer(data, "end"),
        body=_string(data, "body") or "",
        color=_string(data, "color") or "yellow",
    )
    return JsonResponse({"note": note_json(note)}, status=201)


@json_api("GET", "PATCH", "DELETE")
def note_detail(request: HttpRequest, paper_id: int, note_id: int) -> HttpResponse:
    paper, _participant = paper_for(request.user, paper_id)
    # Someone else's note is as absent as a note that does not exist.
    note = _my_notes(request, paper).filter(pk=note_id).first()
    if note is None:
        raise Http404
    if request.method == "GET":
        return JsonResponse({"note": note_json(note)})
    if request.method == "DELETE":
        note_services.delete_note(user=current_user(request), note=note)
        return HttpResponse(status=204)

    data = _read_json(request)
    note = note_services.update_note(
        user=current_user(request),
        note=note,
        body=_string(data, "body"),
        color=_string(data, "color"),
    )
    return JsonResponse({"note": note_json(note)})
