"""Recording conclusions and tasks, and the notice's approval and issue: who, when, and what
issuing changes (numbers, tracked tasks, the meeting concluded, the record frozen)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, TypedDict

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cabinet.core.errors import ServiceError
from cabinet.followup.sentences import UnitName, compose_task_sentence, parse_task_sentence
from cabinet.live.services import session as session_services
from cabinet.meetings.services import meetings as meeting_services
from cabinet.models import (
    AgendaItem,
    ConclusionNotice,
    Meeting,
    MeetingStatus,
    NoticeStatus,
    NoticeVariant,
    Task,
    Unit,
    User,
)
from cabinet.records.services import conclusions as svc
from cabinet.records.services import notices as notice_services
from tests.factories import PASSWORD, add_item, invite, make_meeting, make_unit, secretary_of

pytestmark = pytest.mark.django_db


class Held(TypedDict):
    meeting: Meeting
    secretary: User
    chair: User
    member: User
    items: list[AgendaItem]
    units: dict[str, Unit]  # by code


@pytest.fixture
def held() -> Held:
    """A meeting that has been held and ended: a chair, a member, two agenda items, units."""
    meeting = make_meeting(days=-1)
    chair = invite(meeting, "chair", full_name="Nguyễn Thị Thu Hà", position="Phó Chủ tịch")
    member = invite(meeting, "member")
    items = [add_item(meeting, "Dự toán ngân sách 2027"), add_item(meeting, "Chuyển đổi số")]
    secretary = secretary_of(meeting)
    meeting_services.publish_meeting(actor=secretary, meeting=meeting)
    meeting_services.start_meeting(actor=chair.user, meeting=meeting)
    session_services.end_meeting(actor=chair.user, meeting=meeting)
    units = {
        "stc": make_unit(code="stc", name="Sở Tài chính", short_name="STC"),
        "snv": make_unit(code="snv", name="Sở Nội vụ", short_name="SNV"),
        "sxd": make_unit(code="sxd", name="Sở Xây dựng", short_name="SXD"),
    }
    return {
        "meeting": meeting,
        "secretary": secretary,
        "chair": chair.user,
        "member": member.user,
        "items": items,
        "units": units,
    }


def _task(held: Held, **fields: Any) -> Task:
    data: dict[str, Any] = {
        "actor": held["secretary"],
        "meeting": held["meeting"],
        "item_id": held["items"][0].pk,
        "lead_unit_id": held["units"]["stc"].pk,
        "coordinating_unit_ids": [held["units"]["snv"].pk],
        "content": "rà soát, tổng hợp nhu cầu kinh phí",
        "deadline": timezone.localdate() + dt.timedelta(days=20),
        "report_to": "UBND Thành phố",
    } | fields
    return svc.add_task(**data)


def test_the_secretary_and_the_chair_record_conclusions_and_a_member_cannot(held: Held) -> None:
    meeting, item = held["meeting"], held["items"][0]
    svc.record_conclusion(
        actor=held["secretary"], meeting=meeting, item_id=item.pk, text="Thống nhất dự toán."
    )
    svc.record_conclusion(
        actor=held["chair"], meeting=meeting, item_id=item.pk, text="Thống nhất dự toán 2027."
    )
    assert meeting.conclusions.get(agenda_item=item).text == "Thống nhất dự toán 2027."
    with pytest.raises(ServiceError):
        svc.record_conclusion(actor=held["member"], meeting=meeting, item_id=item.pk, text="x")
    # An empty text removes the conclusion.
    svc.record_conclusion(actor=held["secretary"], meeting=meeting, item_id=item.pk, text="  ")
    assert not meeting.conclusions.exists()


def test_nothing_is_recorded_before_the_meeting_starts() -> None:
    meeting = make_meeting()
    item = add_item(meeting)
    with pytest.raises(ServiceError, match="chưa bắt đầu"):
        svc.record_conclusion(
            actor=secretary_of(meeting), meeting=meeting, item_id=item.pk, text="Kết luận"
        )


def test_an_item_of_another_meeting_is_refused(held: Held) -> None:
    other = add_item(make_meeting())
    with pytest.raises(ServiceError):
        svc.record_conclusion(
            actor=held["secretary"], meeting=held["meeting"], item_id=other.pk, text="x"
        )


def test_a_task_needs_a_known_lead_unit_and_content_and_a_deadline_not_before_the_meeting(
    held: Held,
) -> None:
    with pytest.raises(ServiceError, match="đơn vị chủ trì"):
        _task(held, lead_unit_id=None)
    with pytest.raises(ServiceError, match="nội dung"):
        _task(held, content="   ")
    with pytest.raises(ServiceError, match="Thời hạn"):
        _task(held, deadline=dt.date(2020, 1, 1))
    with pytest.raises(ServiceError, match="phối hợp"):
        _task(held, coordinating_unit_ids=[999_999])
    task = _task(held)
    assert task.lead_unit.name == "Sở Tài chính"
    assert [u.name for u in task.coordinating_units.all()] == ["Sở Nội vụ"]
    assert task.tracked_since is None  # not tracked until the notice is issued


def test_the_lead_unit_is_not_also_a_coordinating_unit(held: Held) -> None:
    task = _task(held, coordinating_unit_ids=[held["units"]["stc"].pk, held["units"]["sxd"].pk])
    assert [u.code for u in task.coordinating_units.all()] == ["sxd"]


def _approved(held: Held, variant: str = NoticeVariant.COMMITTEE) -> ConclusionNotice:
    notice_services.save_notice_draft(
        actor=held["secretary"], meeting=held["meeting"], variant=variant, content={}
    )
    return notice_services.approve_notice(
        actor=held["chair"], meeting=held["meeting"], approved_content={"title": "Kết luận"}
    )


def test_only_the_chair_approves_the_notice(held: Held) -> None:
    notice_services.save_notice_draft(
        actor=held["secretary"], meeting=held["meeting"], variant="committee", content={}
    )
    for someone in (held["secretary"], held["member"]):
        with pytest.raises(ServiceError, match="chủ trì"):
            notice_services.approve_notice(
                actor=someone, meeting=held["meeting"], approved_content={}
            )
    notice = notice_services.approve_notice(
        actor=held["chair"], meeting=held["meeting"], approved_content={}
    )
    assert notice.status == NoticeStatus.APPROVED


def test_a_member_cannot_draft_the_notice(held: Held) -> None:
    with pytest.raises(ServiceError):
        notice_services.save_notice_draft(
            actor=held["member"], meeting=held["meeting"], variant="committee", content={}
        )


def test_any_change_after_approval_sends_the_notice_back_to_the_chair(held: Held) -> None:
    _approved(held)
    _task(held)
    notice = ConclusionNotice.objects.get(meeting=held["meeting"])
    assert notice.status == NoticeStatus.DRAFT
    _approved(held)
    notice_services.save_notice_draft(
        actor=held["secretary"],
        meeting=held["meeting"],
        variant="committee",
        content={"assessment": "Đánh giá mới"},
    )
    assert ConclusionNotice.objects.get(meeting=held["meeting"]).status == NoticeStatus.DRAFT


def test_an_unapproved_notice_cannot_be_issued(held: Held) -> None:
    notice_services.save_notice_draft(
        actor=held["secretary"], meeting=held["meeting"], variant="committee", content={}
    )
    with pytest.raises(ServiceError, match="duyệt"):
        notice_services.issue_notice(actor=held["secretary"], meeting=held["meeting"])


def test_issuing_numbers_the_notice_tracks_its_tasks_concludes_and_freezes_the_meeting(
    held: Held,
) -> None:
    task = _task(held)
    _approved(held)
    notice = notice_services.issue_notice(
        actor=held["secretary"], meeting=held["meeting"], today=dt.date(2026, 12, 3)
    )
    assert (notice.number, notice.year, notice.reference) == (1, 2026, "01/TB-UBND")
    assert notice.issued_on == dt.date(2026, 12, 3)
    assert notice.content["final"] == {"title": "Kết luận"}  # the text the chair approved
    task.refresh_from_db()
    assert task.tracked_since == notice.issued_at
    held["meeting"].refresh_from_db()
    assert held["meeting"].status == MeetingStatus.CONCLUDED
    with pytest.raises(ServiceError, match="đã ban hành"):
        _task(held)
    with pytest.raises(ServiceError):
        svc.delete_task(actor=held["secretary"], meeting=held["meeting"], task_id=task.pk)
    with pytest.raises(ServiceError):
        notice_services.save_notice_draft(
            actor=held["secretary"], meeting=held["meeting"], variant="committee", content={}
        )


def _issue_another(variant: str, day: dt.date) -> ConclusionNotice:
    meeting = make_meeting(days=-1)
    chair = invite(meeting, "chair")
    add_item(meeting)
    secretary = secretary_of(meeting)
    meeting_services.publish_meeting(actor=secretary, meeting=meeting)
    meeting_services.start_meeting(actor=chair.user, meeting=meeting)
    session_services.end_meeting(actor=chair.user, meeting=meeting)
    notice_services.save_notice_draft(actor=secretary, meeting=meeting, variant=variant, content={})
    notice_services.approve_notice(actor=chair.user, meeting=meeting, approved_content={})
    return notice_services.issue_notice(actor=secretary, meeting=meeting, today=day)


def test_numbers_run_per_variant_and_year_without_gaps() -> None:
    day = dt.date(2026, 12, 3)
    first = _issue_another("committee", day)
    second = _issue_another("committee", day)
    office = _issue_another("office", day)
    next_year = _issue_another("committee", dt.date(2027, 1, 5))
    assert [first.reference, second.reference] == ["01/TB-UBND", "02/TB-UBND"]
    assert office.reference == "01/TB-VP"
    assert next_year.reference == "01/TB-UBND"
    assert next_year.year == 2027


def test_a_notice_is_approved_only_after_the_meeting_has_ended() -> None:
    meeting = make_meeting(days=0)
    chair = invite(meeting, "chair")
    add_item(meeting)
    secretary = secretary_of(meeting)
    meeting_services.publish_meeting(actor=secretary, meeting=meeting)
    meeting_services.start_meeting(actor=chair.user, meeting=meeting)
    notice_services.save_notice_draft(
        actor=secretary, meeting=meeting, variant="committee", content={}
    )
    with pytest.raises(ServiceError, match="kết thúc"):
        notice_services.approve_notice(actor=chair.user, meeting=meeting, approved_content={})
    with pytest.raises(ServiceError, match="kết thúc"):
        notice_services.issue_notice(actor=secretary, meeting=meeting)


# --- The sentence written back from the fields ----------------------------------------------------


def test_a_composed_task_sentence_reads_back_into_the_same_fields() -> None:
    units = [
        UnitName(1, "Sở Tài chính", "STC"),
        UnitName(2, "Sở Nội vụ", "SNV"),
        UnitName(3, "Sở Xây dựng", "SXD"),
    ]
    sentence = compose_task_sentence(
        lead="Sở Tài chính",
        coordinating=["Sở Nội vụ", "Sở Xây dựng"],
        content="Rà soát, tổng hợp nhu cầu kinh phí năm 2027",
        report_to="UBND Thành phố",
        deadline=dt.date(2026, 12, 15),
    )
    assert sentence == (
        "Giao Sở Tài chính chủ trì, phối hợp với Sở Nội vụ và Sở Xây dựng rà soát, tổng hợp nhu "
        "cầu kinh phí năm 2027; báo cáo UBND Thành phố trước ngày 15/12/2026."
    )
    parsed = parse_task_sentence(sentence, units, today=dt.date(2026, 11, 29))
    assert parsed.lead
    assert parsed.lead.id == 1
    assert [u.id for u in parsed.coordinating] == [2, 3]
    assert parsed.deadline == dt.date(2026, 12, 15)
    assert parsed.report_to == "UBND Thành phố"
    assert parsed.content.startswith("rà soát, tổng hợp nhu cầu kinh phí năm 2027")


def test_a_composed_sentence_keeps_names_and_says_when_there_is_no_report() -> None:
    sentence = compose_task_sentence(
        lead="Công an Thành phố",
        with_related_units=True,
        content="UBND các phường tuyên truyền Đề án 06",
        deadline=dt.date(2027, 1, 5),
    )
    assert sentence == (
        "Giao Công an Thành phố chủ trì, phối hợp với các cơ quan, đơn vị liên quan UBND các "
        "phường tuyên truyền Đề án 06, hoàn thành trước ngày 05/01/2027."
    )


# --- The pages ------------------------------------------------------------------------------------


def _login(client: Client, user: User) -> None:
    assert client.login(username=user.username, password=PASSWORD)


def test_the_record_page_is_for_the_secretary_and_chair_only(client: Client, held: Held) -> None:
    url = reverse("cabinet:conclusions", args=[held["meeting"].pk])
    _login(client, held["member"])
    assert client.get(url).status_code == 403
    outsider = invite(make_meeting(), "member").user
    _login(client, outsider)
    assert client.get(url).status_code == 404
    _login(client, held["chair"])
    page = client.get(url)
    assert page.status_code == 200
    assert "Dự toán ngân sách 2027" in page.content.decode()


def test_a_conclusion_is_saved_from_the_page(client: Client, held: Held) -> None:
    _login(client, held["secretary"])
    item = held["items"][1]
    response = client.post(
        reverse("cabinet:conclusion_save", args=[held["meeting"].pk]),
        {"item": item.pk, "text": "Đẩy nhanh số hóa hồ sơ."},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#item-{item.pk}")
    assert held["meeting"].conclusions.get(agenda_item=item).text == "Đẩy nhanh số hóa hồ sơ."


def test_typing_a_sentence_fills_the_task_form_and_saving_records_the_fields(
    client: Client, held: Held
) -> None:
    _login(client, held["secretary"])
    url = reverse("cabinet:task_new", args=[held["meeting"].pk])
    sentence = (
        "Giao Sở tài chính chủ trì, phối hợp với SO NOI VU rà soát nhu cầu kinh phí; báo cáo "
        "UBND Thành phố trước ngày 15/12/2030."
    )
    filled = client.post(url, {"action": "parse", "sentence": sentence}).content.decode()
    stc, snv = held["units"]["stc"], held["units"]["snv"]
    assert f'<option value="{stc.pk}" selected>' in filled
    assert f'value="{snv.pk}"' in filled
    assert "checked" in filled
    assert 'value="2030-12-15"' in filled
    assert "rà soát nhu cầu kinh phí" in filled
    assert not Task.objects.exists()  # filling saves nothing
    response = client.post(
        url,
        {
            "action": "save",
            "sentence": sentence,
            "item": held["items"][0].pk,
            "lead_unit": stc.pk,
            "coordinating_units": [snv.pk],
            "content": "rà soát nhu cầu kinh phí",
            "deadline": "2030-12-15",
            "report_to": "UBND Thành phố",
        },
    )
    assert response.status_code == 302
    task = Task.objects.get()
    assert (task.lead_unit, task.deadline, task.source_text) == (
        stc,
        dt.date(2030, 12, 15),
        sentence,
    )


def test_saving_a_task_without_a_lead_unit_says_so_in_vietnamese(
    client: Client, held: Held
) -> None:
    _login(client, held["secretary"])
    page = client.post(
        reverse("cabinet:task_new", args=[held["meeting"].pk]),
        {"action": "save", "content": "rà soát"},
    ).content.decode()
    assert "Cần chọn đơn vị chủ trì." in page
    assert not Task.objects.exists()


def test_a_pasted_paragraph_is_confirmed_one_task_at_a_time(client: Client, held: Held) -> None:
    _login(client, held["secretary"])
    url = reverse("cabinet:task_new", args=[held["meeting"].pk])
    paragraph = (
        "Giao Sở Tài chính chủ trì rà soát kinh phí trước ngày 15/12/2030.\n"
        "Giao Sở Xây dựng chủ trì kiểm tra công trình trước ngày 20/12/2030."
    )
    item = held["items"][1]
    first = client.post(
        url, {"action": "parse", "sentence": paragraph, "item": item.pk}
    ).content.decode()
    assert "Đã tách được 2 nhiệm vụ" in first
    assert 'value="2030-12-15"' in first
    second = client.get(url).content.decode()  # the next queued sentence, filled
    sxd = held["units"]["sxd"]
    assert f'<option value="{sxd.pk}" selected>' in second
    assert 'value="2030-12-20"' in second
    assert f'<option value="{item.pk}" selected>' in second  # under the same agenda item


def test_editing_a_task_can_move_it_to_another_item_and_keeps_the_new_sentence(
    client: Client, held: Held
) -> None:
    task = _task(held)
    _login(client, held["secretary"])
    other = held["items"][1]
    client.post(
        reverse("cabinet:task_edit", args=[held["meeting"].pk, task.pk]),
        {
            "action": "save",
            "sentence": "Giao Sở Tài chính chủ trì rà soát lại.",
            "item": other.pk,
            "lead_unit": held["units"]["stc"].pk,
            "content": "rà soát lại",
            "report_to": "",
        },
    )
    task.refresh_from_db()
    assert (task.agenda_item, task.content, task.source_text) == (
        other,
        "rà soát lại",
        "Giao Sở Tài chính chủ trì rà soát lại.",
    )


def test_an_unknown_unit_in_the_sentence_is_reported_not_guessed(
    client: Client, held: Held
) -> None:
    _login(client, held["secretary"])
    page = client.post(
        reverse("cabinet:task_new", args=[held["meeting"].pk]),
        {"action": "parse", "sentence": "Giao Sở Du lịch chủ trì xây dựng kế hoạch."},
    ).content.decode()
    assert "Cần kiểm tra" in page
    assert "Sở Du lịch" in page


def test_control_characters_pasted_from_word_are_not_stored(held: Held) -> None:
    conclusion = svc.record_conclusion(
        actor=held["secretary"],
        meeting=held["meeting"],
        item_id=held["items"][0].pk,
        text="Thống nhất\x0bdự toán\x07.",
    )
    assert conclusion is not None
    assert conclusion.text == "Thống nhất\ndự toán."


def test_the_same_task_form_sent_twice_adds_one_task(client: Client, held: Held) -> None:
    """Back, then "Lưu nhiệm vụ" again: the task is not assigned twice."""
    _login(client, held["secretary"])
    url = reverse("cabinet:task_new", args=[held["meeting"].pk])
    page = client.get(url).content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', page)
    assert token
    data = {
        "action": "save",
        "form_token": token.group(1),
        "item": held["items"][0].pk,
        "lead_unit": held["units"]["stc"].pk,
        "content": "rà soát nhu cầu kinh phí",
        "deadline": "2030-12-15",
        "report_to": "UBND Thành phố",
    }
    assert client.post(url, data).status_code == 302
    again = client.post(url, data, follow=True)
    assert Task.objects.filter(meeting=held["meeting"]).count() == 1
    assert "đã được lưu từ lần gửi trước" in again.content.decode()
    # A new form is a new task.
    fresh = re.search(r'name="form_token" value="([^"]+)"', client.get(url).content.decode())
    assert fresh
    assert fresh.group(1) != token.group(1)
    assert client.post(url, data | {"form_token": fresh.group(1)}).status_code == 302
    assert Task.objects.filter(meeting=held["meeting"]).count() == 2


def _versions(page: str) -> dict[str, str]:
    """The page's boxes' hidden versions, by field name (version-general, version-<item>)."""
    return dict(re.findall(r'name="(version-[^"]+)" value="([^"]*)"', page))


def test_one_save_keeps_every_box_typed_on_the_conclusions_page(client: Client, held: Held) -> None:
    """The general assessment typed before saving item 2 is not lost: the page saves together."""
    _login(client, held["secretary"])
    url = reverse("cabinet:conclusions", args=[held["meeting"].pk])
    page = client.get(url).content.decode()
    first, second = held["items"]
    assert page.count('form="conclusions-form"') >= 3  # every box belongs to the one form
    response = client.post(
        reverse("cabinet:conclusion_save", args=[held["meeting"].pk]),
        _versions(page)
        | {
            "text-general": "Các sở đã chuẩn bị chu đáo.",
            f"text-{first.pk}": "",
            f"text-{second.pk}": "Đẩy nhanh số hóa hồ sơ.",
            "anchor": f"item-{second.pk}",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#item-{second.pk}")
    saved = dict(held["meeting"].conclusions.values_list("agenda_item_id", "text"))
    assert saved == {None: "Các sở đã chuẩn bị chu đáo.", second.pk: "Đẩy nhanh số hóa hồ sơ."}


def test_saving_the_page_leaves_alone_a_box_someone_else_changed(
    client: Client, held: Held
) -> None:
    """The chair saved item 1 meanwhile; the secretary's page, untouched there, does not undo it."""
    _login(client, held["secretary"])
    page = client.get(reverse("cabinet:conclusions", args=[held["meeting"].pk])).content.decode()
    first, second = held["items"]
    svc.record_conclusion(
        actor=held["chair"], meeting=held["meeting"], item_id=first.pk, text="Bản của chủ trì."
    )
    client.post(
        reverse("cabinet:conclusion_save", args=[held["meeting"].pk]),
        _versions(page)
        | {"text-general": "", f"text-{first.pk}": "", f"text-{second.pk}": "Kết luận mục 2."},
    )
    saved = dict(held["meeting"].conclusions.values_list("agenda_item_id", "text"))
    assert saved == {first.pk: "Bản của chủ trì.", second.pk: "Kết luận mục 2."}


