"""What changed between two versions of a paper: their texts compared as a whole, so a change that
moves the line and page breaks after it is one change, shown with the page it is on now."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cabinet.meetings.selectors import paper_version_for
from cabinet.models import PageText, PaperVersion
from cabinet.papers.lib.compare import compare_texts


def _page_texts(version: PaperVersion) -> list[str]:
    return list(
        PageText.objects.filter(version=version).order_by("number").values_list("text", flat=True)
    )


@login_required
@require_GET
def paper_compare(request: HttpRequest, paper_id: int, old: int, new: int) -> HttpResponse:
    """Both versions must be ready and readable by the user (404 otherwise)."""
    old_version, participant = paper_version_for(request.user, paper_id, old)
    new_version, _ = paper_version_for(request.user, paper_id, new)
    comparison = compare_texts(_page_texts(old_version), _page_texts(new_version))
    paper = old_version.paper
    return render(
        request,
        "cabinet/paper_compare.html",
        {
            "paper": paper,
            "meeting": paper.meeting,
            "participant": participant,
            "old": old_version,
            "new": new_version,
            "comparison": comparison,
        },
    )
