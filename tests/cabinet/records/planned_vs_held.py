"""A meeting held otherwise than planned, for the records that must say only what happened.

The plan: three items presented by Sở Tài chính, Sở Y tế and Sở Nội vụ, each with a description
written as a report ("Sở Y tế báo cáo ..."). What happened: the chair took up the first and the
third item only; the Giám đốc Sở Y tế and the Giám đốc Sở Nội vụ (presenters of the second and
the third) were absent, nobody else from their departments came; the chair of a commune sent a
deputy whose name was typed "Ông Lại Văn Tuấn, ..."; the observer was never marked (observers
are not in the roll call). Conclusions gave work to Sở Tài chính and Sở Xây dựng.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from django.test import Client
from django.urls import reverse
from docx import Document

from cabinet.live.services import attendance as attendance_services
from cabinet.live.services import room as room_services
from cabinet.live.services import session as session_services
from cabinet.meetings.services import meetings as meeting_services
from cabinet.models import AgendaItem, Meeting, Participant, Unit, User
from cabinet.records.services import conclusions as record
from tests.factories import PASSWORD, add_item, invite, make_meeting, make_unit, make_user

BUDGET_REPORT = "Sở Tài chính báo cáo dự toán thu, chi ngân sách năm 2027."
FOOD_REPORT = "Sở Y tế báo cáo kế hoạch kiểm tra liên ngành dịp Tết."
PROCEDURES_REPORT = "Sở Nội vụ báo cáo dự thảo Quy chế phối hợp."
SUBSTITUTE_TYPED = "Ông Lại Văn Tuấn, Phó Chủ tịch UBND xã Sóc Sơn"


@dataclass
class HeldOtherwise:
    meeting: Meeting
    secretary: User
    chair: Participant
    observer: Participant
    budget: AgendaItem
    food: AgendaItem
    procedures: AgendaItem
    units: dict[str, Unit]


def held_otherwise_than_planned() -> HeldOtherwise:
    committee = make_unit(code="ubnd", name="Ủy ban nhân dân Thành phố", kind="committee")
    office = make_unit(code="vp", name="Văn phòng UBND Thành phố", kind="office")
    make_user(full_name="Vũ Đăng Khoa", position="Chánh Văn phòng UBND Thành phố", unit=office)
    units = {
        code: make_unit(code=code, name=name, kind=kind)
        for code, name, kind in [
            ("stc", "Sở Tài chính", "department"),
            ("syt", "Sở Y tế", "department"),
            ("snv", "Sở Nội vụ", "department"),
            ("sxd", "Sở Xây dựng", "department"),
            ("xss", "UBND xã Sóc Sơn", "ward"),
        ]
    }
    secretary = make_user(organizer=True, full_name="Đỗ Thị Minh Ngọc", position="Chuyên viên")
    meeting = make_meeting(
        secretary=secretary,
        title="Họp giao ban Thường trực UBND Thành phố",
        location="Phòng họp số 3",
        organizer_unit=committee,
    )
    chair = invite(
        meeting,
        "chair",
        full_name="Nguyễn Thị Thu Hà",
        position="Phó Chủ tịch UBND Thành phố",
        unit=committee,
    )
    finance = invite(
        meeting,
        "member",
        full_name="Trịnh Quang Vinh",
        position="Giám đốc Sở Tài chính",
        unit=units["stc"],
    )
    health = invite(
        meeting,
        "member",
        full_name="Phan Thị Thanh Huyền",
        position="Giám đốc Sở Y tế",
        unit=units["syt"],
    )
    home = invite(
        meeting,
        "member",
        full_name="Lê Thị Hồng Nhung",
        position="Giám đốc Sở Nội vụ",
        unit=units["snv"],
    )
    commune = invite(
        meeting,
        "member",
        full_name="Chu Thị Ngọc Ánh",
        position="Chủ tịch UBND xã Sóc Sơn",
        unit=units["xss"],
    )
    observer = invite(
        meeting, "observer", full_name="Ngô Thanh Bình", position="Thanh tra viên chính"
    )
    budget = add_item(
        meeting,
        "Dự toán ngân sách năm 2027",
        description=BUDGET_REPORT,
        presenter_unit=units["stc"],
        presenter=finance.user,
    )
    food = add_item(
        meeting,
        "An toàn thực phẩm dịp Tết",
        description=FOOD_REPORT,
        presenter_unit=units["syt"],
        presenter=health.user,
    )
    procedures = add_item(
        meeting,
        "Quy chế phối hợp giải quyết thủ tục hành chính",
        description=PROCEDURES_REPORT,
        presenter_unit=units["snv"],
        presenter=home.user,
    )
    meeting_services.publish_meeting(actor=secretary, meeting=meeting)
    meeting_services.start_meeting(actor=chair.user, meeting=meeting)
    for participant, status, detail in [
        (chair, "present", ""),
        (finance, "present", ""),
        (health, "absent", "Đi công tác tại Bộ Y tế"),
        (home, "absent", "Dự hội nghị của Bộ Nội vụ"),
        (commune, "represented", SUBSTITUTE_TYPED),
    ]:
        attendance_services.mark_attendance(
            actor=secretary,
            meeting=meeting,
            participant_id=participant.pk,
            status=status,
            reason=detail if status == "absent" else "",
            substitute=detail if status == "represented" else "",
        )
    # The chair takes up the first item, then the third: the second is never reached.
    room_services.move_to_item(actor=chair.user, meeting=meeting, item_id=budget.pk)
    room_services.move_to_item(actor=chair.user, meeting=meeting, item_id=procedures.pk)
    session_services.end_meeting(actor=chair.user, meeting=meeting)
    record.record_conclusion(
        actor=secretary,
        meeting=meeting,
        item_id=budget.pk,
        text="Thống nhất dự toán ngân sách năm 2027 như Sở Tài chính trình.",
    )
    record.add_task(
        actor=secretary,
        meeting=meeting,
        item_id=budget.pk,
        lead_unit_id=units["stc"].pk,
        coordinating_unit_ids=[units["sxd"].pk],
        content="hoàn thiện hồ sơ dự toán",
        deadline=dt.date(2027, 1, 15),
        report_to="UBND Thành phố",
    )
    meeting.refresh_from_db()
    return HeldOtherwise(
        meeting=meeting,
        secretary=secretary,
        chair=chair,
        observer=observer,
        budget=budget,
        food=food,
        procedures=procedures,
        units=units,
    )


def docx_lines(client: Client, held: HeldOtherwise, url_name: str) -> list[str]:
    """Every paragraph of the meeting's DOCX at ``url_name``, the tables' cells included, as
    the secretary downloads it."""
    client.login(username=held.secretary.username, password=PASSWORD)
    response = client.get(reverse(url_name, args=[held.meeting.pk]))
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                lines += [p.text for p in cell.paragraphs]
    return lines
