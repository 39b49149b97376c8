"""The minutes (form 1.9) and the invitation (form 1.7) from a held meeting, and their views."""

from __future__ import annotations

import datetime as dt
import io
import re
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from docx import Document
from pypdf import PdfReader
from pytest_django.fixtures import Settings

from cabinet.live.services import attendance as attendance_services
from cabinet.live.services import session as session_services
from cabinet.meetings.services import meetings as meeting_services
from cabinet.models import Conclusion, Poll, SpeakerRequest, Task, User
from cabinet.papers.lib.convert import conversion_available
from cabinet.records.documents.decree30 import AdminDocument, date_phrase, docx_to_pdf, render_docx
from cabinet.records.documents.meeting_records import (
    WEEKDAYS,
    invitation_document,
    issuer_lines,
    issuer_symbol,
    minutes_document,
)
from cabinet.voting import services as voting
from tests.factories import PASSWORD, add_item, invite, make_meeting, make_unit, make_user

pytestmark = pytest.mark.django_db

needs_libreoffice = pytest.mark.skipif(
    not conversion_available(), reason="LibreOffice is not installed"
)
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
OPEN_QUESTION = "Thông qua Báo cáo tình hình thực hiện Đề án 06 năm 2025"
SECRET_QUESTION = "Tán thành phương án nhân sự Trưởng ban Quản lý dự án"
GENERAL_CONCLUSION = "Các sở, ngành khẩn trương hoàn thiện hồ sơ trình HĐND Thành phố."


def _vote(poll: Poll, user: User, label: str) -> None:
    option = poll.options.get(label=label)
    voting.cast_vote(actor=user, poll_id=poll.pk, option_id=option.pk, client_id=f"c-{user.pk}")


