"""The minutes say only what happened (issue 19): read back from the DOCX the secretary
downloads, for a meeting held otherwise than planned (tests/cabinet/records/planned_vs_held.py)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from docx import Document
from pypdf import PdfReader

from cabinet.live.services import session as session_services
from cabinet.meetings.services import meetings as meeting_services
from cabinet.papers.lib.convert import conversion_available
from cabinet.records.documents.decree30 import (
    AdminDocument,
    Block,
    Signature,
    docx_to_pdf,
    render_docx,
)
from tests.cabinet.records.planned_vs_held import (
    BUDGET_REPORT,
    FOOD_REPORT,
    PROCEDURES_REPORT,
    HeldOtherwise,
    docx_lines,
    held_otherwise_than_planned,
)
from tests.factories import PASSWORD, add_item, invite, make_meeting

pytestmark = pytest.mark.django_db

needs_libreoffice = pytest.mark.skipif(
    not conversion_available(), reason="LibreOffice is not installed"
)


@pytest.fixture
def held() -> HeldOtherwise:
    return held_otherwise_than_planned()


def minutes_lines(client: Client, held: HeldOtherwise) -> list[str]:
    return docx_lines(client, held, "cabinet:minutes_docx")


def _under(lines: list[str], heading: str) -> list[str]:
    """The lines after an item's heading, up to the next item's."""
    start = lines.index(heading) + 1
    end = next(
        (i for i in range(start, len(lines)) if lines[i][:2] in ("2.", "3.", "4.")), len(lines)
    )
    return lines[start:end]


def test_an_items_description_is_not_printed_as_a_report(
    client: Client, held: HeldOtherwise
) -> None:
    text = "\n".join(minutes_lines(client, held))
    for planned in (BUDGET_REPORT, FOOD_REPORT, PROCEDURES_REPORT):
        assert planned not in text


def test_who_presented_is_what_the_room_recorded(client: Client, held: HeldOtherwise) -> None:
    lines = minutes_lines(client, held)
    # Taken up, its presenter there.
    assert _under(lines, "1. Dự toán ngân sách năm 2027")[0] == (
        "Đơn vị trình bày: Sở Tài chính, đồng chí Trịnh Quang Vinh."
    )
    # Never reached: said so, and no presenter.
    food = _under(lines, "2. An toàn thực phẩm dịp Tết")
    assert food == ["Nội dung này không được thảo luận tại cuộc họp."]
    # Taken up, but its presenter was absent and nobody of her department came.
    procedures = _under(lines, "3. Quy chế phối hợp giải quyết thủ tục hành chính")
    assert procedures[0] == (
        "Người trình bày theo chương trình: đồng chí Lê Thị Hồng Nhung, Sở Nội vụ (vắng mặt)."
    )
    assert not any(line.startswith("Đơn vị trình bày: Sở Nội vụ") for line in lines)


def test_the_observer_is_not_listed_as_not_checked_in(client: Client, held: HeldOtherwise) -> None:
    lines = minutes_lines(client, held)
    # Everyone in the roll call was marked; the observer is not in it.
    assert "Chưa được điểm danh:" not in lines
    assert not any("Ngô Thanh Bình" in line for line in lines)


def test_a_substitute_is_a_comrade_like_everyone_else(client: Client, held: HeldOtherwise) -> None:
    text = "\n".join(minutes_lines(client, held))
    assert "Ông" not in text
    assert (
        "Đồng chí Chu Thị Ngọc Ánh, Chủ tịch UBND xã Sóc Sơn (vắng, cử đồng chí Lại Văn Tuấn, "
        "Phó Chủ tịch UBND xã Sóc Sơn dự thay)" in text
    )
    # A position that names the unit in short does not get the unit repeated after it.
    assert "Chủ trì (chủ tọa): Đồng chí Nguyễn Thị Thu Hà, Phó Chủ tịch UBND Thành phố." in text


def test_an_end_in_the_minute_of_the_start_is_left_blank(client: Client) -> None:
    meeting = make_meeting()
    chair = invite(meeting, "chair", full_name="Phạm Đức Toàn")
    add_item(meeting, "Nội dung")
    meeting_services.publish_meeting(actor=meeting.created_by, meeting=meeting)
    meeting_services.start_meeting(actor=chair.user, meeting=meeting)
    session_services.end_meeting(actor=chair.user, meeting=meeting)
    client.login(username=meeting.created_by.username, password=PASSWORD)
    response = client.get(reverse("cabinet:minutes_docx", args=[meeting.pk]))
    lines = [p.text for p in Document(io.BytesIO(response.content)).paragraphs]
    started = timezone.localtime(meeting.events.get(type="meeting.started").created_at)
    assert f"Thời gian bắt đầu: {started:%H} giờ {started:%M} phút" in "\n".join(lines)
    assert "Cuộc họp kết thúc vào …… giờ ……, ngày …… tháng …… năm ……/." in lines
    # Once it has lasted, the end is printed.
    meeting.events.filter(type="meeting.ended").update(
        created_at=started + dt.timedelta(hours=1, minutes=30)
    )
    response = client.get(reverse("cabinet:minutes_docx", args=[meeting.pk]))
    ended = started + dt.timedelta(hours=1, minutes=30)
    assert f"Cuộc họp kết thúc vào {ended:%H} giờ {ended:%M} phút" in "\n".join(
        p.text for p in Document(io.BytesIO(response.content)).paragraphs
    )


def _minutes_with(paragraphs: int) -> AdminDocument:
    filler = "Nội dung thảo luận của cuộc họp về cải cách hành chính. " * 3
    blocks = tuple(Block.of("body", f"Đoạn {i}: {filler}") for i in range(paragraphs))
    return AdminDocument(
        issuing_body="ỦY BAN NHÂN DÂN\nTHÀNH PHỐ HÀ NỘI",
        number="Số: /BB-UBND",
        place_date="",
        doc_type="BIÊN BẢN",
        summary="Họp thử",
        blocks=(
            *blocks,
            Block.of("body", "Cuộc họp kết thúc vào 16 giờ 30 phút, ngày 18 tháng 11 năm 2026./."),
        ),
        recipients=("Lưu: VT, Hồ sơ.",),
        signatures=(
            Signature(("THƯ KÝ",), "Đỗ Thị Minh Ngọc"),
            Signature(("CHỦ TỌA",), "Nguyễn Thị Thu Hà"),
        ),
    )


def test_the_minutes_closing_is_one_block_in_the_docx() -> None:
    """Both signatures and "Nơi nhận:" are one table row that never splits, and the last
    paragraph before it keeps with it."""
    document = Document(io.BytesIO(render_docx(_minutes_with(3))))
    table = document.tables[-1]
    assert len(table.rows) == 1
    row_properties = table.rows[0]._tr.trPr
    assert row_properties is not None
    assert any(child.tag.endswith("cantSplit") for child in row_properties)
    left = [p.text for p in table.rows[0].cells[0].paragraphs if p.text]
    assert left[-2:] == ["Nơi nhận:", "- Lưu: VT, Hồ sơ."]
    closing = next(p for p in document.paragraphs if p.text.startswith("Cuộc họp kết thúc"))
    assert closing.paragraph_format.keep_with_next


@needs_libreoffice
def test_no_page_starts_with_the_closing_alone() -> None:
    """Around a page break (the lengths where, before issue 19, "Nơi nhận:" fell alone on the
    last page), the last page starts with the end sentence, then the signatures and recipients."""
    for paragraphs in range(27, 32):
        pdf = PdfReader(io.BytesIO(docx_to_pdf(render_docx(_minutes_with(paragraphs)))))
        last = pdf.pages[-1].extract_text()
        for expected in ("Cuộc họp kết thúc", "THƯ KÝ", "CHỦ TỌA", "Nơi nhận:", "Lưu: VT"):
            assert expected in last, (paragraphs, last[:200])
