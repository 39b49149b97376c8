"""Placeholder: being written (private notes JSON API)."""

from django.http import Http404, HttpRequest, HttpResponse


def note_list(request: HttpRequest, paper_id: int) -> HttpResponse:
    raise Http404


def note_detail(request: HttpRequest, paper_id: int, note_id: int) -> HttpResponse:
    raise Http404
