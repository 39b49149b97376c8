"""Placeholder: being written (offline reading: manifest and service worker)."""

from django.http import Http404, HttpRequest, HttpResponse


def offline_manifest(request: HttpRequest, meeting_id: int) -> HttpResponse:
    raise Http404


def service_worker(request: HttpRequest) -> HttpResponse:
    raise Http404
