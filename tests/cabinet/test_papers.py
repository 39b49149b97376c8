"""Papers: checked before they are stored, versioned immutably, streamed only to those allowed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfWriter

from cabinet.models import MeetingEvent, PaperVersion
from cabinet.services import ServiceError
from cabinet.services import papers as paper_services
from tests.factories import (
    add_item,
    attach,
    invite,
    make_meeting,
    pdf_bytes,
    pdf_upload,
    secretary_of,
)

pytestmark = pytest.mark.django_db


def stored_files(media_root: Path) -> list[Path]:
    return [p for p in media_root.rglob("*") if p.is_file()]


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="bi-mat", owner_password="bi-mat")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_attaching_stores_the_file_privately_with_its_facts(private_media):
    meeting = make_meeting()
    paper = attach(meeting, add_item(meeting), pages=3)
    version = paper.versions.get()
    assert (version.number, version.page_count) == (1, 3)
    assert len(version.sha256) == 64
    path = Path(version.file.path)
    assert path.is_relative_to(private_media / "papers")
    assert path.read_bytes()[:5] == b"%PDF-"
    assert MeetingEvent.objects.filter(meeting=meeting, type="paper.added").exists()


def test_a_new_version_keeps_the_old_one_and_tells_the_room():
    meeting = make_meeting()
    paper = attach(meeting, add_item(meeting), pages=1)
    v2 = paper_services.add_paper_version(
        actor=secretary_of(meeting), paper=paper, upload=pdf_upload(2), note="Sửa số liệu bảng 3"
    )
    assert v2.number == 2
    assert list(paper.versions.values_list("number", flat=True)) == [2, 1]
    old = paper.versions.get(number=1)
    assert Path(old.file.path).exists() and Path(v2.file.path).exists()
    event = MeetingEvent.objects.filter(meeting=meeting).latest("seq")
    assert (event.type, event.payload["version"]) == ("paper.version_added", 2)


def test_uploading_the_same_file_again_is_refused():
    meeting = make_meeting()
    paper = attach(meeting, upload=pdf_upload(content=pdf_bytes(2)))
    with pytest.raises(ServiceError, match="giống hệt"):
        paper_services.add_paper_version(
            actor=secretary_of(meeting), paper=paper, upload=pdf_upload(content=pdf_bytes(2))
        )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "rỗng"),
        (b"PK\x03\x04 this is a zip or docx, not a pdf" * 10, "không phải PDF"),
        (b"<html><body>%PDF-1.7 disguised</body></html>" + b" " * 2000, "không phải PDF"),
        (pdf_bytes(3)[:200], "Không đọc được"),  # truncated
        (b"%PDF-1.7\n" + b"\x00garbage" * 100, "Không đọc được"),
        (encrypted_pdf(), "mã hóa"),
    ],
    ids=["empty", "zip", "html", "truncated", "garbage", "encrypted"],
)
def test_bad_files_are_refused_with_a_clear_message_and_leave_nothing(
    content, message, private_media
):
    meeting = make_meeting()
    with pytest.raises(ServiceError, match=message):
        attach(meeting, upload=pdf_upload(content=content, name="bao-cao.pdf"))
    assert meeting.papers.count() == 0
    assert stored_files(private_media) == []


def test_size_and_page_limits_are_enforced(settings):
    meeting = make_meeting()
    settings.PAPER_MAX_PAGES = 3
    with pytest.raises(ServiceError, match="vượt giới hạn 3 trang"):
        attach(meeting, pages=4)
    settings.PAPER_MAX_BYTES = 100
    with pytest.raises(ServiceError, match="quá lớn"):
        attach(meeting, pages=1)


def test_a_failing_transaction_removes_the_file_it_wrote(private_media, monkeypatch):
    meeting = make_meeting()

    def explode(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(paper_services, "record_event", explode)
    with pytest.raises(RuntimeError):
        attach(meeting)
    assert PaperVersion.objects.count() == 0
    assert stored_files(private_media) == []


def test_papers_are_closed_after_the_meeting_ends():
    meeting = make_meeting()
    chair = invite(meeting, "chair").user
    item = add_item(meeting)
    paper = attach(meeting, item)
    from cabinet.services import meetings as svc

    secretary = secretary_of(meeting)
    svc.publish_meeting(actor=secretary, meeting=meeting)
    svc.start_meeting(actor=chair, meeting=meeting)
    svc.end_meeting(actor=chair, meeting=meeting)
    with pytest.raises(ServiceError, match="đã kết thúc"):
        paper_services.add_paper_version(actor=secretary, paper=paper, upload=pdf_upload(2))


def test_download_streams_the_named_version_privately():
    meeting = make_meeting()
    paper = attach(meeting, add_item(meeting), pages=2, title="Báo cáo tài chính")
    client = Client()
    client.force_login(secretary_of(meeting))
    response = client.get(reverse("cabinet:paper_download", args=[paper.pk, 1]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "private" in response["Cache-Control"]
    body = b"".join(response.streaming_content)
    assert body == Path(paper.versions.get().file.path).read_bytes()


def test_upload_form_shows_the_refusal_in_vietnamese():
    meeting = make_meeting()
    client = Client()
    client.force_login(secretary_of(meeting))
    response = client.post(
        reverse("cabinet:paper_upload", args=[meeting.pk]),
        {"title": "Tờ trình", "kind": "proposal", "file": pdf_upload(content=b"not a pdf at all")},
    )
    assert response.status_code == 200
    assert "Tệp không phải PDF" in response.content.decode()
    assert meeting.papers.count() == 0


def test_no_public_url_serves_uploaded_files(settings):
    meeting = make_meeting()
    version = attach(meeting).versions.get()
    client = Client()
    client.force_login(secretary_of(meeting))
    for url in (
        f"/media/papers/{version.file.name}",
        f"{settings.MEDIA_URL}papers/{version.file.name}",
        f"/static/../media/papers/{version.file.name}",
    ):
        assert client.get(url).status_code == 404
