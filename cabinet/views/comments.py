"""Placeholder: being written (comments on drafts, DOCX export)."""

from django.http import Http404, HttpRequest, HttpResponse


def paper_comments(request: HttpRequest, paper_id: int) -> HttpResponse:
    raise Http404


def comments_export(request: HttpRequest, paper_id: int) -> HttpResponse:
    raise Http404