def held_meeting(*, end: bool = True) -> SimpleNamespace:
    """A committee meeting with attendance of every kind, an open and a secret poll, speakers,
    conclusions and tasks; ended unless `end` is False."""
    committee = make_unit(name="Ủy ban nhân dân Thành phố", kind="committee")
    finance = make_unit(name="Sở Tài chính")
    home = make_unit(name="Sở Nội vụ")
    secretary = make_user(
        organizer=True, full_name="Lê Thu Trang", position="Chuyên viên Văn phòng UBND Thành phố"
    )
    meeting = make_meeting(
        secretary=secretary,
        title="Phiên họp UBND Thành phố thường kỳ tháng 01",
        location="Phòng họp số 1, trụ sở UBND Thành phố",
        organizer_unit=committee,
    )
    chair = invite(meeting, "chair", full_name="Phạm Đức Toàn", position="Chủ tịch UBND Thành phố")
    hai = invite(
        meeting, "member", full_name="Trần Minh Hải", position="Giám đốc Sở Tài chính", unit=finance
    )
    hang = invite(meeting, "member", full_name="Nguyễn Thị Hằng", position="Giám đốc", unit=home)
    vinh = invite(meeting, "member", full_name="Đỗ Quang Vinh", position="Giám đốc Sở Xây dựng")
    tuan = invite(meeting, "member", full_name="Hoàng Anh Tuấn", position="Giám đốc Sở Y tế")
    khoa = invite(meeting, "member", full_name="Bùi Văn Khoa", position="Chủ tịch UBND phường")
    guest = invite(
        meeting, "guest", full_name="Lý Thị Mai", position="Phó Giám đốc Công an Thành phố"
    )
    report = add_item(
        meeting,
        "Báo cáo tình hình thực hiện Đề án 06",
        presenter_unit=home,
        description="Sở Nội vụ báo cáo kết quả năm 2025.",
    )
    # Restricted from the guest; every member is in its audience, so every member may vote on it.
    staffing = add_item(
        meeting,
        "Phương án nhân sự",
        presenter_unit=finance,
        restricted=True,
        audience=[hai, hang, vinh, tuan, khoa],
    )
    meeting_services.publish_meeting(actor=secretary, meeting=meeting)
    meeting_services.start_meeting(actor=chair.user, meeting=meeting)
    for person in (chair, hai, hang):
        attendance_services.check_in(actor=person.user, meeting=meeting, mode="present")
    attendance_services.check_in(actor=khoa.user, meeting=meeting, mode="online")
    attendance_services.mark_attendance(
        actor=secretary,
        meeting=meeting,
        participant_id=vinh.pk,
        status="absent",
        reason="Đi công tác nước ngoài",
    )
    attendance_services.mark_attendance(
        actor=secretary,
        meeting=meeting,
        participant_id=tuan.pk,
        status="represented",
        substitute="đồng chí Vũ Thị Lan, Phó Giám đốc Sở Y tế",
    )

    open_poll = voting.create_poll(
        actor=chair.user, meeting=meeting, question=OPEN_QUESTION, item_id=report.pk
    )
    voting.open_poll(actor=chair.user, meeting=meeting, poll_id=open_poll.pk)
    _vote(open_poll, chair.user, "Tán thành")
    _vote(open_poll, hai.user, "Tán thành")
    _vote(open_poll, hang.user, "Không tán thành")
    _vote(open_poll, khoa.user, "Không biểu quyết")
    voting.close_poll(actor=chair.user, meeting=meeting, poll_id=open_poll.pk)

    secret_poll = voting.create_poll(
        actor=chair.user,
        meeting=meeting,
        question=SECRET_QUESTION,
        kind="secret",
        rule="cast_majority",
        item_id=staffing.pk,
    )
    voting.open_poll(actor=chair.user, meeting=meeting, poll_id=secret_poll.pk)
    _vote(secret_poll, chair.user, "Tán thành")
    _vote(secret_poll, hai.user, "Tán thành")
    _vote(secret_poll, hang.user, "Không tán thành")
    _vote(secret_poll, khoa.user, "Tán thành")
    voting.close_poll(actor=chair.user, meeting=meeting, poll_id=secret_poll.pk)
    voting.publish_poll(actor=chair.user, meeting=meeting, poll_id=secret_poll.pk)

    # A prepared poll never opened: not part of the record.
    voting.create_poll(actor=chair.user, meeting=meeting, question="Biểu quyết chưa mở")

    SpeakerRequest.objects.create(
        meeting=meeting,
        item=report,
        participant=hai,
        position="for",
        note="Đề nghị bổ sung kinh phí cho Đề án 06",
        status="done",
        floor_at=timezone.now(),
    )
    Conclusion.objects.create(
        meeting=meeting,
        agenda_item=report,
        text="Thống nhất với báo cáo của Sở Nội vụ.\nCác đơn vị tiếp tục đẩy mạnh chuyển đổi số.",
        updated_by=chair.user,
    )
    Conclusion.objects.create(meeting=meeting, text=GENERAL_CONCLUSION, updated_by=chair.user)
    task = Task.objects.create(
        meeting=meeting,
        agenda_item=report,
        lead_unit=finance,
        content="Rà soát, tổng hợp nhu cầu kinh phí thực hiện Đề án 06",
        deadline=dt.date(2026, 2, 15),
        created_by=secretary,
    )
    task.coordinating_units.add(home)
    Task.objects.create(
        meeting=meeting,
        lead_unit=home,
        content="hoàn thiện hồ sơ trình HĐND Thành phố",
        report_to="",
        deadline=dt.date(2026, 3, 1),
        created_by=secretary,
    )
    if end:
        session_services.end_meeting(actor=chair.user, meeting=meeting)
    meeting.refresh_from_db()
    return SimpleNamespace(
        meeting=meeting,
        secretary=secretary,
        chair=chair,
        members=[hai, hang, vinh, tuan, khoa],
        guest=guest,
        report=report,
        staffing=staffing,
    )


def text_of(doc: AdminDocument) -> str:
    return "\n".join(block.text for block in doc.blocks)


