"""Offline reading: what a tablet caches for a meeting, the service worker that serves it, and a
logout that wipes it."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from cabinet.core.event_types import Event
from cabinet.core.events import record_access
from cabinet.core.http import current_user
from cabinet.meetings import selectors
from cabinet.models import Paper, PaperVersion, VersionStatus

STATIC_DIR = Path(__file__).resolve().parents[2] / "static" / "cabinet"  # from cabinet/papers/views
SERVICE_WORKER = STATIC_DIR / "js" / "sw.js"

# What the viewer page loads, besides the paper itself.
VIEWER_ASSETS = [
    "cabinet/css/app.css",
    "cabinet/css/viewer.css",
    "cabinet/css/room.css",
    "vendor/htmx/htmx.min.js",
    "vendor/pdfjs/pdf.min.mjs",
    "vendor/pdfjs/pdf.worker.min.mjs",
    "cabinet/js/meeting-live.js",
    "cabinet/js/confirm.js",
    "cabinet/js/offline.js",
]


def offline_cache_name(*, user_id: int, meeting_id: int) -> str:
    """One cache per user and meeting: the service worker reads only the signed-in user's caches."""
    return f"offline-u{user_id}-m{meeting_id}"


def _asset_urls() -> list[str]:
    # The viewer's modules and the live room client it imports (the meeting page's panel).
    modules = sorted(
        f"cabinet/js/{folder}/{p.name}"
        for folder in ("viewer", "live")
        for p in (STATIC_DIR / "js" / folder).glob("*.js")
    )
    return [static(name) for name in VIEWER_ASSETS + modules]


@login_required
@require_POST
def offline_manifest(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The URLs to cache for reading the meeting without a network: its page, each readable paper's
    viewer page and PDF (current version), the notes, and the viewer's static files.

    POST because it is recorded: every paper listed is logged as cached for offline reading. The
    list is also the authority for pruning: the browser drops cached URLs it no longer contains.
    """
    access = selectors.meeting_access(request.user, meeting_id)
    user = current_user(request)
    papers = list(
        selectors.papers_for(access.participant).order_by("agenda_item__position", "created_at")
    )
    newest = {
        v.paper_id: v
        for v in PaperVersion.objects.filter(paper__in=papers, status=VersionStatus.READY).order_by(
            "paper_id", "number"
        )
    }  # the last one per paper wins: its current version
    urls = [reverse("cabinet:meeting", args=[meeting_id])]
    listed: list[tuple[Paper, PaperVersion]] = []
    for paper in papers:
        version = newest.get(paper.pk)
        if version is None:
            continue
        listed.append((paper, version))
        urls += [
            reverse("cabinet:paper_view", args=[paper.pk, version.number]),
            reverse("cabinet:paper_file", args=[paper.pk, version.number]),
            reverse("cabinet:note_list", args=[paper.pk]),
        ]
    for paper, version in listed:
        record_access(
            meeting_id=meeting_id,
            type=Event.PAPER_CACHED_OFFLINE,
            payload={"paper": paper.pk, "version": version.number},
            actor=user,
        )
    return JsonResponse(
        {
            "meeting": meeting_id,
            "cache": offline_cache_name(user_id=user.pk, meeting_id=meeting_id),
            "user": user.pk,
            "papers": [
                {
                    "id": paper.pk,
                    "title": paper.title,
                    "version": version.number,
                    "view": reverse("cabinet:paper_view", args=[paper.pk, version.number]),
                    "file": reverse("cabinet:paper_file", args=[paper.pk, version.number]),
                }
                for paper, version in listed
            ],
            # Seconds the tablet may serve its copies without a fresh download (sw.js).
            "max_age": settings.OFFLINE_MAX_SECONDS,
            "assets": _asset_urls(),
            "urls": urls + _asset_urls(),
        },
        headers={"Cache-Control": "no-store"},
    )


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The worker script, at the root so that its scope covers pages and paper URLs. It holds no
    data, only code; what it serves is checked by the server first (see sw.js)."""
    return HttpResponse(
        SERVICE_WORKER.read_bytes(),
        content_type="text/javascript; charset=utf-8",
        headers={"Service-Worker-Allowed": "/", "Cache-Control": "no-cache"},
    )


class LogoutView(auth_views.LogoutView):
    """Django's logout, plus an order to the browser to drop every cached paper and the service
    worker, so the next person on a shared tablet finds nothing of the previous one."""

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response
