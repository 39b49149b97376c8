"""Papers: checked by content before they are stored, processed in the background (conversion,
sandboxed extraction), versioned immutably, and shown to members only once they are ready."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import docx
import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from cabinet.core.errors import ServiceError
from cabinet.live.services import session as session_services
from cabinet.models import MeetingEvent, PageText, PaperVersion, VersionStatus
from cabinet.papers.services import papers as paper_services
from cabinet.records.documents.paper_render import DocumentHeader, render_document
from tests.factories import (
    add_item,
    add_version,
    attach,
    invite,
    make_meeting,
    pdf_bytes,
    pdf_upload,
    secretary_of,
)

pytestmark = pytest.mark.django_db
DIRECTIVES = Path(__file__).resolve().parents[4] / "shared" / "data" / "directives"


def stored_files(media_root: Path) -> list[Path]:
    return [p for p in media_root.rglob("*") if p.is_file()]


def text_pdf(paragraphs: list[str]) -> bytes:
    header = DocumentHeader(
        parent_body="",
        issuing_body="ỦY BAN NHÂN DÂN THÀNH PHỐ",
        number="01/BC-UBND",
        place="Hà Nội",
        date=dt.date(2026, 11, 20),
    )
    return render_document(header, "\n\n".join(paragraphs), title="BÁO CÁO")


def docx_bytes(text: str) -> bytes:
    document = docx.Document()
    document.add_heading("TỜ TRÌNH", level=1)
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def odt_bytes(text: str) -> bytes:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:text><text:p>{text}</text:p></office:text></office:body>"
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/"'
        ' manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def test_a_pdf_becomes_ready_with_its_pages_text_and_tells_the_room(private_media: Path) -> None:
    meeting = make_meeting()
    paper = attach(
        meeting,
        add_item(meeting),
        upload=pdf_upload(content=text_pdf(["Giao Sở Tài chính chủ trì rà soát dự toán."])),
    )
    version = paper.versions.get()
    assert version.status == VersionStatus.READY
    assert (version.number, version.page_count, version.progress) == (1, 1, 100)
    assert version.pdf_sha256 == version.sha256  # a PDF is served as uploaded
    path = Path(version.file.path)
    assert path.is_relative_to(private_media / "papers")
    page = PageText.objects.get(version=version, number=1)
    assert "Giao Sở Tài chính chủ trì" in page.text
    added = MeetingEvent.objects.get(meeting=meeting, type="paper.added")
    assert added.seq is not None
    assert added.payload["pages"] == 1
    uploaded = MeetingEvent.objects.get(meeting=meeting, type="paper.uploaded")
    assert uploaded.seq is None  # an audit record, not a broadcast state change


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("to-trinh.docx", docx_bytes("Đề nghị UBND Thành phố phê duyệt kế hoạch số hóa."), "docx"),
        ("to-trinh.odt", odt_bytes("Đề nghị UBND Thành phố phê duyệt kế hoạch số hóa."), "odt"),
    ],
)
def test_office_documents_are_converted_to_pdf(name: str, content: bytes, kind: str) -> None:
    meeting = make_meeting()
    paper = attach(meeting, upload=pdf_upload(name=name, content=content))
    version = paper.versions.get()
    assert version.status == VersionStatus.READY, version.error
    assert version.source_kind == kind
    assert Path(version.file.path).read_bytes()[:5] == b"%PDF-"
    assert Path(version.source_file.path).read_bytes() == content  # the original is kept
    assert "phê duyệt kế hoạch số hóa" in version.pages.get(number=1).text


def test_a_real_legacy_doc_is_converted() -> None:
    meeting = make_meeting()
    content = (DIRECTIVES / "nd-30-2020-phu-luc-III-mau-van-ban.doc").read_bytes()
    paper = attach(meeting, upload=pdf_upload(name="phu-luc.doc", content=content))
    version = paper.versions.get()
    assert (version.status, version.source_kind) == (VersionStatus.READY, "doc")
    assert version.page_count is not None
    assert version.page_count >= 10
    assert "Phụ lục III" in version.pages.get(number=1).text


def test_the_type_comes_from_the_content_not_the_name() -> None:
    meeting = make_meeting()
    paper = attach(meeting, upload=pdf_upload(name="bao-cao.docx", content=pdf_bytes(2)))
    assert paper.versions.get().source_kind == "pdf"
    with pytest.raises(ServiceError, match="không được hỗ trợ"):
        attach(meeting, upload=pdf_upload(name="bao-cao.pdf", content=b"<html>%PDF-1.7</html>"))


def test_office_uploads_are_refused_clearly_without_libreoffice(settings: Settings) -> None:
    settings.LIBREOFFICE_BIN = "/nonexistent/soffice"
    meeting = make_meeting()
    with pytest.raises(ServiceError, match="chưa cài LibreOffice"):
        attach(meeting, upload=pdf_upload(name="a.docx", content=docx_bytes("Nội dung")))
    assert attach(meeting, pages=1).versions.get().status == VersionStatus.READY


def test_a_new_version_keeps_the_old_one_and_tells_the_room() -> None:
    meeting = make_meeting()
    paper = attach(meeting, add_item(meeting), pages=1)
    v2 = add_version(paper, pages=2, note="Sửa số liệu bảng 3")
    assert (v2.number, v2.status, v2.page_count) == (2, VersionStatus.READY, 2)
    assert list(paper.versions.values_list("number", flat=True)) == [2, 1]
    old = paper.versions.get(number=1)
    assert Path(old.file.path).exists()
    assert Path(v2.file.path).exists()
    event = MeetingEvent.objects.filter(meeting=meeting, seq__isnull=False).latest("seq")
    assert (event.type, event.payload["version"]) == ("paper.version_added", 2)


def test_uploading_the_same_file_again_is_refused() -> None:
    meeting = make_meeting()
    paper = attach(meeting, upload=pdf_upload(content=pdf_bytes(2)))
    with pytest.raises(ServiceError, match="giống hệt"):
        add_version(paper, upload=pdf_upload(content=pdf_bytes(2)))


def test_size_limit_is_enforced_before_anything_is_stored(
    settings: Settings, private_media: Path
) -> None:
    meeting = make_meeting()
    settings.PAPER_MAX_BYTES = 100
    with pytest.raises(ServiceError, match="quá lớn"):
        attach(meeting, pages=1)
    assert meeting.papers.count() == 0
    assert stored_files(private_media) == []


def test_a_failing_transaction_removes_the_file_it_wrote(
    private_media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    meeting = make_meeting()

    def explode(**kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(paper_services, "record_access", explode)
    with pytest.raises(RuntimeError):
        attach(meeting)
    assert PaperVersion.objects.count() == 0
    assert stored_files(private_media) == []


def test_papers_are_closed_after_the_meeting_ends() -> None:
    meeting = make_meeting()
    chair = invite(meeting, "chair").user
    item = add_item(meeting)
    paper = attach(meeting, item)
    from cabinet.meetings.services import meetings as svc

    secretary = secretary_of(meeting)
    svc.publish_meeting(actor=secretary, meeting=meeting)
    svc.start_meeting(actor=chair, meeting=meeting)
    session_services.end_meeting(actor=chair, meeting=meeting)
    with pytest.raises(ServiceError, match="đã kết thúc"):
        paper_services.add_paper_version(actor=secretary, paper=paper, upload=pdf_upload(2))


def test_the_upload_returns_at_once_and_members_see_the_paper_only_when_ready() -> None:
    """Without a worker running, the upload is queued: the secretary sees its progress, a member
    does not see the paper yet; once processed it appears for both."""
    meeting = make_meeting()
    item = add_item(meeting)
    member = invite(meeting, "member").user
    invite(meeting, "chair")
    secretary = secretary_of(meeting)
    from cabinet.meetings.services import meetings as svc

    svc.publish_meeting(actor=secretary, meeting=meeting)
    organizer, reader = Client(), Client()
    organizer.force_login(secretary)
    reader.force_login(member)
    response = organizer.post(
        reverse("cabinet:paper_upload", args=[meeting.pk]),
        {"title": "Tờ trình số hóa", "kind": "proposal", "agenda_item": item.pk,
         "file": pdf_upload(content=text_pdf(["Nội dung tờ trình."]))},
    )  # fmt: skip
    assert response.status_code == 302
    version = PaperVersion.objects.get(paper__title="Tờ trình số hóa")
    assert version.status == VersionStatus.QUEUED  # no worker ran: the request did not parse it
    page = organizer.get(reverse("cabinet:meeting", args=[meeting.pk])).content.decode()
    assert "Tờ trình số hóa" in page
    assert "Đang chờ xử lý" in page
    status_url = reverse("cabinet:paper_status", args=[version.paper_id, 1])
    assert 'hx-trigger="every 1s"' in organizer.get(status_url).content.decode()
    assert reader.get(status_url).status_code == 403
    assert (
        "Tờ trình số hóa"
        not in reader.get(reverse("cabinet:meeting", args=[meeting.pk])).content.decode()
    )

    from cabinet.papers.services.processing import process_version

    process_version(version.pk)
    fragment = organizer.get(status_url).content.decode()
    assert "đã sẵn sàng" in fragment
    assert "hx-trigger" not in fragment
    member_page = reader.get(reverse("cabinet:meeting", args=[meeting.pk])).content.decode()
    assert "Tờ trình số hóa" in member_page
    assert "Chưa đọc" in member_page


def test_upload_form_shows_the_refusal_in_vietnamese() -> None:
    meeting = make_meeting()
    client = Client()
    client.force_login(secretary_of(meeting))
    response = client.post(
        reverse("cabinet:paper_upload", args=[meeting.pk]),
        {"title": "Tờ trình", "kind": "proposal", "file": pdf_upload(content=b"not a pdf at all")},
    )
    assert response.status_code == 200
    assert "Định dạng tệp không được hỗ trợ" in response.content.decode()
    assert meeting.papers.count() == 0


def test_no_public_url_serves_uploaded_files(settings: Settings) -> None:
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


def test_a_member_who_read_a_paper_is_told_when_it_is_replaced() -> None:
    from cabinet.models import PaperRead

    meeting = make_meeting()
    member = invite(meeting, "member").user
    invite(meeting, "chair")
    paper = attach(meeting, add_item(meeting), title="Dự thảo kế hoạch")
    from cabinet.meetings.services import meetings as svc

    svc.publish_meeting(actor=secretary_of(meeting), meeting=meeting)
    PaperRead.objects.create(user=member, paper=paper, version_number=1)
    client = Client()
    client.force_login(member)
    url = reverse("cabinet:meeting", args=[meeting.pk])
    assert "phiên bản mới" not in client.get(url).content.decode()
    add_version(paper, pages=2)
    page = client.get(url).content.decode()
    assert "Tài liệu đã được thay bằng phiên bản mới" in page
    assert reverse("cabinet:paper_compare", args=[paper.pk, 1, 2]) in page
