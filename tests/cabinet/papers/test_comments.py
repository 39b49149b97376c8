"""Comments on draft papers (góp ý): who may send them, who reads them, and the DOCX summary."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from docx import Document
from docx.shared import Length

from cabinet.core.errors import ServiceError
from cabinet.models import Meeting, MeetingStatus, Paper, PaperComment, User
from cabinet.papers.services import comments as comment_services
from cabinet.records.documents.decree30 import LANDSCAPE_TEXT_WIDTH_MM, text_width_mm
from tests.factories import Room, add_version, make_unit
from tests.factories.papers import text_pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def room() -> Room:
    return Room()


def as_user(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(paper: Paper) -> str:
    return reverse("cabinet:paper_comments", args=[paper.pk])


def export_url(paper: Paper) -> str:
    return reverse("cabinet:comments_export", args=[paper.pk])


def comment(
    room: Room, user: User, body: str = "Đề nghị bổ sung số liệu.", **fields: Any
) -> PaperComment:
    paper = fields.pop("paper", room.public_paper)
    return comment_services.add_comment(
        author=user, paper=paper, version=paper.versions.get(number=1), body=body, **fields
    )


@pytest.mark.parametrize("role", ["chair", "member", "guest", "secretary"])
def test_participants_who_take_part_may_comment(room: Room, role: str) -> None:
    paper = room.guest_paper  # the one paper every one of these roles can read
    user = room.user(role)
    assert user is not None
    created = comment(room, user, paper=paper, quote="Điều 2", page=1)
    assert (created.paper, created.version.number, created.page) == (paper, 1, 1)


def test_observers_may_not_comment(room: Room) -> None:
    with pytest.raises(ServiceError, match="Đại biểu theo dõi không gửi góp ý"):
        comment(room, room.observer.user)
    response = as_user(room.observer.user).post(url(room.public_paper), {"body": "Ý kiến"})
    assert response.status_code == 200
    assert "Đại biểu theo dõi không gửi góp ý." in response.content.decode()
    assert not PaperComment.objects.exists()


def test_no_comments_on_papers_one_cannot_read_or_outside_the_meeting(room: Room) -> None:
    with pytest.raises(ServiceError):
        comment(room, room.member.user, paper=room.restricted_paper)
    with pytest.raises(ServiceError):
        comment(room, room.outsider)
    assert as_user(room.outsider).get(url(room.public_paper)).status_code == 404
    assert as_user(room.member.user).get(url(room.restricted_paper)).status_code == 404


@pytest.mark.parametrize("status", [MeetingStatus.CONCLUDED, MeetingStatus.ARCHIVED])
def test_no_comments_once_the_meeting_is_concluded(room: Room, status: MeetingStatus) -> None:
    Meeting.objects.filter(pk=room.meeting.pk).update(status=status)
    paper = Paper.objects.get(pk=room.public_paper.pk)
    with pytest.raises(ServiceError, match="kết luận"):
        comment(room, room.member.user, paper=paper)
    page = as_user(room.member.user).get(url(paper)).content.decode()
    assert "không nhận thêm góp ý" in page
    assert "Gửi góp ý</button>" not in page


@pytest.mark.parametrize(("body", "message"), [("   ", "nội dung"), ("x" * 8001, "8000")])
def test_empty_or_overlong_comments_are_refused(room: Room, body: str, message: str) -> None:
    with pytest.raises(ServiceError, match=message):
        comment(room, room.member.user, body=body)


def test_a_member_sends_a_comment_by_form_and_sees_only_their_own(room: Room) -> None:
    comment(room, room.chair.user, body="Ý kiến của chủ trì.")
    client = as_user(room.member.user)
    response = client.post(
        url(room.public_paper), {"body": "Cần làm rõ nguồn vốn.", "quote": "120 tỷ", "page": "1"}
    )
    assert response.status_code == 302
    saved = PaperComment.objects.get(author=room.member.user)
    assert (saved.body, saved.quote, saved.page, saved.version.number) == (
        "Cần làm rõ nguồn vốn.",
        "120 tỷ",
        1,
        1,
    )
    page = client.get(url(room.public_paper)).content.decode()
    assert "Cần làm rõ nguồn vốn." in page
    assert "Ý kiến của chủ trì." not in page
    assert "Xuất DOCX" not in page
    assert "Đã gửi góp ý" in page  # the confirmation message


def test_the_viewer_sends_a_comment_as_json(room: Room) -> None:
    client = as_user(room.member.user)
    response = client.post(
        url(room.public_paper),
        data=json.dumps({"body": "Sửa câu chữ.", "quote": "Điều 1", "page": 1, "version": 1}),
        content_type="application/json",
    )
    assert response.status_code == 201
    data = response.json()["comment"]
    assert (data["body"], data["quote"], data["page"], data["version"]) == (
        "Sửa câu chữ.",
        "Điều 1",
        1,
        1,
    )
    assert data["author"]["name"] == room.member.user.full_name
    refused = client.post(
        url(room.public_paper), data=json.dumps({"body": ""}), content_type="application/json"
    )
    assert refused.status_code == 400
    assert "nội dung" in refused.json()["error"]
    observer = as_user(room.observer.user).post(
        url(room.public_paper), data=json.dumps({"body": "x"}), content_type="application/json"
    )
    assert observer.status_code == 400
    assert observer.json()["error"] == "Đại biểu theo dõi không gửi góp ý."
    assert PaperComment.objects.count() == 1


def test_the_secretary_sees_all_comments_grouped_by_version(room: Room) -> None:
    room.member.user.unit = make_unit(name="Sở Tài chính")
    room.member.user.save()
    comment(room, room.member.user, body="Góp ý trên bản đầu.")
    add_version(room.public_paper, upload=text_pdf_upload(["Bản sửa đổi."]))
    comment_services.add_comment(
        author=room.chair.user,
        paper=room.public_paper,
        version=room.public_paper.versions.get(number=2),
        body="Góp ý trên bản sửa.",
    )
    page = as_user(room.secretary).get(url(room.public_paper)).content.decode()
    assert "Góp ý trên bản đầu." in page
    assert "Góp ý trên bản sửa." in page
    assert "Sở Tài chính" in page
    assert page.index("Phiên bản 2") < page.index("Góp ý trên bản sửa.") < page.index("Phiên bản 1")
    assert export_url(room.public_paper) in page


def test_export_is_for_the_secretary_only(room: Room) -> None:
    comment(room, room.member.user)
    assert as_user(room.member.user).get(export_url(room.public_paper)).status_code == 403
    assert as_user(room.chair.user).get(export_url(room.public_paper)).status_code == 403
    assert as_user(room.outsider).get(export_url(room.public_paper)).status_code == 404
    assert Client().get(export_url(room.public_paper)).status_code == 302


def test_export_is_a_docx_with_every_comment(room: Room) -> None:
    room.member.user.unit = make_unit(name="Sở Kế hoạch và Đầu tư")
    room.member.user.position = "Phó Giám đốc"
    room.member.user.save()
    comment(room, room.member.user, body="Đề nghị tăng vốn đối ứng.", quote="120 tỷ", page=1)
    comment(room, room.guest.user, body="Thống nhất.", paper=room.guest_paper)  # another paper
    comment(room, room.chair.user, body="Cần rà soát lại tiến độ.")

    response = as_user(room.secretary).get(export_url(room.public_paper))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].startswith("attachment;")
    assert ".docx" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"

    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "TỔNG HỢP Ý KIẾN GÓP Ý" in text
    assert room.public_paper.title in text
    assert room.meeting.title in text
    table = document.tables[0]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0] == ["STT", "Đại biểu", "Trang / đoạn trích", "Nội dung góp ý", "Thời gian"]
    assert len(rows) == 3  # the other paper's comment is not in this summary
    assert rows[1][0] == "1"
    assert room.member.user.full_name in rows[1][1]
    assert "Phó Giám đốc" in rows[1][1]
    assert "Sở Kế hoạch và Đầu tư" in rows[1][1]
    assert "Trang 1" in rows[1][2]
    assert "120 tỷ" in rows[1][2]
    assert rows[1][3] == "Đề nghị tăng vốn đối ứng."
    assert rows[2][3] == "Cần rà soát lại tiến độ."
    run = table.rows[1].cells[3].paragraphs[0].runs[0]
    assert run.font.name == "Times New Roman"
    assert run.font.size.pt == 13


def mm(length: Length | None) -> float:
    """A length in millimetres; the summary sets its page's size and every column's width."""
    assert length is not None
    millimetres: float = length.mm  # python-docx leaves the property untyped
    return millimetres


def test_export_is_landscape_a4_and_its_columns_fit_what_they_hold(room: Room) -> None:
    comment(room, room.member.user, body="Đề nghị tăng vốn đối ứng.", page=1)
    response = as_user(room.secretary).get(export_url(room.public_paper))
    document = Document(io.BytesIO(response.content))
    section = document.sections[0]
    assert (mm(section.page_width), mm(section.page_height)) == pytest.approx((297, 210), abs=0.1)
    # The grid is what LibreOffice lays the table out by: it fills the text width, the number and
    # the time stay on one line (with the cells' 3.8 mm of padding), the comment gets most room.
    grid = [mm(column.width) for column in document.tables[0].columns]
    assert sum(grid) == pytest.approx(LANDSCAPE_TEXT_WIDTH_MM, abs=0.5)
    assert grid[0] >= text_width_mm("STT", 13, bold=True) + 3.8
    assert grid[4] >= text_width_mm("09:05 28/11/2026", 13) + 3.8
    assert all(grid[3] > width for index, width in enumerate(grid) if index != 3)


def test_a_form_comment_goes_on_the_named_version_else_the_newest(room: Room) -> None:
    add_version(room.public_paper, upload=text_pdf_upload(["Bản sửa đổi."]))
    client = as_user(room.member.user)
    query: dict[str, int | str] = {"version": 1, "quote": "Điều 1"}
    form_page = client.get(url(room.public_paper), query)
    assert 'name="version" value="1"' in form_page.content.decode()
    client.post(url(room.public_paper), {"body": "Về bản đầu.", "version": "1"})
    client.post(url(room.public_paper), {"body": "Về bản mới."})
    saved = dict(PaperComment.objects.values_list("body", "version__number"))
    assert saved == {"Về bản đầu.": 1, "Về bản mới.": 2}
