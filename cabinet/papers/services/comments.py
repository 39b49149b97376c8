"""Comments on draft papers (góp ý): sent by the participants, consolidated by the secretary."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from cabinet.core.errors import ServiceError
from cabinet.core.permissions import can_see_meeting, participant_for
from cabinet.meetings.selectors import papers_for
from cabinet.meetings.services.meetings import lock_meeting
from cabinet.models import (
    MeetingStatus,
    Paper,
    PaperComment,
    PaperVersion,
    ParticipantRole,
    User,
    VersionStatus,
)

MAX_BODY = 8000
MAX_QUOTE = 2000
# Once the conclusion notice is out the consultation is over.
CLOSED = frozenset({MeetingStatus.CONCLUDED, MeetingStatus.ARCHIVED})


@transaction.atomic
def add_comment(
    *,
    author: User,
    paper: Paper,
    version: PaperVersion,
    body: str,
    quote: str = "",
    page: int | None = None,
) -> PaperComment:
    """Record `author`'s comment on `version` of `paper`, optionally on a quoted passage.

    The author must be a participant who may read the paper; chair, secretaries, members and
    guests may comment, observers may not; not once the meeting is concluded or archived.
    """
    # Decided on the meeting's committed state, and serialised with its move to "concluded".
    meeting = lock_meeting(paper.meeting)
    participant = participant_for(author, meeting)
    if (
        participant is None
        or not can_see_meeting(participant, meeting)
        or not papers_for(participant).filter(pk=paper.pk).exists()
    ):
        raise ServiceError(_("Bạn không có quyền góp ý cho tài liệu này."))
    if participant.role == ParticipantRole.OBSERVER:
        raise ServiceError(_("Đại biểu theo dõi không gửi góp ý."))
    if meeting.status in CLOSED:
        raise ServiceError(_("Cuộc họp đã có kết luận; không nhận thêm góp ý."))
    if version.paper_id != paper.pk or version.status != VersionStatus.READY:
        raise ServiceError(_("Phiên bản tài liệu không hợp lệ."))
    body = body.strip()
    if not body:
        raise ServiceError(_("Hãy nhập nội dung góp ý."))
    if len(body) > MAX_BODY:
        raise ServiceError(_("Góp ý dài quá %(n)d ký tự; hãy rút gọn lại.") % {"n": MAX_BODY})
    quote = quote.strip()
    if len(quote) > MAX_QUOTE:
        raise ServiceError(_("Đoạn trích dài quá %(n)d ký tự.") % {"n": MAX_QUOTE})
    if page is not None and not (version.page_count and 1 <= page <= version.page_count):
        raise ServiceError(_("Số trang không hợp lệ."))
    return PaperComment.objects.create(
        author=author, paper=paper, version=version, page=page, quote=quote, body=body
    )
