"""The pages of a generated document's PDF that is being made (cabinet/records/generated.py): the
"Đang tạo bản PDF…" page a download answers with (202) while the worker converts, and the
fragment it polls (htmx, no inline script: the CSP allows none) until the PDF can be downloaded.

Shared by the minutes and the invitation (cabinet/records/views/records.py) and the conclusion notice
(assistant/notices/views.py); each view checks its own access first and passes its own URLs. These
are response helpers, not views (no URL names them), so the assistant may use them.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from cabinet.models import Meeting
from cabinet.records.generated import KEY_PATTERN, GeneratedPdf, pdf_state

ACCEPTED = 202


def status_url(base: str, job: GeneratedPdf) -> str:
    """The fragment's address: the content's key travels with it, so that a poll need not build
    the document again to find it (it tells only whether that key's PDF is ready)."""
    return f"{base}?{urlencode({'key': job.key})}"


def pending_page(
    request: HttpRequest,
    *,
    meeting: Meeting,
    job: GeneratedPdf,
    poll_url: str,
    pdf_url: str,
    docx_url: str,
) -> HttpResponse:
    """202: the conversion is enqueued (or already in flight); the page follows it."""
    return render(
        request,
        "cabinet/generated_pdf_pending.html",
        {
            "meeting": meeting,
            "job": job,
            "poll_url": poll_url,
            "pdf_url": pdf_url,
            "docx_url": docx_url,
        },
        status=ACCEPTED,
    )


def status_fragment(
    request: HttpRequest, *, kind: str, poll_base: str, pdf_url: str, docx_url: str
) -> HttpResponse:
    """Where the PDF named by ``?key=`` stands, for the pending page to poll. Starts nothing."""
    key = request.GET.get("key", "")
    if not KEY_PATTERN.match(key):
        raise Http404
    job = pdf_state(kind=kind, key=key)
    return render(
        request,
        "cabinet/_generated_pdf_status.html",
        {
            "job": job,
            "poll_url": status_url(poll_base, job),
            "pdf_url": pdf_url,
            "docx_url": docx_url,
        },
    )
