"""Placeholder: being written (paper delivery: Range/ETag streaming, watermarked downloads)."""

from django.http import Http404, HttpRequest, HttpResponse


def paper_file(request: HttpRequest, paper_id: int, number: int) -> HttpResponse:
    raise Http404


def paper_download(request: HttpRequest, paper_id: int, number: int) -> HttpResponse:
    raise Http404