@pytest.fixture
def held() -> SimpleNamespace:
    return held_meeting()


# --------------------------------------------------------------------------------------------
# Minutes


def test_minutes_header_and_signatures_follow_form_1_9(held: SimpleNamespace) -> None:
    doc = minutes_document(held.meeting)
    assert doc.parent_body == ""
    assert doc.issuing_body == "ỦY BAN NHÂN DÂN\nTHÀNH PHỐ HÀ NỘI"
    assert doc.number == "Số:      /BB-UBND"
    assert doc.place_date == ""  # form 1.9 has no place and date line
    assert doc.doc_type == "BIÊN BẢN"
    assert doc.summary == "Phiên họp UBND Thành phố thường kỳ tháng 01"
    assert [(s.authority, s.name) for s in doc.signatures] == [
        (("THƯ KÝ",), "Lê Thu Trang"),
        (("CHỦ TỌA",), "Phạm Đức Toàn"),
    ]
    assert doc.recipients[-1] == "Lưu: VT, Hồ sơ."
    assert not doc.draft  # the meeting has ended


def test_minutes_record_start_place_chair_secretary_and_end(held: SimpleNamespace) -> None:
    started = held.meeting.events.get(type="meeting.started").created_at
    # The fixture holds its meeting in an instant; a real one lasts (an end in the minute it
    # started is not printed: see test_an_end_in_the_minute_of_the_start_is_left_blank).
    held.meeting.events.filter(type="meeting.ended").update(
        created_at=started + dt.timedelta(hours=2, minutes=5)
    )
    text = text_of(minutes_document(held.meeting))
    ended = held.meeting.events.get(type="meeting.ended").created_at
    local_start, local_end = timezone.localtime(started), timezone.localtime(ended)
    assert (
        f"Thời gian bắt đầu: {local_start:%H} giờ {local_start:%M} phút, "
        f"{date_phrase(local_start.date())}." in text
    )
    assert "Địa điểm: Phòng họp số 1, trụ sở UBND Thành phố." in text
    assert "Chủ trì (chủ tọa): Đồng chí Phạm Đức Toàn, Chủ tịch UBND Thành phố." in text
    assert (
        "Thư ký (người ghi biên bản): Đồng chí Lê Thu Trang, "
        "Chuyên viên Văn phòng UBND Thành phố." in text
    )
    assert text.endswith(
        f"Cuộc họp kết thúc vào {local_end:%H} giờ {local_end:%M} phút, "
        f"{date_phrase(local_end.date())}./."
    )


def test_minutes_list_attendance_as_marked(held: SimpleNamespace) -> None:
    lines = text_of(minutes_document(held.meeting)).splitlines()
    attending = lines[lines.index("Thành phần tham dự:") + 1 : lines.index("Vắng mặt:")]
    joined = "\n".join(attending)
    assert "- Đồng chí Trần Minh Hải, Giám đốc Sở Tài chính" in joined
    # The unit is added when the position does not name it.
    assert "Đồng chí Nguyễn Thị Hằng, Giám đốc, Sở Nội vụ;" in joined
    assert "Đồng chí Bùi Văn Khoa, Chủ tịch UBND phường (dự trực tuyến)" in joined
    assert (
        "Đồng chí Hoàng Anh Tuấn, Giám đốc Sở Y tế (vắng, cử đồng chí Vũ Thị Lan, "
        "Phó Giám đốc Sở Y tế dự thay)" in joined
    )
    assert "Vinh" not in joined
    absent = lines[lines.index("Vắng mặt:") + 1]
    assert (
        absent == "- Đồng chí Đỗ Quang Vinh, Giám đốc Sở Xây dựng, lý do: Đi công tác nước ngoài."
    )
    # The guest never checked in: recorded as such, not as present.
    unmarked = "\n".join(lines[lines.index("Chưa được điểm danh:") :])
    assert "Lý Thị Mai" in unmarked
    assert attending[-1].endswith(".")
    assert all(line.endswith(";") for line in attending[:-1])
    # The secretary is named once, as the minutes' keeper.
    assert [line for line in lines if "Lê Thu Trang" in line] == [
        "Thư ký (người ghi biên bản): Đồng chí Lê Thu Trang, Chuyên viên Văn phòng UBND Thành phố."
    ]


