"""Factories for test data, one package: base (units, users, meetings, the agenda, papers, Room),
papers (PDFs with chosen text on each page), tasks (the follow-up's tasks and attachments) and
hostile (hostile PDFs for the upload tests).

The base factories are re-exported here, so `from tests.factories import make_meeting` works; the
others are imported from their module (`from tests.factories.tasks import TaskWorld`)."""

from tests.factories.base import (
    PASSWORD,
    Room,
    add_item,
    add_version,
    attach,
    invite,
    make_meeting,
    make_unit,
    make_user,
    participant,
    pdf_bytes,
    pdf_upload,
    processing_uploads,
    secretary_of,
    voting_meeting,
)

__all__ = [
    "PASSWORD",
    "Room",
    "add_item",
    "add_version",
    "attach",
    "invite",
    "make_meeting",
    "make_unit",
    "make_user",
    "participant",
    "pdf_bytes",
    "pdf_upload",
    "processing_uploads",
    "secretary_of",
    "voting_meeting",
]
