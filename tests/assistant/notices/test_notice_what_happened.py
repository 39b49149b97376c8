"""The conclusion notice says only what happened (issue 19), read back from the DOCX the
secretary downloads, for a meeting held otherwise than planned
(tests/cabinet/records/planned_vs_held.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from cabinet.records.services import conclusions as record
from cabinet.records.services import notices as notice_services
from tests.cabinet.records.planned_vs_held import (
    HeldOtherwise,
    docx_lines,
    held_otherwise_than_planned,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def held() -> HeldOtherwise:
    return held_otherwise_than_planned()


def notice_lines(client: Client, held: HeldOtherwise) -> list[str]:
    return docx_lines(client, held, "assistant:notice_docx")


def test_only_the_reports_presented_were_heard(client: Client, held: HeldOtherwise) -> None:
    lines = notice_lines(client, held)
    # Sở Y tế's item was never reached; Sở Nội vụ's presenter was absent (nobody of hers came).
    assert (
        "Sau khi nghe Sở Tài chính báo cáo, ý kiến của các đại biểu dự họp, đồng chí Nguyễn Thị "
        "Thu Hà kết luận như sau:" in lines
    )


def test_with_no_report_on_record_only_the_opinions_were_heard(
    client: Client, held: HeldOtherwise
) -> None:
    # The finance director turns out to have been absent too (the secretary corrects the roll
    # call): no report was heard at all.
    held.meeting.attendance.filter(participant__user__full_name="Trịnh Quang Vinh").update(
        status="absent", reason="Ốm"
    )
    lines = notice_lines(client, held)
    assert (
        "Sau khi nghe ý kiến của các đại biểu dự họp, đồng chí Nguyễn Thị Thu Hà kết luận "
        "như sau:" in lines
    )
    assert not any("báo cáo, ý kiến" in line for line in lines)


def test_a_substitute_is_a_comrade_like_everyone_else(client: Client, held: HeldOtherwise) -> None:
    text = "\n".join(notice_lines(client, held))
    assert "Ông" not in text
    assert (
        "đồng chí Lại Văn Tuấn, Phó Chủ tịch UBND xã Sóc Sơn (dự thay đồng chí Chu Thị Ngọc "
        "Ánh, Chủ tịch UBND xã Sóc Sơn)" in text
    )


def test_noi_nhan_keeps_every_unit_given_work_after_the_secretary_rewrote_it(
    client: Client, held: HeldOtherwise
) -> None:
    # She rewrote Nơi nhận (dropping Sở Xây dựng), then a task went to the commune.
    notice_services.save_notice_draft(
        actor=held.secretary,
        meeting=held.meeting,
        variant="committee",
        content={
            "recipients": "Chủ tịch UBND Thành phố;\nSở Tài chính;\nVP UBND Thành phố: CVP;\n"
            "Lưu: VT, TH."
        },
    )
    record.add_task(
        actor=held.secretary,
        meeting=held.meeting,
        item_id=held.budget.pk,
        lead_unit_id=held.units["xss"].pk,
        content="rà soát nhu cầu kinh phí của xã",
        deadline=dt.date(2027, 1, 20),
        report_to="UBND Thành phố",
    )
    lines = notice_lines(client, held)
    start = lines.index("Nơi nhận:")
    assert lines[start + 1 : start + 7] == [
        "- Chủ tịch UBND Thành phố;",
        "- Sở Tài chính;",
        "- Sở Xây dựng;",
        "- UBND xã Sóc Sơn;",
        "- VP UBND Thành phố: CVP;",
        "- Lưu: VT, TH.",
    ]