def test_minutes_without_any_attendance_list_the_invited() -> None:
    meeting = make_meeting()
    chair = invite(meeting, "chair", full_name="Phạm Đức Toàn")
    invite(meeting, "member", full_name="Trần Minh Hải")
    add_item(meeting, "Nội dung")
    meeting_services.publish_meeting(actor=meeting.created_by, meeting=meeting)
    meeting_services.start_meeting(actor=chair.user, meeting=meeting)
    doc = minutes_document(meeting)
    text = text_of(doc)
    assert "Thành phần tham dự (theo danh sách mời):" in text
    assert "Trần Minh Hải" in text
    assert doc.draft  # still in session
    assert "Cuộc họp kết thúc vào …… giờ" in text


def test_minutes_follow_the_agenda_with_presenter_speakers_conclusions_and_tasks(
    held: SimpleNamespace,
) -> None:
    doc = minutes_document(held.meeting)
    text = text_of(doc)
    assert "1. Báo cáo tình hình thực hiện Đề án 06" in text
    assert "2. Phương án nhân sự" in text  # the minutes are the organizers': restricted items too
    assert text.index("1. Báo cáo") < text.index(OPEN_QUESTION) < text.index("2. Phương án")
    assert "Đơn vị trình bày: Sở Nội vụ." in text
    # The item's description is the plan, not a record of the meeting (issue 19).
    assert "Sở Nội vụ báo cáo kết quả năm 2025." not in text
    assert (
        "- Đồng chí Trần Minh Hải, Giám đốc Sở Tài chính (tán thành): "
        "Đề nghị bổ sung kinh phí cho Đề án 06." in text
    )
    assert "Kết luận của chủ tọa: Thống nhất với báo cáo của Sở Nội vụ." in text
    assert "Các đơn vị tiếp tục đẩy mạnh chuyển đổi số." in text
    assert (
        "- Giao Sở Tài chính chủ trì, phối hợp với Sở Nội vụ rà soát, tổng hợp nhu cầu kinh phí "
        "thực hiện Đề án 06; báo cáo UBND Thành phố trước ngày 15/02/2026." in text
    )
    assert "3. Kết luận chung" in text
    assert GENERAL_CONCLUSION in text
    assert (
        "- Giao Sở Nội vụ chủ trì hoàn thiện hồ sơ trình HĐND Thành phố, hoàn thành trước ngày 01/03/2026."
        in text
    )
    assert "Biểu quyết chưa mở" not in text
    items = [b for b in doc.blocks if b.kind == "item"]
    assert [b.text for b in items] == [
        "1. Báo cáo tình hình thực hiện Đề án 06",
        "2. Phương án nhân sự",
        "3. Kết luận chung",
    ]


def test_minutes_record_the_open_poll_with_counts_outcome_and_names(held: SimpleNamespace) -> None:
    text = text_of(minutes_document(held.meeting))
    start = text.index(OPEN_QUESTION)
    part = text[start : text.index("Kết luận của chủ tọa", start)]
    assert (
        "Hình thức: biểu quyết công khai; điều kiện thông qua: quá nửa tổng số thành viên." in part
    )
    assert "Số đại biểu có quyền biểu quyết: 4; số phiếu biểu quyết: 4." in part
    # Base: all six members with a vote (the chair and five members): 2/6.
    assert "Tán thành: 2 phiếu (33,33%)" in part
    assert "Không tán thành: 1 phiếu (16,67%)" in part
    assert "Tán thành: Phạm Đức Toàn, Trần Minh Hải." in part
    assert "Không tán thành: Nguyễn Thị Hằng." in part
    assert "Nội dung biểu quyết không thông qua." in part


