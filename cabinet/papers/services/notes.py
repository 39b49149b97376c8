"""Private notes (highlights with an optional note) and their re-anchoring across versions."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from cabinet.core.errors import ServiceError
from cabinet.models import (
    AnchorStatus,
    NoteColor,
    PageText,
    Paper,
    PaperNote,
    PaperVersion,
    User,
    VersionStatus,
)
from cabinet.papers.lib.anchoring import Pages, context_of, find_anchor, text_at

MAX_QUOTE = 2000
MAX_BODY = 4000
MAX_CONTEXT = 64  # PaperNote.prefix / suffix


def _check_body(body: str) -> str:
    if len(body) > MAX_BODY:
        raise ServiceError(_("Ghi chú dài quá %(n)d ký tự; hãy rút gọn lại.") % {"n": MAX_BODY})
    return body


def _check_color(color: str) -> str:
    if color not in NoteColor.values:
        raise ServiceError(_("Màu đánh dấu không hợp lệ."))
    return color


def _offset(value: int | None) -> int | None:
    if value is None:
        return None
    if value < 0:
        raise ServiceError(_("Vị trí đoạn đánh dấu không hợp lệ."))
    return value


@transaction.atomic
def create_note(
    *,
    user: User,
    paper: Paper,
    version: PaperVersion,
    page: int,
    quote: str,
    prefix: str = "",
    suffix: str = "",
    start: int | None = None,
    end: int | None = None,
    body: str = "",
    color: str = NoteColor.YELLOW,
) -> PaperNote:
    """Highlight `quote` on `page` of `version`, privately for `user`.

    Preconditions: the caller has checked that the user may read the paper
    (cabinet.meetings.selectors.paper_for). The version must be a ready version of this paper.
    Prefix and suffix (the text around the quote, for finding it again) are cut to 64 characters,
    keeping the characters nearest the quote.
    """
    if version.paper_id != paper.pk:
        raise ServiceError(_("Phiên bản không thuộc tài liệu này."))
    if version.status != VersionStatus.READY:
        raise ServiceError(_("Phiên bản này chưa sẵn sàng để đọc."))
    if not version.page_count or not 1 <= page <= version.page_count:
        raise ServiceError(_("Số trang không hợp lệ."))
    if not quote.strip():
        raise ServiceError(_("Hãy chọn đoạn văn bản cần đánh dấu."))
    if len(quote) > MAX_QUOTE:
        raise ServiceError(
            _("Đoạn đánh dấu dài quá %(n)d ký tự; hãy chọn đoạn ngắn hơn.") % {"n": MAX_QUOTE}
        )
    start, end = _offset(start), _offset(end)
    if start is not None and end is not None and end < start:
        raise ServiceError(_("Vị trí đoạn đánh dấu không hợp lệ."))
    return PaperNote.objects.create(
        user=user,
        paper=paper,
        version=version,
        original_version=version,
        page=page,
        quote=quote,
        prefix=prefix[-MAX_CONTEXT:],
        suffix=suffix[:MAX_CONTEXT],
        start=start,
        end=end,
        body=_check_body(body),
        color=_check_color(color),
        anchor_status=AnchorStatus.ANCHORED,
        checked_version_number=version.number,
    )


def _require_author(user: User, note: PaperNote) -> None:
    if note.user_id != user.pk:
        raise ServiceError(_("Bạn chỉ sửa được ghi chú của chính mình."))


@transaction.atomic
def update_note(
    *, user: User, note: PaperNote, body: str | None = None, color: str | None = None
) -> PaperNote:
    """Change the note's text and/or colour (None leaves it as it is). Only its author may."""
    _require_author(user, note)
    fields = ["updated_at"]
    if body is not None:
        note.body = _check_body(body)
        fields.append("body")
    if color is not None:
        note.color = _check_color(color)
        fields.append("color")
    note.save(update_fields=fields)
    return note


@transaction.atomic
def delete_note(*, user: User, note: PaperNote) -> None:
    """Delete the note. Only its author may."""
    _require_author(user, note)
    note.delete()


def reanchor_notes(*, paper: Paper, new_version: PaperVersion) -> None:
    """Move every note on the paper to new_version where its quote is found, or flag it orphaned.

    Runs in the caller's transaction (the upload pipeline's, which holds the meeting lock), after
    new_version's PageText rows are written. Every user's notes are checked, orphans included (their
    text may come back), unless they were already checked against this version or a newer one.
    A note whose quote is gone keeps the version where it was last found: it is never deleted.
    Page texts are loaded and normalised once for all the notes.
    """
    notes = list(
        PaperNote.objects.select_for_update().filter(
            paper=paper, checked_version_number__lt=new_version.number
        )
    )
    if not notes:
        return
    texts = PageText.objects.filter(version=new_version).order_by("number")
    pages = Pages(list(texts.values_list("text", flat=True)))
    for note in notes:
        anchor = find_anchor(
            pages,
            note.quote,
            prefix=note.prefix,
            suffix=note.suffix,
            page_hint=note.page,
            start_hint=note.start,
        )
        note.checked_version_number = new_version.number
        if anchor is None:
            note.anchor_status = AnchorStatus.ORPHANED
            continue
        note.version = new_version
        note.page = anchor.page
        note.start = anchor.start
        # A quote running onto the next page has no end offset on its own page.
        note.end = anchor.end if anchor.end_page == anchor.page else None
        note.anchor_status = AnchorStatus.ANCHORED
        # The context is re-read from the new text; a quote found with small changes becomes the
        # text as it now reads, which is what the viewer highlights.
        note.prefix, note.suffix = context_of(pages, anchor, MAX_CONTEXT)
        if not anchor.exact:
            note.quote = text_at(pages, anchor)[:MAX_QUOTE] or note.quote
    # bulk_update leaves updated_at alone: it tells when the user last edited the note.
    PaperNote.objects.bulk_update(
        notes,
        [
            "version",
            "page",
            "start",
            "end",
            "quote",
            "prefix",
            "suffix",
            "anchor_status",
            "checked_version_number",
        ],
        batch_size=500,
    )
