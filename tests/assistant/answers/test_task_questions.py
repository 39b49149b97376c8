"""The assistant's questions about tasks ("Sở Tài chính còn nhiệm vụ nào quá hạn?"): detected with
or without diacritics, answered from the Task table within what the asker may see, shown on the
assistant page, in ask.json and by the ask command; other questions go on to retrieval."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from assistant.answers import ask as answer_module
from assistant.answers.task_questions import (
    DONE,
    DUE_SOON,
    OPEN,
    OVERDUE,
    REPORTED,
    answer_task_question,
    parse_task_question,
)
from tests.factories import PASSWORD, make_unit
from tests.factories.tasks import TaskWorld

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 11)


@pytest.fixture
def world(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> TaskWorld:
    settings.HOLIDAYS = []
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)
    world = TaskWorld()
    make_unit(name="Ủy ban nhân dân Thành phố", short_name="UBND TP", kind="committee")
    return world


class RetrievalReached(Exception):
    pass


@pytest.fixture
def no_retrieval(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail loudly if a question reaches the library's index (and the embedding model)."""

    def reached(*args: Any, **kwargs: Any) -> None:
        raise RetrievalReached

    monkeypatch.setattr(answer_module, "current_index", reached)


# --- Detection ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "kind", "unit"),
    [
        ("Sở Tài chính còn nhiệm vụ nào quá hạn?", OVERDUE, "Sở Tài chính"),
        ("nhiem vu qua han cua so tai chinh", OVERDUE, "Sở Tài chính"),
        ("NHIỆM VỤ QUÁ HẠN CỦA SỞ TÀI CHÍNH", OVERDUE, "Sở Tài chính"),
        ("STC có bao nhiêu nhiệm vụ trễ hạn", OVERDUE, "Sở Tài chính"),
        ("Các nhiệm vụ chưa hoàn thành của Công an Thành phố", OPEN, "Công an Thành phố"),
        ("cac nhiem vu chua hoan thanh cua cong an thanh pho", OPEN, "Công an Thành phố"),
        ("Công an TP còn những nhiệm vụ gì?", OPEN, "Công an Thành phố"),
        ("Nhiệm vụ sắp đến hạn của Sở Nội vụ", DUE_SOON, "Sở Nội vụ"),
        ("nhiem vu den han cua snv", DUE_SOON, "Sở Nội vụ"),
        ("Những nhiệm vụ nào đang chờ xác nhận?", REPORTED, None),
        ("Sở Nội vụ đã hoàn thành những nhiệm vụ nào", DONE, "Sở Nội vụ"),
        ("Có bao nhiêu việc được giao đang quá hạn?", OVERDUE, None),
        ("nhiệm vụ tồn đọng của sở tài chính", OPEN, "Sở Tài chính"),
    ],
)
def test_task_questions_are_recognised_with_or_without_diacritics(
    world: TaskWorld, question: str, kind: str, unit: str | None
) -> None:
    parsed = parse_task_question(question)
    assert parsed is not None
    assert parsed.kind == kind
    assert [u.name for u in parsed.units] == ([unit] if unit else [])


@pytest.mark.parametrize(
    "question",
    [
        "Thời hạn ban hành thông báo kết luận là bao lâu?",
        "thoi han ban hanh thong bao ket luan",
        "Sở Tài chính có trách nhiệm gì trong Chỉ thị 07?",
        "Nhiệm vụ của Sở Tài chính theo Quyết định 45 là gì?",
        "Quy định xử lý nhiệm vụ quá hạn như thế nào?",
        "Theo Nghị định 30, văn bản quá hạn xử lý ra sao",
        "Các nhiệm vụ trọng tâm năm 2026",
        "quá hạn nộp hồ sơ thuế",
        "",
    ],
)
def test_other_questions_are_not_caught(world: TaskWorld, question: str) -> None:
    assert parse_task_question(question) is None


def test_the_committee_is_who_assigns_not_a_unit_asked_about(world: TaskWorld) -> None:
    parsed = parse_task_question("Các nhiệm vụ UBND Thành phố giao còn quá hạn")
    assert parsed is not None
    assert parsed.units == ()
    assert parsed.unknown_unit == ""


def test_an_unknown_unit_is_said_so_rather_than_answered_for_all(world: TaskWorld) -> None:
    world.task(world.finance, deadline=TODAY - dt.timedelta(days=3))
    result = answer_task_question("Sở Du lịch còn nhiệm vụ nào quá hạn?", user=world.office)
    assert result is not None
    assert not result.found
    assert result.unknown_unit == "Sở Du lịch"
    assert "Không tìm thấy đơn vị" in result.summary
    assert result.items == []


# --- Answers ------------------------------------------------------------------------------------


def test_overdue_tasks_of_a_unit_are_listed_with_links_and_days_late(world: TaskWorld) -> None:
    late = world.task(world.finance, deadline=TODAY - dt.timedelta(days=7), content="Quyết toán")
    world.task(world.finance, deadline=TODAY + dt.timedelta(days=2))  # not late
    world.task(world.finance, deadline=TODAY - dt.timedelta(days=7), status="done")
    world.task(world.police, deadline=TODAY - dt.timedelta(days=7))  # another unit
    result = answer_task_question("nhiem vu qua han cua so tai chinh", user=world.office)
    assert result is not None
    assert result.found
    assert [item["id"] for item in result.items] == [late.pk]
    item = result.items[0]
    assert item["url"] == reverse("cabinet:task", args=[late.pk])
    assert item["days_late"] == 5
    assert item["overdue"]
    assert item["deadline"] == (TODAY - dt.timedelta(days=7)).isoformat()
    assert result.summary == "Sở Tài chính có 1 nhiệm vụ quá hạn."