def test_minutes_record_only_totals_of_the_secret_poll(held: SimpleNamespace) -> None:
    doc = minutes_document(held.meeting)
    text = text_of(doc)
    start = text.index(SECRET_QUESTION)
    part = text[start : text.index("3. Kết luận chung")]
    assert "Hình thức: bỏ phiếu kín; điều kiện thông qua: quá nửa số phiếu biểu quyết." in part
    assert "Tán thành: 3 phiếu (75%); Không tán thành: 1 phiếu (25%)" in part
    assert "Nội dung biểu quyết thông qua." in part
    voters = ["Phạm Đức Toàn", "Trần Minh Hải", "Nguyễn Thị Hằng", "Bùi Văn Khoa"]
    for name in voters:
        assert name not in part
    # The only names next to a choice are the open poll's, before the secret poll's question.
    named = [
        b.text
        for b in doc.blocks
        if re.match(r"(Tán thành|Không tán thành|Không biểu quyết): \D", b.text)
    ]
    assert named == [
        "Tán thành: Phạm Đức Toàn, Trần Minh Hải.",
        "Không tán thành: Nguyễn Thị Hằng.",
        "Không biểu quyết: Bùi Văn Khoa.",
    ]
    assert all(text.index(line) < start for line in named)


@needs_libreoffice
def test_the_minutes_pdf_reads_back_in_vietnamese(held: SimpleNamespace) -> None:
    pdf = PdfReader(io.BytesIO(docx_to_pdf(render_docx(minutes_document(held.meeting)))))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    for expected in (
        "ỦY BAN NHÂN DÂN",
        "THÀNH PHỐ HÀ NỘI",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "BIÊN BẢN",
        "Phiên họp UBND Thành phố thường kỳ tháng 01",
        "Đồng chí Nguyễn Thị Hằng",
        "THƯ KÝ",
        "CHỦ TỌA",
        "Lê Thu Trang",
        "Phạm Đức Toàn",
        "Nơi nhận:",
    ):
        assert expected in text
    if len(pdf.pages) > 1:
        assert pdf.pages[1].extract_text().strip().splitlines()[0].strip() == "2"


# --------------------------------------------------------------------------------------------
# Invitation


def test_the_invitation_follows_form_1_7(held: SimpleNamespace) -> None:
    doc = invitation_document(held.meeting)
    published = timezone.localdate(held.meeting.events.get(type="meeting.published").created_at)
    assert doc.issuing_body == "ỦY BAN NHÂN DÂN\nTHÀNH PHỐ HÀ NỘI"
    assert doc.number == "Số:      /GM-UBND"
    assert doc.place_date == f"Hà Nội, {date_phrase(published)}"
    assert doc.doc_type == "GIẤY MỜI"
    assert doc.summary == "Dự phiên họp UBND Thành phố thường kỳ tháng 01"
    assert doc.signatures[0].authority == ("TL. CHỦ TỊCH", "CHÁNH VĂN PHÒNG")
    assert doc.recipients == ("Như thành phần mời", "Lưu: VT, UBND.")
    assert not doc.draft
    text = text_of(doc)
    lines = text.splitlines()
    assert lines[0] == "Ủy ban nhân dân Thành phố trân trọng kính mời:"
    assert "Tới dự phiên họp UBND Thành phố thường kỳ tháng 01." in lines
    assert "Chủ trì: Đồng chí Phạm Đức Toàn, Chủ tịch UBND Thành phố." in lines
    starts = timezone.localtime(held.meeting.starts_at)
    assert (
        f"Thời gian: {starts:%H} giờ {starts:%M} phút, {WEEKDAYS[starts.weekday()]}, "
        f"{date_phrase(starts.date())}." in lines
    )
    assert "Địa điểm: Phòng họp số 1, trụ sở UBND Thành phố." in lines
    assert "1. Báo cáo tình hình thực hiện Đề án 06 (trình bày: Sở Nội vụ)." in lines
    assert "Phương án nhân sự" not in text  # a restricted item is not announced to everyone
    assert lines[-1].endswith("./.")


