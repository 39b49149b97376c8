"""Placeholder: being written (what changed between two versions)."""

from django.http import Http404, HttpRequest, HttpResponse


def paper_compare(request: HttpRequest, paper_id: int, old: int, new: int) -> HttpResponse:
    raise Http404