def test_open_tasks_include_every_status_but_done(world: TaskWorld) -> None:
    tasks = [
        world.task(world.police, status=status)
        for status in ("not_started", "in_progress", "reported")
    ]
    world.task(world.police, status="done")
    result = answer_task_question(
        "Các nhiệm vụ chưa hoàn thành của Công an Thành phố", user=world.office
    )
    assert result is not None
    assert {item["id"] for item in result.items} == {t.pk for t in tasks}


def test_a_unit_member_asking_about_another_unit_sees_only_what_tasks_for_allows(
    world: TaskWorld,
) -> None:
    shared = world.task(
        world.finance, coordinating=(world.home_affairs,), deadline=TODAY - dt.timedelta(days=2)
    )
    world.task(world.finance, deadline=TODAY - dt.timedelta(days=2))  # not Sở Nội vụ's
    result = answer_task_question("Sở Tài chính còn nhiệm vụ nào quá hạn?", user=world.home_user)
    assert result is not None
    assert [item["id"] for item in result.items] == [shared.pk]
    assert "phạm vi các nhiệm vụ đồng chí được xem" in result.summary
    nothing = answer_task_question("Sở Tài chính còn nhiệm vụ nào quá hạn?", user=world.police_user)
    assert nothing is not None
    assert nothing.items == []
    assert nothing.summary.startswith("Sở Tài chính không có nhiệm vụ quá hạn nào.")


def test_without_a_unit_the_question_covers_what_the_user_sees(world: TaskWorld) -> None:
    mine = world.task(world.finance, deadline=TODAY - dt.timedelta(days=1))
    world.task(world.police, deadline=TODAY - dt.timedelta(days=1))
    result = answer_task_question("Những nhiệm vụ nào đang quá hạn?", user=world.finance_user)
    assert result is not None
    assert [i["id"] for i in result.items] == [mine.pk]


def test_a_meeting_scoped_question_stays_in_that_meeting(world: TaskWorld) -> None:
    from tests.factories import make_meeting

    other = make_meeting()
    world.task(world.finance, deadline=TODAY - dt.timedelta(days=1))
    there = world.task(world.finance, meeting=other, deadline=TODAY - dt.timedelta(days=1))
    result = answer_task_question(
        "nhiem vu qua han cua STC", user=world.office, meeting_id=other.pk
    )
    assert result is not None
    assert [i["id"] for i in result.items] == [there.pk]


# --- The ask path: answer(), the page, ask.json, the command -------------------------------------


def test_answer_serves_task_questions_without_the_library(
    world: TaskWorld, no_retrieval: None
) -> None:
    task = world.task(world.finance, deadline=TODAY - dt.timedelta(days=3))
    result = answer_module.answer("Sở Tài chính còn nhiệm vụ nào quá hạn?", user=world.office)
    assert result.found
    assert result.tasks is not None
    assert result.tasks["items"][0]["id"] == task.pk
    assert result.message == "Sở Tài chính có 1 nhiệm vụ quá hạn."
    as_json = result.as_json()["tasks"]
    assert as_json is not None
    assert as_json["kind"] == "overdue"


def test_other_questions_go_on_to_retrieval(world: TaskWorld, no_retrieval: None) -> None:
    with pytest.raises(RetrievalReached):
        answer_module.answer("Thời hạn ban hành thông báo kết luận là bao lâu?", user=world.office)


def test_the_assistant_page_lists_the_tasks(client: Client, world: TaskWorld) -> None:
    task = world.task(world.finance, deadline=TODAY - dt.timedelta(days=7), content="Quyết toán")
    assert client.login(username=world.office.username, password=PASSWORD)
    response = client.post(
        reverse("assistant:ask"),
        {"question": "Sở Tài chính còn nhiệm vụ nào quá hạn?"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("cabinet:task", args=[task.pk]) in html
    assert "Quyết toán" in html
    assert "Quá hạn 5 ngày làm việc" in html
    assert "Độ tin cậy" not in html
    # The stored answer shows the same list from the history.
    from assistant.models import Question

    row = Question.objects.get(user=world.office)
    html = client.get(reverse("assistant:history", args=[row.pk])).content.decode()
    assert reverse("cabinet:task", args=[task.pk]) in html


def test_ask_json_returns_the_structured_answer(client: Client, world: TaskWorld) -> None:
    task = world.task(world.police, status="in_progress", deadline=TODAY + dt.timedelta(days=1))
    assert client.login(username=world.police_user.username, password=PASSWORD)
    response = client.post(
        reverse("assistant:ask_json"),
        data=json.dumps({"question": "cac nhiem vu chua hoan thanh cua cong an thanh pho"}),
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["found"] is True
    assert body["tasks"]["kind"] == "open"
    (item,) = body["tasks"]["items"]
    assert item["id"] == task.pk
    assert item["status_label"] == "Đang thực hiện"
    assert item["days_left"] == 1
    assert item["url"] == reverse("cabinet:task", args=[task.pk])


def test_the_ask_command_prints_the_tasks(world: TaskWorld) -> None:
    world.task(world.finance, deadline=TODAY - dt.timedelta(days=7), content="Quyết toán vốn")
    out = io.StringIO()
    call_command("ask", "nhiem vu qua han cua so tai chinh", user=world.office.username, stdout=out)
    text = out.getvalue()
    assert "Sở Tài chính có 1 nhiệm vụ quá hạn." in text
    assert "Quyết toán vốn" in text
    assert "quá hạn 5 ngày làm việc" in text
    out = io.StringIO()
    call_command(
        "ask",
        "nhiem vu qua han cua so tai chinh",
        user=world.office.username,
        json=True,
        stdout=out,
    )
    assert json.loads(out.getvalue())["tasks"]["total"] == 1