def test_the_invitation_lists_the_invited_by_role_without_the_secretary(
    held: SimpleNamespace,
) -> None:
    lines = text_of(invitation_document(held.meeting)).splitlines()
    members = lines.index("Thành viên dự họp:")
    guests = lines.index("Khách mời:")
    assert members < guests
    assert lines[members + 1] == "- Đồng chí Phạm Đức Toàn, Chủ tịch UBND Thành phố;"
    assert lines[guests + 1] == "- Đồng chí Lý Thị Mai, Phó Giám đốc Công an Thành phố."
    assert not [line for line in lines if "Lê Thu Trang" in line]
    # Within a role, the order of invitation (the protocol order), not an alphabetical one.
    names = [line.split(",")[0].removeprefix("- Đồng chí ") for line in lines[members + 1 : guests]]
    assert names == [
        "Phạm Đức Toàn",
        "Trần Minh Hải",
        "Nguyễn Thị Hằng",
        "Đỗ Quang Vinh",
        "Hoàng Anh Tuấn",
        "Bùi Văn Khoa",
    ]


def test_issuing_bodies_by_unit_kind() -> None:
    office = make_unit(name="Văn phòng UBND Thành phố", kind="office", short_name="VP UBND")
    department = make_unit(name="Sở Tài chính", short_name="STC")
    ward = make_unit(
        name="UBND phường Hoàn Kiếm", kind="ward", short_name="P. Hoàn Kiếm", code="phk"
    )
    assert issuer_lines(office) == ("UBND THÀNH PHỐ HÀ NỘI", "VĂN PHÒNG")
    assert issuer_symbol(office) == "VP"
    assert issuer_lines(department) == ("UBND THÀNH PHỐ HÀ NỘI", "SỞ TÀI CHÍNH")
    assert issuer_symbol(department) == "STC"
    assert issuer_lines(ward) == ("UBND THÀNH PHỐ HÀ NỘI", "ỦY BAN NHÂN DÂN\nPHƯỜNG HOÀN KIẾM")
    assert issuer_symbol(ward) == "PHK"


def test_the_city_comes_from_settings(held: SimpleNamespace, settings: Settings) -> None:
    settings.CITY_NAME = "Hải Phòng"
    doc = invitation_document(held.meeting)
    assert doc.issuing_body == "ỦY BAN NHÂN DÂN\nTHÀNH PHỐ HẢI PHÒNG"
    assert doc.place_date.startswith("Hải Phòng, ngày ")


# --------------------------------------------------------------------------------------------
# Views


