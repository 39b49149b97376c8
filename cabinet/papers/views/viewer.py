"""The paper viewer (pdf.js), its search, and the redirect to a paper's current version."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cabinet.core.event_types import Event
from cabinet.core.events import record_access
from cabinet.core.http import current_user
from cabinet.core.permissions import can_manage_meeting
from cabinet.core.text import fold
from cabinet.meetings import selectors
from cabinet.models import PaperVersion, User, VersionStatus
from cabinet.papers.selectors import search_version
from cabinet.papers.services.reading import mark_paper_opened

SEARCH_MIN_CHARS = 2
SEARCH_MAX_CHARS = 200
SEARCH_MAX_HITS = 100
# A stand-in version number, replaced in the browser to build the URL of a version it learns about.
URL_NUMBER_PLACEHOLDER = 999999999
# Sent by offline.js when it stores the viewer page in the offline cache.
OFFLINE_PREFETCH_HEADER = "X-Offline-Prefetch"


# --- Views -------------------------------------------------------------------------------------------


@login_required
def paper_latest(request: HttpRequest, paper_id: int) -> HttpResponse:
    paper, _participant = selectors.paper_for(request.user, paper_id)
    current = paper.current_version
    if "application/json" in request.headers.get("Accept", ""):
        # The open viewer asks this when it may have missed a socket event (see live.js).
        return JsonResponse(
            {"paper": paper.pk, "version": current.number if current else None},
            headers={"Cache-Control": "no-store"},
        )
    if current is None:  # an organizer following an upload that is not ready yet
        return redirect("cabinet:meeting", meeting_id=paper.meeting_id)
    return redirect("cabinet:paper_view", paper_id=paper.pk, number=current.number)


def watermark_text(user: User, meeting_title: str) -> str:
    unit = (user.unit.short_name or user.unit.name) if user.unit else ""
    when = date_format(timezone.localtime(), "d/m/Y H:i")
    parts = [user.get_full_name(), unit, when, meeting_title]
    return " · ".join(p for p in parts if p)


@login_required
@require_GET
def paper_view(request: HttpRequest, paper_id: int, number: int) -> HttpResponse:
    version, participant = selectors.paper_version_for(request.user, paper_id, number)
    user = current_user(request)
    paper = version.paper
    meeting = paper.meeting
    ready_versions = list(
        PaperVersion.objects.filter(paper=paper, status=VersionStatus.READY)
        .order_by("-number")
        .only("number", "page_count", "ready_at", "note", "paper_id")
    )
    newest = ready_versions[0]
    # Saving the page for offline reading is not reading it: the manifest already logged it as
    # Event.PAPER_CACHED_OFFLINE, and the paper must stay flagged unread until it is opened.
    if request.headers.get(OFFLINE_PREFETCH_HEADER) != "1":
        record_access(
            meeting_id=meeting.pk,
            type=Event.PAPER_VIEWED,
            payload={"paper": paper.pk, "version": version.number},
            actor=user,
        )
        mark_paper_opened(user=user, version=version)

    def url(name: str, *args: int) -> str:
        return reverse(name, args=args)

    config = {
        "paper": paper.pk,
        "version": version.number,
        "newest": newest.number,
        "pages": version.page_count,
        "meeting": meeting.pk,
        "seq": meeting.last_seq,
        "user": user.pk,
        "file": url("cabinet:paper_file", paper.pk, version.number),
        "search": url("cabinet:paper_search", paper.pk, version.number),
        "latest": url("cabinet:paper_latest", paper.pk),
        "notes": url("cabinet:note_list", paper.pk),
        "comments": url("cabinet:paper_comments", paper.pk),
        "viewTemplate": url("cabinet:paper_view", paper.pk, URL_NUMBER_PLACEHOLDER),
        "compareTemplate": url(
            "cabinet:paper_compare", paper.pk, version.number, URL_NUMBER_PLACEHOLDER
        ),
        "placeholder": str(URL_NUMBER_PLACEHOLDER),
        "pdfjs": static("vendor/pdfjs/pdf.min.mjs"),
        "worker": static("vendor/pdfjs/pdf.worker.min.mjs"),
        "sw": reverse("service_worker"),
    }
    return render(
        request,
        "cabinet/viewer.html",
        {
            "paper": paper,
            "version": version,
            "meeting": meeting,
            "participant": participant,
            "agenda": selectors.agenda_for(participant),
            "meeting_papers": selectors.meeting_level_papers(participant),
            "versions": ready_versions,
            "newest": newest,
            "is_old": newest.number > version.number,
            "can_manage": can_manage_meeting(participant),
            "watermark": watermark_text(user, meeting.title),
            "viewer_config": config,
        },
    )


@login_required
@require_GET
def paper_search(request: HttpRequest, paper_id: int, number: int) -> HttpResponse:
    version, _participant = selectors.paper_version_for(request.user, paper_id, number)
    query = " ".join(request.GET.get("q", "").split())[:SEARCH_MAX_CHARS]
    if len(fold(query).replace(" ", "")) < SEARCH_MIN_CHARS:
        return JsonResponse(
            {"error": _("Hãy nhập ít nhất %(n)d ký tự để tìm.") % {"n": SEARCH_MIN_CHARS}},
            status=400,
        )
    hits = search_version(version, query, limit=SEARCH_MAX_HITS + 1)
    return JsonResponse(
        {
            "query": query,
            "hits": [
                {"page": h.page, "snippet": h.snippet, "match": h.match}
                for h in hits[:SEARCH_MAX_HITS]
            ],
            "truncated": len(hits) > SEARCH_MAX_HITS,
        }
    )
