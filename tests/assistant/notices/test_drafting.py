"""The conclusion notice drafted from a meeting's record: every recorded conclusion and task, the
attendance and vote results from the system, Nơi nhận complete, both issuing variants, the
secretary's edits kept while the rest follows the record, and references only from the library."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, TypedDict

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from assistant.demo import DIRECTIVE_DIR
from assistant.notices import drafting
from cabinet.live.services import attendance as attendance_services
from cabinet.live.services import session as session_services
from cabinet.meetings.services import meetings as meeting_services
from cabinet.models import AgendaItem, ConclusionNotice, Meeting, NoticeStatus, Task, Unit, User
from cabinet.records.documents.decree30 import date_phrase
from cabinet.records.services import conclusions as record
from cabinet.records.services import notices as notice_services
from cabinet.voting import services as voting_services
from tests.factories import (
    PASSWORD,
    add_item,
    invite,
    make_meeting,
    make_unit,
    make_user,
    secretary_of,
)
from tests.factories.llm import FakeLlm, serve_fake_llm

pytestmark = pytest.mark.django_db


class MeetingRecord(TypedDict):
    """What ``meeting_record`` hands the tests: the meeting and who played which part in it."""

    meeting: Meeting
    secretary: User
    chair: User
    member: User
    observer: User
    items: dict[str, AgendaItem]
    tasks: list[Task]
    units: dict[str, Unit]


@pytest.fixture
def meeting_record() -> MeetingRecord:
    """A thematic meeting chaired by a vice-chair, held and ended, with attendance marked (one
    present, one online, one represented, one absent), two items presented by departments, a
    closed poll, conclusions and three tasks."""
    office = make_unit(code="vp", name="Văn phòng UBND Thành phố", kind="office")
    make_user(full_name="Vũ Đăng Khoa", position="Chánh Văn phòng UBND Thành phố", unit=office)
    units = {
        code: make_unit(code=code, name=name, short_name=code.upper())
        for code, name in [
            ("ca", "Công an Thành phố"),
            ("skhcn", "Sở Khoa học và Công nghệ"),
            ("stc", "Sở Tài chính"),
            ("snv", "Sở Nội vụ"),
        ]
    }
    start = dt.datetime(2026, 11, 9, 14, 0, tzinfo=timezone.get_current_timezone())
    meeting = make_meeting(
        title="Họp chuyên đề về cải cách hành chính năm 2026",
        location="Phòng họp số 2, 12 Lê Lai",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
    )
    secretary = secretary_of(meeting)
    chair = invite(
        meeting, "chair", full_name="Nguyễn Thị Thu Hà", position="Phó Chủ tịch UBND Thành phố"
    )
    present = invite(meeting, "member", full_name="Đinh Công Sơn", position="Giám đốc Công an")
    online = invite(meeting, "member", full_name="Đặng Minh Quân", position="Giám đốc Sở KH&CN")
    represented = invite(meeting, "member", full_name="Trịnh Quang Vinh", position="Giám đốc STC")
    absent = invite(meeting, "member", full_name="Lê Thị Hồng Nhung", position="Giám đốc Sở NV")
    observer = invite(meeting, "observer", full_name="Ngô Thanh Bình", position="Thanh tra viên")
    opening = add_item(meeting, "Khai mạc")
    de_an = add_item(meeting, "Tình hình thực hiện Đề án 06", presenter_unit=units["ca"])
    chu_ky = add_item(meeting, "Đề xuất hỗ trợ chữ ký số miễn phí", presenter_unit=units["skhcn"])
    meeting_services.publish_meeting(actor=secretary, meeting=meeting)
    meeting_services.start_meeting(actor=chair.user, meeting=meeting)
    for participant, status, detail in [
        (chair, "present", ""),
        (present, "present", ""),
        (online, "online", ""),
        (represented, "represented", "Nguyễn Văn Phó, Phó Giám đốc Sở Tài chính"),
        (absent, "absent", "đi công tác"),
    ]:
        attendance_services.mark_attendance(
            actor=secretary,
            meeting=meeting,
            participant_id=participant.pk,
            status=status,
            reason=detail if status == "absent" else "",
            substitute=detail if status == "represented" else "",
        )
    poll = voting_services.create_poll(
        actor=chair.user,
        meeting=meeting,
        question="Thông qua đề xuất hỗ trợ chữ ký số miễn phí",
        item_id=chu_ky.pk,
        rule="cast_majority",
    )
    voting_services.open_poll(actor=chair.user, meeting=meeting, poll_id=poll.pk)
    options = list(poll.options.order_by("position").values_list("pk", flat=True))
    for voter, choice in [(chair, 0), (present, 0), (online, 1)]:
        voting_services.cast_vote(
            actor=voter.user, poll_id=poll.pk, option_id=options[choice], client_id=f"c{voter.pk}"
        )
    voting_services.close_poll(actor=chair.user, meeting=meeting, poll_id=poll.pk)
    session_services.end_meeting(actor=chair.user, meeting=meeting)
    record.record_conclusion(
        actor=secretary,
        meeting=meeting,
        item_id=None,
        text="Các đơn vị đã bám sát chỉ đạo; tỷ lệ hồ sơ trực tuyến toàn trình đạt 62%.",
    )
    record.record_conclusion(
        actor=secretary,
        meeting=meeting,
        item_id=de_an.pk,
        text="Cơ bản thống nhất báo cáo của Công an Thành phố.\nYêu cầu làm sạch dữ liệu dân cư.",
    )
    tasks = [
        record.add_task(
            actor=secretary,
            meeting=meeting,
            item_id=de_an.pk,
            lead_unit_id=units["ca"].pk,
            coordinating_unit_ids=[units["snv"].pk],
            content="hoàn thành làm sạch dữ liệu dân cư",
            deadline=dt.date(2026, 12, 31),
            report_to="UBND Thành phố",
        ),
        record.add_task(
            actor=secretary,
            meeting=meeting,
            item_id=de_an.pk,
            lead_unit_id=units["snv"].pk,
            with_related_units=True,
            content="rà soát quy trình nội bộ",
            deadline=dt.date(2026, 12, 15),
            report_to="",
        ),
        record.add_task(
            actor=secretary,
            meeting=meeting,
            item_id=chu_ky.pk,
            lead_unit_id=units["skhcn"].pk,
            coordinating_unit_ids=[units["stc"].pk],
            content="hoàn thiện phương án hỗ trợ chữ ký số",
            deadline=dt.date(2027, 1, 15),
            report_to="UBND Thành phố",
        ),
    ]
    return {
        "meeting": meeting,
        "secretary": secretary,
        "chair": chair.user,
        "member": present.user,
        "observer": observer.user,
        "items": {"opening": opening, "de_an": de_an, "chu_ky": chu_ky},
        "tasks": tasks,
        "units": units,
    }


def _draft(data: MeetingRecord, **kwargs: Any) -> drafting.NoticeDraft:
    notice = ConclusionNotice.objects.filter(meeting=data["meeting"]).first()
    return drafting.build_notice(data["meeting"], user=data["secretary"], notice=notice, **kwargs)


def _text(draft: drafting.NoticeDraft) -> str:
    return "\n".join(block.text for block in drafting.to_document(draft).blocks)


def test_the_title_opening_and_transition_come_from_the_meeting(
    meeting_record: MeetingRecord,
) -> None:
    draft = _draft(meeting_record)
    assert draft.title == (
        "Kết luận của đồng chí Nguyễn Thị Thu Hà, Phó Chủ tịch UBND Thành phố tại cuộc họp "
        "chuyên đề về cải cách hành chính năm 2026"
    )
    assert draft.opening.startswith("Ngày 09/11/2026, tại Phòng họp số 2, 12 Lê Lai, đồng chí")
    assert draft.transition == (
        "Sau khi nghe Công an Thành phố và Sở Khoa học và Công nghệ báo cáo, ý kiến của các đại "
        "biểu dự họp, đồng chí Nguyễn Thị Thu Hà kết luận như sau:"
    )


def test_the_attendees_are_who_attended_by_the_roll_call(meeting_record: MeetingRecord) -> None:
    attendees = _draft(meeting_record).attendees
    assert "đồng chí Đinh Công Sơn, Giám đốc Công an" in attendees
    assert "Đặng Minh Quân, Giám đốc Sở KH&CN (dự trực tuyến)" in attendees
    assert "Nguyễn Văn Phó, Phó Giám đốc Sở Tài chính (dự thay đồng chí Trịnh Quang Vinh" in (
        attendees
    )
    assert "Lê Thị Hồng Nhung" not in attendees  # absent
    assert "Ngô Thanh Bình" not in attendees  # an observer is not an attendee


def test_every_conclusion_task_and_vote_is_in_the_draft(meeting_record: MeetingRecord) -> None:
    draft = _draft(meeting_record)
    text = _text(draft)
    assert draft.assessment.startswith("Các đơn vị đã bám sát chỉ đạo")
    assert "Cơ bản thống nhất báo cáo của Công an Thành phố." in text
    assert "Yêu cầu làm sạch dữ liệu dân cư." in text
    assert [s.heading for s in draft.sections] == [
        "Về tình hình thực hiện Đề án 06",
        "Về đề xuất hỗ trợ chữ ký số miễn phí",
    ]  # "Khai mạc" concluded nothing and is left out
    assert draft.sections[0].task_lines == [
        "a) Giao Công an Thành phố chủ trì, phối hợp với Sở Nội vụ hoàn thành làm sạch dữ liệu "
        "dân cư; báo cáo UBND Thành phố trước ngày 31/12/2026.",
        "b) Giao Sở Nội vụ chủ trì, phối hợp với các cơ quan, đơn vị liên quan rà soát quy trình "
        "nội bộ, hoàn thành trước ngày 15/12/2026.",
    ]
    assert draft.sections[1].tasks == [
        "Giao Sở Khoa học và Công nghệ chủ trì, phối hợp với Sở Tài chính hoàn thiện phương án "
        "hỗ trợ chữ ký số; báo cáo UBND Thành phố trước ngày 15/01/2027."
    ]
    assert draft.sections[1].votes == [
        "Kết quả biểu quyết công khai “Thông qua đề xuất hỗ trợ chữ ký số miễn phí”: Tán thành "
        "2/3 (66,67%), Không tán thành 1/3 (33,33%), Không biểu quyết 0/3 (0%); được thông qua."
    ]
    assert "Văn phòng UBND Thành phố thông báo để các cơ quan, đơn vị biết, thực hiện./." in text


def test_noi_nhan_names_the_leaders_and_every_unit_with_a_task(
    meeting_record: MeetingRecord,
) -> None:
    assert _draft(meeting_record).recipients == [
        "Chủ tịch UBND Thành phố (để báo cáo);",
        "Các Phó Chủ tịch UBND Thành phố;",
        "Công an Thành phố;",
        "Sở Nội vụ;",
        "Sở Khoa học và Công nghệ;",
        "Sở Tài chính;",
        "VP UBND Thành phố: CVP, các PCVP;",
        "Lưu: VT, TH.",
    ]


def test_both_issuing_variants(meeting_record: MeetingRecord) -> None:
    data = meeting_record
    committee = drafting.to_document(_draft(data))
    assert committee.issuing_body == "ỦY BAN NHÂN DÂN\nTHÀNH PHỐ HÀ NỘI"
    assert committee.parent_body == ""
    assert committee.number.endswith("/TB-UBND")
    assert committee.signatures[0].authority == ("TL. CHỦ TỊCH", "CHÁNH VĂN PHÒNG")
    assert committee.signatures[0].name == "Vũ Đăng Khoa"
    assert committee.draft
    assert committee.doc_type == "THÔNG BÁO"
    notice_services.save_notice_draft(
        actor=data["secretary"], meeting=data["meeting"], variant="office", content={}
    )
    office = drafting.to_document(_draft(data))
    assert (office.parent_body, office.issuing_body) == ("UBND THÀNH PHỐ HÀ NỘI", "VĂN PHÒNG")
    assert office.number.endswith("/TB-VP")
    assert office.signatures[0].authority == ("CHÁNH VĂN PHÒNG",)


def test_edits_are_kept_and_what_was_not_edited_follows_the_record(
    meeting_record: MeetingRecord,
) -> None:
    data = meeting_record
    base = _draft(data)
    key = base.sections[0].key
    content = drafting.overrides_from(
        base,
        parts={"assessment": "Đánh giá do thư ký viết lại.", "title": base.title + "  "},
        items={key: {"conclusion": "Kết luận đã biên tập."}},
        references={},
    )
    # Only what differs is stored (trailing spaces are not a change).
    assert content == {
        "assessment": "Đánh giá do thư ký viết lại.",
        "items": {key: {"conclusion": "Kết luận đã biên tập."}},
    }
    notice_services.save_notice_draft(
        actor=data["secretary"], meeting=data["meeting"], variant="committee", content=content
    )
    record.add_task(
        actor=data["secretary"],
        meeting=data["meeting"],
        item_id=data["items"]["chu_ky"].pk,
        lead_unit_id=data["units"]["stc"].pk,
        content="bố trí kinh phí",
        deadline=dt.date(2027, 2, 1),
        report_to="UBND Thành phố",
    )
    after = _draft(data)
    assert after.assessment == "Đánh giá do thư ký viết lại."
    assert after.sections[0].conclusion == "Kết luận đã biên tập."
    assert any("bố trí kinh phí" in t for t in after.sections[1].tasks)


def _approve_and_issue(
    data: MeetingRecord, day: dt.date = dt.date(2026, 11, 12)
) -> ConclusionNotice:
    notice = ConclusionNotice.objects.get(meeting=data["meeting"])
    shown = drafting.build_notice(data["meeting"], user=data["chair"], notice=notice)
    notice_services.approve_notice(
        actor=data["chair"], meeting=data["meeting"], approved_content=shown.as_content()
    )
    return notice_services.issue_notice(actor=data["secretary"], meeting=data["meeting"], today=day)


def test_what_is_issued_is_what_the_chair_approved(meeting_record: MeetingRecord) -> None:
    data = meeting_record
    notice_services.save_notice_draft(
        actor=data["secretary"], meeting=data["meeting"], variant="committee", content={}
    )
    notice = ConclusionNotice.objects.get(meeting=data["meeting"])
    shown = drafting.build_notice(data["meeting"], user=data["chair"], notice=notice)
    notice_services.approve_notice(
        actor=data["chair"], meeting=data["meeting"], approved_content=shown.as_content()
    )
    approved = _draft(data)
    assert not approved.is_draft  # "DỰ THẢO" until approved (DOMAIN.md)
    assert approved.number_line == "Số:        /TB-UBND"  # number and date when issued
    # A unit renamed after the approval does not change the text that will be issued.
    Unit.objects.filter(pk=data["units"]["ca"].pk).update(name="Công an TP (tên mới)")
    notice = notice_services.issue_notice(actor=data["secretary"], meeting=data["meeting"])
    assert "Công an TP (tên mới)" not in _text(_draft(data))
    assert notice.content["final"] == shown.as_content()


def test_removing_a_conclusion_after_approval_sends_the_notice_back(
    meeting_record: MeetingRecord,
) -> None:
    data = meeting_record
    notice_services.save_notice_draft(
        actor=data["secretary"], meeting=data["meeting"], variant="committee", content={}
    )
    notice_services.approve_notice(
        actor=data["chair"], meeting=data["meeting"], approved_content={}
    )
    record.record_conclusion(
        actor=data["secretary"], meeting=data["meeting"], item_id=data["items"]["de_an"].pk, text=""
    )
    assert ConclusionNotice.objects.get(meeting=data["meeting"]).status == NoticeStatus.DRAFT


def test_the_issued_notice_never_changes_afterwards(meeting_record: MeetingRecord) -> None:
    data = meeting_record
    notice_services.save_notice_draft(
        actor=data["secretary"], meeting=data["meeting"], variant="committee", content={}
    )
    _approve_and_issue(data)
    Unit.objects.filter(pk=data["units"]["ca"].pk).update(name="Công an TP (tên mới)")
    issued = _draft(data)
    assert not issued.is_draft
    assert issued.number_line == "Số: 01/TB-UBND"
    assert issued.place_date == "Hà Nội, ngày 12 tháng 11 năm 2026"
    assert "Công an TP (tên mới)" not in _text(issued)
    assert "Giao Công an Thành phố chủ trì" in _text(issued)
    assert Task.objects.filter(meeting=data["meeting"], tracked_since__isnull=False).count() == 3


def test_dates_follow_the_decree(meeting_record: MeetingRecord) -> None:
    assert date_phrase(dt.date(2026, 1, 5)) == "ngày 05 tháng 01 năm 2026"
    assert date_phrase(dt.date(2026, 2, 28)) == "ngày 28 tháng 02 năm 2026"
    assert date_phrase(dt.date(2026, 11, 9)) == "ngày 09 tháng 11 năm 2026"


# --- The page -------------------------------------------------------------------------------------


def _login(client: Client, user: User) -> None:
    assert client.login(username=user.username, password=PASSWORD)


def test_the_draft_is_for_the_secretary_and_chair_and_the_issued_notice_for_all(
    client: Client, meeting_record: MeetingRecord
) -> None:
    data = meeting_record
    url = reverse("assistant:notice", args=[data["meeting"].pk])
    _login(client, data["member"])
    assert client.get(url).status_code == 403
    _login(client, make_user())
    assert client.get(url).status_code == 404
    _login(client, data["secretary"])
    page = client.get(url).content.decode()
    assert "DỰ THẢO" in page
    assert "Giao Công an Thành phố chủ trì" in page
    assert client.post(url, {"action": "save", "variant": "committee"}).status_code == 302
    _login(client, data["member"])
    assert client.post(url, {"action": "approve"}).status_code == 403
    _login(client, data["chair"])
    client.post(url, {"action": "approve"})
    _login(client, data["secretary"])
    client.post(url, {"action": "issue"})
    notice = ConclusionNotice.objects.get(meeting=data["meeting"])
    assert notice.status == NoticeStatus.ISSUED
    assert notice.reference == "01/TB-UBND"
    _login(client, data["member"])
    page = client.get(url).content.decode()
    assert "01/TB-UBND" in page
    assert "DỰ THẢO" not in page
    assert 'name="action"' not in page  # read-only


def test_saving_the_form_stores_only_the_changed_parts(
    client: Client, meeting_record: MeetingRecord
) -> None:
    data = meeting_record
    _login(client, data["secretary"])
    url = reverse("assistant:notice", args=[data["meeting"].pk])
    base = _draft(data)
    form = {f"part_{name}": value for name, value in base.defaults.items()}
    form |= {"action": "save", "variant": "office", "part_closing": "Câu kết đã sửa./."}
    for section in base.sections:
        form[f"item_{section.key}_heading"] = section.heading
        form[f"item_{section.key}_conclusion"] = section.conclusion
    client.post(url, form)
    notice = ConclusionNotice.objects.get(meeting=data["meeting"])
    assert notice.variant == "office"
    assert notice.content == {"closing": "Câu kết đã sửa./."}


def test_a_reference_to_a_document_outside_the_library_is_never_stored(
    client: Client, meeting_record: MeetingRecord
) -> None:
    data = meeting_record
    _login(client, data["secretary"])
    url = reverse("assistant:notice", args=[data["meeting"].pk])
    key = _draft(data).sections[0].key
    response = client.post(url, {"action": "save", "variant": "committee", f"ref_{key}": "424242"})
    assert response.status_code == 302
    notice = ConclusionNotice.objects.filter(meeting=data["meeting"]).first()
    assert notice is None or "references" not in notice.content


# --- References proposed from the library (the real embedding model) ------------------------------

DEMO = DIRECTIVE_DIR


def _section(heading: str, conclusion: str) -> drafting.NoticeSection:
    return drafting.NoticeSection(
        key="k", number=1, heading=heading, conclusion=conclusion, references=[], votes=[], tasks=[]
    )


def test_the_library_proposes_the_directive_a_conclusion_carries_out_and_nothing_unrelated() -> (
    None
):
    from tests.factories.library import add_directive

    chi_thi = add_directive(
        (DEMO / "ct-chuyen-doi-so-2026.txt").read_text(),
        name="ct.txt",
        number="05/CT-UBND",
        doc_type="chi_thi",
        issuer="ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI",
        issued_on=dt.date(2026, 3, 12),
        title="Về đẩy mạnh chuyển đổi số và số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
    )
    ke_hoach = add_directive(
        (DEMO / "kh-de-an-06-2026.txt").read_text(),
        name="kh.txt",
        number="28/KH-UBND",
        doc_type="ke_hoach",
        title="Triển khai Đề án 06 năm 2026 trên địa bàn Thành phố",
    )
    user = make_user()
    digitising = drafting.suggest_references(
        _section(
            "Về kế hoạch số hóa hồ sơ, kết quả giải quyết thủ tục hành chính tại UBND phường, xã",
            "Giao Văn phòng UBND Thành phố chủ trì số hóa hồ sơ thủ tục hành chính tại bộ phận "
            "một cửa cấp xã.",
        ),
        user=user,
    )
    assert [s.directive_id for s in digitising][:1] == [chi_thi.pk]
    assert digitising[0].sentence == (
        "Thực hiện Chỉ thị số 05/CT-UBND ngày 12/03/2026 của UBND Thành phố về đẩy mạnh chuyển "
        "đổi số và số hóa hồ sơ, kết quả giải quyết thủ tục hành chính."
    )
    de_an = drafting.suggest_references(
        _section("Về tình hình thực hiện Đề án 06", "Làm sạch dữ liệu dân cư, VNeID."), user=user
    )
    assert [s.directive_id for s in de_an][:1] == [ke_hoach.pk]
    budget = drafting.suggest_references(
        _section("Về dự toán ngân sách năm 2027", "Cân đối nguồn vốn đầu tư công, tăng thu."),
        user=user,
    )
    assert budget == []


def test_a_reference_names_the_document_once_and_reads_as_a_sentence() -> None:
    from assistant.models import Directive

    def sentence(**fields: Any) -> str:
        return drafting.reference_sentence(Directive(**fields))

    assert sentence(
        doc_type="ke_hoach",
        number="28/KH-UBND",
        issued_on=dt.date(2026, 1, 23),
        issuer="ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI",
        title="Kế hoạch triển khai Đề án 06 năm 2026 trên địa bàn Thành phố",
    ) == (
        "Thực hiện Kế hoạch số 28/KH-UBND ngày 23/01/2026 của UBND Thành phố về triển khai Đề án "
        "06 năm 2026 trên địa bàn Thành phố."
    )
    assert (
        sentence(
            doc_type="nghi_dinh",
            number="30/2020/NĐ-CP",
            issued_on=dt.date(2020, 3, 5),
            issuer="CHÍNH PHỦ",
            title="Về công tác văn thư",
        )
        == "Thực hiện Nghị định số 30/2020/NĐ-CP ngày 05/03/2020 của Chính phủ về công tác văn thư."
    )
    assert sentence(
        doc_type="quyet_dinh",
        number="3862/QĐ-UBND",
        title="Ban hành Quy chế làm việc của Ủy ban nhân dân Thành phố Hà Nội",
    ) == (
        "Thực hiện Quyết định số 3862/QĐ-UBND về việc ban hành Quy chế làm việc của Ủy ban nhân "
        "dân Thành phố Hà Nội."
    )


# --- The exports ----------------------------------------------------------------------------------


def test_the_notice_downloads_as_a_decree_30_docx_in_both_variants(
    client: Client, meeting_record: MeetingRecord
) -> None:
    import io

    from docx import Document

    data = meeting_record
    _login(client, data["secretary"])
    response = client.get(reverse("assistant:notice_docx", args=[data["meeting"].pk]))
    assert response.status_code == 200
    assert response["Cache-Control"].endswith("no-store")
    assert 'filename="du-thao-thong-bao-ket-luan-hop-' in response["Content-Disposition"]
    document = Document(io.BytesIO(response.content))
    section = document.sections[0]
    # python-docx reads None when the document leaves the size to the application: ours sets it.
    assert section.page_width is not None
    assert section.page_height is not None
    assert section.left_margin is not None
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.left_margin.mm) in range(30, 36)
    header = document.tables[0]
    left, right = header.rows[0].cells[0].text, header.rows[0].cells[1].text
    assert "ỦY BAN NHÂN DÂN" in left
    assert "THÀNH PHỐ HÀ NỘI" in left
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in right
    paragraphs = [p.text for p in document.paragraphs]
    assert "DỰ THẢO" in paragraphs[0] or any("DỰ THẢO" in p for p in paragraphs[:3])
    assert "THÔNG BÁO" in paragraphs
    assert any(p.startswith("a) Giao Công an Thành phố chủ trì") for p in paragraphs)
    everything = "\n".join(paragraphs) + "\n".join(
        c.text for t in document.tables for r in t.rows for c in r.cells
    )
    assert "TL. CHỦ TỊCH" in everything
    assert "Lưu: VT, TH." in everything
    bold_type = [r for p in document.paragraphs if p.text == "THÔNG BÁO" for r in p.runs]
    assert bold_type
    assert all(r.bold for r in bold_type)
    body = [p for p in document.paragraphs if p.text.startswith("a) Giao Công an")]
    assert body
    assert all(r.font.size is not None and r.font.size.pt == 14 for r in body[0].runs)

    notice_services.save_notice_draft(
        actor=data["secretary"], meeting=data["meeting"], variant="office", content={}
    )
    office = Document(
        io.BytesIO(client.get(reverse("assistant:notice_docx", args=[data["meeting"].pk])).content)
    )
    left = "\n".join(row.cells[0].text for row in office.tables[0].rows)
    assert "UBND THÀNH PHỐ HÀ NỘI\nVĂN PHÒNG" in left
    assert "/TB-VP" in left


def test_the_issued_notice_pdf_reads_back_with_its_number_and_date(
    client: Client, meeting_record: MeetingRecord
) -> None:
    import io

    from pypdf import PdfReader

    from cabinet.papers.lib.convert import conversion_available

    if not conversion_available():
        pytest.skip("LibreOffice is not installed")
    data = meeting_record
    notice_services.save_notice_draft(
        actor=data["secretary"], meeting=data["meeting"], variant="committee", content={}
    )
    _approve_and_issue(data)
    _login(client, data["member"])  # every participant reads the issued notice
    response = client.get(reverse("assistant:notice_pdf", args=[data["meeting"].pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="thong-bao-ket-luan-01-tb-ubnd.pdf"' in response["Content-Disposition"]
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    flat = " ".join(text.split())
    assert "Số: 01/TB-UBND" in flat
    assert "Hà Nội, ngày 12 tháng 11 năm 2026" in flat
    assert "DỰ THẢO" not in flat
    assert "Nguyễn Thị Thu Hà" in flat
    assert "Giao Sở Khoa học và Công nghệ chủ trì" in flat


# --- The optional LLM rewrite of the assessment (a fake endpoint, never the network) --------------


@pytest.fixture
def fake_llm() -> Iterator[FakeLlm]:
    with serve_fake_llm() as fake:
        yield fake


def test_a_rewrite_that_adds_a_figure_or_a_unit_is_refused() -> None:
    from assistant.notices.polish import PolishRefused, check_polish

    facts = "Tỷ lệ hồ sơ trực tuyến đạt 62%; Công an Thành phố làm sạch dữ liệu dân cư."
    original = "Tỷ lệ hồ sơ trực tuyến đạt 62%."
    kept = check_polish(
        "Tỷ lệ hồ sơ trực tuyến toàn trình đạt 62%, nhờ Công an Thành phố làm sạch dữ liệu.",
        facts=facts,
        original=original,
    )
    assert kept.startswith("Tỷ lệ hồ sơ")
    with pytest.raises(PolishRefused, match="75"):
        check_polish("Tỷ lệ đạt 75%.", facts=facts, original=original)
    with pytest.raises(PolishRefused, match="Sở Y tế"):
        check_polish("Sở Y tế đã phối hợp tốt; tỷ lệ đạt 62%.", facts=facts, original=original)
    with pytest.raises(PolishRefused):
        check_polish("  ", facts=facts, original=original)


def test_the_secretary_has_the_assessment_rewritten_from_the_recorded_facts_only(
    client: Client,
    meeting_record: MeetingRecord,
    fake_llm: FakeLlm,
    settings: Settings,
) -> None:
    data = meeting_record
    settings.ASSISTANT_LLM_URL = fake_llm.url
    settings.ASSISTANT_LLM_MODEL = "qwen2.5-7b-instruct"
    _login(client, data["secretary"])
    url = reverse("assistant:notice", args=[data["meeting"].pk])
    assert "Viết lại cho mạch lạc" in client.get(url).content.decode()
    rewrite = "Các đơn vị đã bám sát chỉ đạo, tỷ lệ hồ sơ trực tuyến toàn trình đạt 62%."
    fake_llm.reply(rewrite)
    client.post(url, {"action": "polish"})
    notice = ConclusionNotice.objects.get(meeting=data["meeting"])
    assert notice.content["assessment"] == rewrite
    sent = fake_llm.requests[-1].body["messages"][1]["content"]
    assert "tỷ lệ hồ sơ trực tuyến toàn trình đạt 62%" in sent
    assert "Cơ bản thống nhất báo cáo của Công an Thành phố." in sent

    fake_llm.reply("Tỷ lệ hồ sơ trực tuyến đạt 90%, vượt kế hoạch.")
    page = client.post(url, {"action": "polish"}, follow=True).content.decode()
    assert "số liệu không có trong kết luận" in page
    notice.refresh_from_db()
    assert notice.content["assessment"] == rewrite  # unchanged


def test_without_an_endpoint_there_is_no_rewrite_button(
    client: Client, meeting_record: MeetingRecord
) -> None:
    _login(client, meeting_record["secretary"])
    page = client.get(reverse("assistant:notice", args=[meeting_record["meeting"].pk]))
    assert "Viết lại cho mạch lạc" not in page.content.decode()


def test_an_issued_notice_concluding_a_restricted_item_is_not_shown_to_who_may_not_see_it(
    client: Client, meeting_record: MeetingRecord
) -> None:
    from cabinet.models import AgendaItem

    data = meeting_record
    AgendaItem.objects.filter(pk=data["items"]["chu_ky"].pk).update(restricted=True)
    notice_services.save_notice_draft(
        actor=data["secretary"], meeting=data["meeting"], variant="committee", content={}
    )
    _approve_and_issue(data)
    url = reverse("assistant:notice", args=[data["meeting"].pk])
    meeting_url = reverse("cabinet:meeting", args=[data["meeting"].pk])
    _login(client, data["member"])  # not in the restricted item's audience
    assert client.get(url).status_code == 403
    assert client.get(reverse("assistant:notice_pdf", args=[data["meeting"].pk])).status_code == 403
    assert "issued-notice" not in client.get(meeting_url).content.decode()
    _login(client, data["chair"])
    assert client.get(url).status_code == 200
    assert "issued-notice" in client.get(meeting_url).content.decode()


def test_an_issued_notices_pdf_is_made_once_and_kept(
    client: Client, meeting_record: MeetingRecord, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cabinet.records.documents import decree30

    data = meeting_record
    notice_services.save_notice_draft(
        actor=data["secretary"], meeting=data["meeting"], variant="committee", content={}
    )
    _approve_and_issue(data)
    conversions: list[bytes] = []

    def convert(docx: bytes) -> bytes:
        conversions.append(docx)
        return b"%PDF-1.7 kept"

    monkeypatch.setattr(decree30, "docx_to_pdf", convert)
    _login(client, data["member"])
    url = reverse("assistant:notice_pdf", args=[data["meeting"].pk])
    first, second = client.get(url), client.get(url)
    assert first.content == second.content == b"%PDF-1.7 kept"
    assert len(conversions) == 1


def test_an_issued_notices_pdf_is_made_by_the_worker_and_kept_byte_for_byte(
    client: Client, meeting_record: MeetingRecord, settings: Settings
) -> None:
    """The download does not convert: it enqueues the worker's conversion and answers 202; once
    made, the issued notice's PDF is kept as first served, even if the generated PDFs' folder
    is emptied."""
    import shutil
    from pathlib import Path

    from django_tasks_db.models import DBTaskResult

    from cabinet.papers.lib.convert import conversion_available

    if not conversion_available():
        pytest.skip("LibreOffice is not installed")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    data = meeting_record
    notice_services.save_notice_draft(
        actor=data["secretary"], meeting=data["meeting"], variant="committee", content={}
    )
    _approve_and_issue(data)
    _login(client, data["member"])
    url = reverse("assistant:notice_pdf", args=[data["meeting"].pk])

    pending = client.get(url)
    assert pending.status_code == 202
    page = pending.content.decode()
    assert "Đang tạo bản PDF" in page
    assert reverse("assistant:notice_docx", args=[data["meeting"].pk]) in page
    assert client.get(url).status_code == 202  # still in flight: nothing more enqueued
    (task_result,) = DBTaskResult.objects.filter(
        task_path="cabinet.records.generated.convert_generated_pdf"
    )
    task_result.task.call(*task_result.args_kwargs["args"], **task_result.args_kwargs["kwargs"])

    poll = reverse("assistant:notice_pdf_status", args=[data["meeting"].pk])
    fragment = client.get(f"{poll}?key={task_result.args_kwargs['kwargs']['key']}")
    assert "Tải bản PDF" in fragment.content.decode()
    first = client.get(url)
    assert first.status_code == 200
    assert first.content.startswith(b"%PDF-")
    shutil.rmtree(Path(settings.MEDIA_ROOT) / "generated")
    again = client.get(url)
    assert again.status_code == 200
    assert again.content == first.content
    assert DBTaskResult.objects.count() == 1
