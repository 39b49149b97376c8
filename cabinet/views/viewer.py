"""Placeholder: being written (the pdf.js viewer, search, compare)."""

from django.http import Http404, HttpRequest, HttpResponse


def paper_latest(request: HttpRequest, paper_id: int) -> HttpResponse:
    raise Http404


def paper_view(request: HttpRequest, paper_id: int, number: int) -> HttpResponse:
    raise Http404


def paper_search(request: HttpRequest, paper_id: int, number: int) -> HttpResponse:
    raise Http404
