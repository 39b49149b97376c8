"""A PDF's active content (scripts, automatic actions, risky links, embedded files, XFA) never
reaches a reader: the secretary uploads a booby-trapped paper over HTTP, the worker processes it
in the sandbox, and what a member then fetches (the viewer's bytes, the watermarked download)
carries none of it, while the pages read as before. The secretary is told, in Vietnamese, and the
security log has it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponseBase, StreamingHttpResponse
from django.test import Client
from django.urls import reverse
from pypdf.generic import ArrayObject

from cabinet.meetings.services import meetings as meeting_services
from cabinet.models import AuditEntry, Meeting, PaperVersion, VersionStatus
from tests.factories import (
    add_item,
    invite,
    make_meeting,
    pdf_bytes,
    processing_uploads,
    secretary_of,
)
from tests.factories.hostile import active_content_pdf, assert_no_active_content, long_action_chain

pytestmark = pytest.mark.django_db


def upload(client: Client, meeting_id: int, title: str, data: bytes, name: str) -> None:
    with processing_uploads():
        response = client.post(
            reverse("cabinet:paper_upload", args=[meeting_id]),
            {
                "title": title,
                "kind": "report",
                "file": SimpleUploadedFile(name, data, content_type="application/pdf"),
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]


def streamed(response: HttpResponseBase) -> bytes:
    """The bytes of a file response, which the views stream."""
    assert isinstance(response, StreamingHttpResponse)
    return response.getvalue()  # b"".join(response.streaming_content)


@pytest.fixture
def published() -> tuple[Meeting, Client, Client]:
    meeting = make_meeting()
    add_item(meeting)
    invite(meeting, "chair")
    member = invite(meeting, "member").user
    secretary = secretary_of(meeting)
    meeting_services.publish_meeting(actor=secretary, meeting=meeting)
    organizer, reader = Client(), Client()
    organizer.force_login(secretary)
    reader.force_login(member)
    return meeting, organizer, reader


def test_a_booby_trapped_paper_reaches_members_without_its_active_content(
    published: tuple[Meeting, Client, Client], private_media: Path
) -> None:
    meeting, organizer, reader = published
    hostile = active_content_pdf("Bao cao ket qua")
    upload(organizer, meeting.pk, "Báo cáo có mã độc", hostile, "bao-cao.pdf")
    version = PaperVersion.objects.get(paper__title="Báo cáo có mã độc")
    assert version.status == VersionStatus.READY, version.error

    # What the viewer streams and what a member downloads (watermarked): clean, pages intact.
    served = streamed(reader.get(reverse("cabinet:paper_file", args=[version.paper_id, 1])))
    downloaded = streamed(reader.get(reverse("cabinet:paper_download", args=[version.paper_id, 1])))
    for copy in (served, downloaded):
        pdf = assert_no_active_content(copy)
        assert len(pdf.pages) == 2
        assert "Bao cao ket qua" in pdf.pages[0].extract_text()
        # The plain web link and the link to page two are kept: they do nothing until clicked.
        annotations = pdf.pages[0]["/Annots"]
        assert isinstance(annotations, ArrayObject)
        actions = [a.get_object().get("/A") for a in annotations]
        assert {"/S": "/URI", "/URI": "https://thuvienphapluat.vn/"} in actions
        assert any(action and action["/S"] == "/GoTo" for action in actions)
    # The stored copy is the cleaned one (the ETag names it); the upload as it came is kept for
    # inspection outside the served tree.
    stored = Path(version.file.path).read_bytes()
    assert stored == served
    assert version.pdf_sha256 == hashlib.sha256(served).hexdigest() != version.sha256
    kept = list((private_media / "quarantine").iterdir())
    assert [p.read_bytes() for p in kept] == [hostile]

    # Recorded on the version, shown to the secretary in Vietnamese, not to the member.
    assert version.active_content_removed == {
        "javascript": 7,
        "automatic_actions": 4,
        "other_actions": 3,
        "embedded_files": 2,
        "xfa": 1,
    }
    page = organizer.get(reverse("cabinet:meeting", args=[meeting.pk])).content.decode()
    assert "Đã gỡ bỏ khỏi tệp “bao-cao.pdf”" in page
    for label in ("mã JavaScript", "hành động tự động", "tệp đính kèm nhúng", "biểu mẫu XFA"):
        assert label in page
    history = organizer.get(
        reverse("cabinet:paper_new_version", args=[meeting.pk, version.paper_id])
    ).content.decode()
    assert "mã JavaScript" in history
    assert (
        "Đã gỡ bỏ" not in reader.get(reverse("cabinet:meeting", args=[meeting.pk])).content.decode()
    )
    # ... and the security log names the uploader, what went and where the original is.
    event = AuditEntry.objects.get(action="security", detail__event="paper.active_content_removed")
    assert event.actor_id == version.uploaded_by_id
    assert event.detail["removed"] == version.active_content_removed
    assert event.detail["original"] == f"quarantine/{kept[0].name}"


def test_a_clean_paper_is_stored_as_uploaded_and_nothing_is_said(
    published: tuple[Meeting, Client, Client], private_media: Path
) -> None:
    meeting, organizer, reader = published
    clean = pdf_bytes(2)
    upload(organizer, meeting.pk, "Báo cáo sạch", clean, "sach.pdf")
    version = PaperVersion.objects.get(paper__title="Báo cáo sạch")
    assert version.status == VersionStatus.READY
    assert version.active_content_removed == {}
    served = streamed(reader.get(reverse("cabinet:paper_file", args=[version.paper_id, 1])))
    assert served == clean
    assert not (private_media / "quarantine").exists()
    assert (
        "Đã gỡ bỏ"
        not in organizer.get(reverse("cabinet:meeting", args=[meeting.pk])).content.decode()
    )
    assert not AuditEntry.objects.filter(detail__event="paper.active_content_removed").exists()


def test_a_paper_stored_before_the_cleaning_is_downloaded_without_its_scripts(
    published: tuple[Meeting, Client, Client],
) -> None:
    """A file stored by an older version of the application still has its scripts on disk;
    the watermarked copy handed out is cleaned all the same."""
    meeting, organizer, reader = published
    upload(organizer, meeting.pk, "Tài liệu cũ", pdf_bytes(1), "cu.pdf")
    version = PaperVersion.objects.get(paper__title="Tài liệu cũ")
    Path(version.file.path).write_bytes(active_content_pdf("Tai lieu cu"))
    response = reader.get(reverse("cabinet:paper_download", args=[version.paper_id, 1]))
    pdf = assert_no_active_content(streamed(response))
    assert "Tai lieu cu" in pdf.pages[0].extract_text()


def test_a_paper_too_tangled_to_check_for_scripts_is_refused_not_served(
    published: tuple[Meeting, Client, Client], private_media: Path
) -> None:
    """A script hidden thousands of chained actions deep: the reader does not give up quietly
    and keep the link, it refuses the file."""
    meeting, organizer, _reader = published
    upload(organizer, meeting.pk, "Liên kết lồng nhau", long_action_chain(5000), "rối.pdf")
    version = PaperVersion.objects.get(paper__title="Liên kết lồng nhau")
    assert (version.status, version.error) == (VersionStatus.FAILED, "limits")
    assert not list((private_media / "papers").rglob("*.pdf"))
    page = organizer.get(reverse("cabinet:meeting", args=[meeting.pk])).content.decode()
    assert "vượt giới hạn tài nguyên" in page
