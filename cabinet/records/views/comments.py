"""The summary of a draft paper's comments (góp ý) as a DOCX, for the secretary: the office
issues it, so it is written by the one Decree 30 writer (cabinet/records/documents/comments.py,
decree30.render_table_docx). Sending and reading comments is cabinet/papers/views/comments.py.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from cabinet.core.audit import audit
from cabinet.core.permissions import can_manage_meeting
from cabinet.core.text import ascii_slug
from cabinet.meetings.selectors import paper_for
from cabinet.models import AuditAction
from cabinet.papers.lib.delivery import attachment_response
from cabinet.records.documents.comments import comments_docx, comments_for_summary
from cabinet.trust.ratelimit import rate_limited

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@rate_limited("exports")
@require_GET
def comments_export(request: HttpRequest, paper_id: int) -> HttpResponse:
    """The consolidated comments as a DOCX: the secretary's only (403 for other participants)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    paper, participant = paper_for(request.user, paper_id)
    if not can_manage_meeting(participant):
        raise PermissionDenied
    comments = comments_for_summary(paper)
    content = comments_docx(paper, comments)
    audit(
        request,
        action=AuditAction.EXPORT_COMMENTS,
        obj=paper,
        meeting_id=paper.meeting_id,
        detail={"comments": len(comments)},
    )
    filename = f"tong-hop-gop-y-{ascii_slug(paper.title)[:60] or 'tai-lieu'}-{paper.pk}.docx"
    return attachment_response(content, filename=filename, content_type=DOCX_TYPE)
