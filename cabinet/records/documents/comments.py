"""The summary of the comments on a draft paper (tổng hợp ý kiến góp ý), which the secretary
exports as a DOCX: a title block (the paper, the meeting, the counts) and a five-column table,
one row per comment. Reads only; cabinet.records.documents.decree30 writes it out
(render_table_docx: A4 landscape, Times New Roman, Decree 30's margins).

The texts go through gettext as they did when the view built the file: the English catalogue
translates the headings for an English UI.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cabinet.models import Paper, PaperComment
from cabinet.records.documents.decree30 import (
    Column,
    Run,
    TableDocument,
    render_table_docx,
)

# The five columns fill the landscape text width (252 mm). "STT" and a time ("09:05 28/11/2026",
# 33 mm at 13 pt) each fit on one line with the cells' 3.8 mm of padding.
WIDTHS_MM = (15, 50, 64, 85, 38)


def comments_for_summary(paper: Paper) -> list[PaperComment]:
    """Every comment on the paper, every version, oldest version first then by time."""
    return list(
        PaperComment.objects.filter(paper=paper)
        .select_related("author__unit", "version")
        .order_by("version__number", "created_at")
    )


def _who(comment: PaperComment) -> str:
    author = comment.author
    parts = (
        author.full_name or author.username,
        author.position,
        author.unit.name if author.unit else "",
    )
    return "\n".join(part for part in parts if part)


def _where(comment: PaperComment) -> str:
    parts = [_("Phiên bản %(v)d") % {"v": comment.version.number}]
    if comment.page:
        parts.append(_("Trang %(p)d") % {"p": comment.page})
    if comment.quote:
        parts.append(f"“{comment.quote}”")
    return "\n".join(parts)


def comments_document(paper: Paper, comments: list[PaperComment]) -> TableDocument:
    """The summary of ``comments`` (on ``paper``) as data for decree30.render_table_docx."""
    meeting = paper.meeting
    starts = timezone.localtime(meeting.starts_at)
    meeting_line = _("Cuộc họp: %(title)s, ngày %(date)s") % {
        "title": meeting.title,
        "date": starts.strftime("%d/%m/%Y"),
    }
    versions = sorted({c.version.number for c in comments})
    summary = _("Số ý kiến: %(n)d") % {"n": len(comments)}
    if versions:
        summary += " · " + _("Phiên bản: %(v)s") % {"v": ", ".join(str(v) for v in versions)}
    headings = (
        _("STT"),
        _("Đại biểu"),
        _("Trang / đoạn trích"),
        _("Nội dung góp ý"),
        pgettext("time of a comment", "Thời gian"),
    )
    columns = tuple(
        Column(heading, width, center=index == 0)
        for index, (heading, width) in enumerate(zip(headings, WIDTHS_MM, strict=True))
    )
    rows = tuple(
        (
            str(number),
            _who(comment),
            _where(comment),
            comment.body,
            timezone.localtime(comment.created_at).strftime("%H:%M %d/%m/%Y"),
        )
        for number, comment in enumerate(comments, 1)
    )
    return TableDocument(
        title=(_("TỔNG HỢP Ý KIẾN GÓP Ý"), paper.title),
        lines=(Run(meeting_line, italic=True), Run(summary)),
        columns=columns,
        rows=rows,
        empty=_("Chưa có ý kiến góp ý."),
    )


def comments_docx(paper: Paper, comments: list[PaperComment]) -> bytes:
    """The summary as DOCX bytes."""
    return render_table_docx(comments_document(paper, comments))