def test_a_box_changed_by_both_is_refused_and_what_was_typed_comes_back(
    client: Client, held: Held
) -> None:
    _login(client, held["secretary"])
    page = client.get(reverse("cabinet:conclusions", args=[held["meeting"].pk])).content.decode()
    first, second = held["items"]
    svc.record_conclusion(
        actor=held["chair"], meeting=held["meeting"], item_id=first.pk, text="Bản của chủ trì."
    )
    response = client.post(
        reverse("cabinet:conclusion_save", args=[held["meeting"].pk]),
        _versions(page)
        | {
            "text-general": "Đánh giá chung của thư ký.",
            f"text-{first.pk}": "Bản của thư ký.",
            f"text-{second.pk}": "",
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "vừa được người khác sửa" in text
    assert "Bản của thư ký." in text  # the secretary's text, to compare and save again
    assert "Bản của chủ trì." in text  # and the one saved meanwhile
    assert "Đánh giá chung của thư ký." in text  # the other boxes' text is not lost either
    saved = dict(held["meeting"].conclusions.values_list("agenda_item_id", "text"))
    assert saved == {first.pk: "Bản của chủ trì."}  # nothing of this submission was saved


def test_an_overlong_conclusion_is_refused_and_every_box_keeps_its_text(
    client: Client, held: Held
) -> None:
    _login(client, held["secretary"])
    page = client.get(reverse("cabinet:conclusions", args=[held["meeting"].pk])).content.decode()
    assert "maxlength" not in page  # the browser must not cut a pasted text silently
    first, second = held["items"]
    response = client.post(
        reverse("cabinet:conclusion_save", args=[held["meeting"].pk]),
        _versions(page)
        | {
            "text-general": "Đánh giá chung.",
            f"text-{first.pk}": "x" * 20_001,
            f"text-{second.pk}": "",
        },
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "tối đa 20000 ký tự" in text
    assert "Đánh giá chung." in text
    assert "x" * 20_001 in text
    assert not held["meeting"].conclusions.exists()


def test_pages_with_long_text_warn_before_leaving_unsaved(client: Client, held: Held) -> None:
    _login(client, held["secretary"])
    page = client.get(reverse("cabinet:conclusions", args=[held["meeting"].pk])).content.decode()
    assert "cabinet/js/unsaved.js" in page
    assert "data-unsaved-warning" in page
    for other in (
        reverse("cabinet:task_new", args=[held["meeting"].pk]),
        reverse("assistant:notice", args=[held["meeting"].pk]),
    ):
        other_page = client.get(other).content.decode()
        assert "cabinet/js/unsaved.js" in other_page
        assert "data-unsaved-warning" in other_page