def _client(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def test_a_non_participant_gets_404_for_every_record(held: SimpleNamespace, client: Client) -> None:
    _client(client, make_user())
    for name in ("minutes_docx", "minutes_pdf", "invitation_docx", "invitation_pdf"):
        response = client.get(reverse(f"cabinet:{name}", args=[held.meeting.pk]))
        assert response.status_code == 404, name


def test_the_minutes_are_refused_to_a_plain_member(held: SimpleNamespace, client: Client) -> None:
    _client(client, held.members[0].user)
    for name in ("minutes_docx", "minutes_pdf"):
        response = client.get(reverse(f"cabinet:{name}", args=[held.meeting.pk]))
        assert response.status_code == 403, name


def test_an_anonymous_visitor_is_sent_to_log_in(held: SimpleNamespace, client: Client) -> None:
    response = client.get(reverse("cabinet:minutes_docx", args=[held.meeting.pk]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_the_secretary_downloads_the_minutes_docx(held: SimpleNamespace, client: Client) -> None:
    _client(client, held.secretary)
    response = client.get(reverse("cabinet:minutes_docx", args=[held.meeting.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX_TYPE
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert (
        f'filename="bien-ban-phien-hop-ubnd-thanh-pho-thuong-ky-thang-01-{held.meeting.pk}.docx"'
        in disposition
    )
    assert disposition.isascii()
    assert "no-store" in response["Cache-Control"]
    document = Document(io.BytesIO(response.content))
    assert "BIÊN BẢN" in [p.text for p in document.paragraphs]
    assert held.meeting.events.filter(type="record.downloaded", actor=held.secretary).exists()


def test_the_chair_downloads_the_minutes_too(held: SimpleNamespace, client: Client) -> None:
    _client(client, held.chair.user)
    response = client.get(reverse("cabinet:minutes_docx", args=[held.meeting.pk]))
    assert response.status_code == 200


def test_no_minutes_before_the_meeting_opens(client: Client) -> None:
    meeting = make_meeting()
    invite(meeting, "chair")
    add_item(meeting)
    meeting_services.publish_meeting(actor=meeting.created_by, meeting=meeting)
    _client(client, meeting.created_by)
    response = client.get(reverse("cabinet:minutes_docx", args=[meeting.pk]))
    assert response.status_code == 404
    response = client.get(reverse("cabinet:invitation_docx", args=[meeting.pk]))
    assert response.status_code == 200


def test_a_member_downloads_the_invitation_docx(held: SimpleNamespace, client: Client) -> None:
    _client(client, held.guest.user)
    response = client.get(reverse("cabinet:invitation_docx", args=[held.meeting.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX_TYPE
    assert response["Content-Disposition"].startswith("attachment")
    document = Document(io.BytesIO(response.content))
    assert "GIẤY MỜI" in [p.text for p in document.paragraphs]


@needs_libreoffice
def test_the_invitation_pdf(held: SimpleNamespace, client: Client) -> None:
    _client(client, held.members[1].user)
    response = client.get(reverse("cabinet:invitation_pdf", args=[held.meeting.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert "no-store" in response["Cache-Control"]
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "GIẤY MỜI" in text
    assert "Dự phiên họp UBND Thành phố thường kỳ tháng 01" in text


def test_a_pdf_that_cannot_be_made_is_explained_not_a_500(
    held: SimpleNamespace, client: Client, settings: Settings
) -> None:
    settings.LIBREOFFICE_BIN = "/nonexistent/soffice"
    _client(client, held.secretary)
    response = client.get(reverse("cabinet:minutes_pdf", args=[held.meeting.pk]))
    assert response.status_code == 503
    body = response.content.decode()
    assert "LibreOffice" in body
    assert "Chưa tạo được bản PDF" in body
    assert reverse("cabinet:minutes_docx", args=[held.meeting.pk]) in body


def test_the_meeting_page_links_the_records_by_role(held: SimpleNamespace, client: Client) -> None:
    _client(client, held.secretary)
    page = client.get(reverse("cabinet:meeting", args=[held.meeting.pk])).content.decode()
    assert reverse("cabinet:minutes_pdf", args=[held.meeting.pk]) in page
    assert reverse("cabinet:invitation_pdf", args=[held.meeting.pk]) in page
    client.logout()
    client.login(username=held.members[0].user.username, password=PASSWORD)
    page = client.get(reverse("cabinet:meeting", args=[held.meeting.pk])).content.decode()
    assert reverse("cabinet:minutes_pdf", args=[held.meeting.pk]) not in page
    assert reverse("cabinet:invitation_docx", args=[held.meeting.pk]) in page


def test_a_guests_invitation_names_only_the_items_the_guest_is_invited_to(
    held: SimpleNamespace, client: Client
) -> None:
    organizer = text_of(invitation_document(held.meeting))
    assert held.report.title in organizer
    _client(client, held.guest.user)  # invited to no item in particular
    response = client.get(reverse("cabinet:invitation_docx", args=[held.meeting.pk]))
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "GIẤY MỜI" in text
    assert held.report.title not in text
    assert held.staffing.title not in text  # restricted: never listed
