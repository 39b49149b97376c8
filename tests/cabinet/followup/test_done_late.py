"""Figures the office reports upward: a task done after its deadline reads "Hoàn thành quá hạn"
(list, task page, dashboard, Excel), the dashboard's on-time rates by lead unit, by leader and by
period, and the notice number in the Excel export.

A task is done on the day its lead unit reported it done (the report the office then confirmed),
not on the day of the office's confirmation: a unit that reported on time is not made late by
the office's delay. The rates count the tasks completed in the chosen period."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pytest_django.fixtures import Settings

from cabinet.models import ConclusionNotice, Meeting, Task, TaskStatus, TaskUpdate, Unit, User
from tests.factories import PASSWORD, make_meeting
from tests.factories.base import invite, secretary_of
from tests.factories.tasks import TaskWorld, make_task

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 11)  # a Wednesday


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    settings.HOLIDAYS = []
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A moment of ``day`` in the committee's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def done_task(
    lead: Unit,
    meeting: Meeting,
    *,
    deadline: dt.date | None,
    reported: dt.datetime,
    confirmed: dt.datetime,
    content: str,
) -> Task:
    """A task its lead unit reported done at ``reported`` and the office confirmed at
    ``confirmed`` (after an earlier report the office returned, a week before)."""
    task = make_task(lead=lead, meeting=meeting, deadline=deadline, content=content)
    author = secretary_of(meeting)
    returned = TaskUpdate.objects.create(task=task, author=author, status=TaskStatus.REPORTED)
    back = TaskUpdate.objects.create(task=task, author=author, status=TaskStatus.IN_PROGRESS)
    final = TaskUpdate.objects.create(task=task, author=author, status=TaskStatus.REPORTED)
    done = TaskUpdate.objects.create(task=task, author=author, status=TaskStatus.DONE)
    early = reported - dt.timedelta(days=7)
    TaskUpdate.objects.filter(pk=returned.pk).update(created_at=early)
    TaskUpdate.objects.filter(pk=back.pk).update(created_at=early + dt.timedelta(hours=1))
    TaskUpdate.objects.filter(pk=final.pk).update(created_at=reported)
    TaskUpdate.objects.filter(pk=done.pk).update(created_at=confirmed)
    Task.objects.filter(pk=task.pk).update(status=TaskStatus.DONE, completed_at=confirmed)
    return Task.objects.get(pk=task.pk)


class Figures:
    """Two meetings chaired by two leaders (the first with its issued notice 01/TB-UBND), and
    the tasks they assigned:

    ====  ==========  =======  ========  =========================  ===========
    task  lead unit   leader   deadline  reported done              on time?
    ====  ==========  =======  ========  =========================  ===========
    t1    finance     Hùng     20/02     18/02                      on time
    t2    finance     Hùng     06/03     05/03 (confirmed 09/03)    on time
    t3    finance     Lan      27/02     04/03 (3 working days)     late
    t4    police      Hùng     10/02     12/02                      late
    t5    finance     Hùng     none      05/03                      not counted
    t6    police      Lan      10/03     10/03 23:30                on time
    t7    finance     Lan      02/03     not done (overdue)         not counted
    ====  ==========  =======  ========  =========================  ===========
    """

    def __init__(self) -> None:
        self.world = world = TaskWorld()
        self.first = make_meeting(title="Phiên họp thường kỳ tháng 1")
        self.second = make_meeting(title="Họp về giải ngân vốn đầu tư công")
        self.hung = invite(
            self.first, "chair", full_name="Trần Văn Hùng", position="Chủ tịch UBND Thành phố"
        ).user
        self.lan = invite(
            self.second,
            "chair",
            full_name="Lê Thị Lan",
            position="Phó Chủ tịch UBND Thành phố",
        ).user
        ConclusionNotice.objects.create(
            meeting=self.first,
            status=ConclusionNotice.Status.ISSUED,
            number=1,
            year=2026,
            issued_on=dt.date(2026, 1, 20),
            approved_by=self.hung,
            updated_by=secretary_of(self.first),
        )
        finance, police = world.finance, world.police
        self.t1 = done_task(
            finance,
            self.first,
            deadline=dt.date(2026, 2, 20),
            reported=at(dt.date(2026, 2, 18)),
            confirmed=at(dt.date(2026, 2, 19)),
            content="Rà soát danh mục dự án chậm giải ngân",
        )
        self.t2 = done_task(
            finance,
            self.first,
            deadline=dt.date(2026, 3, 6),
            reported=at(dt.date(2026, 3, 5)),
            confirmed=at(dt.date(2026, 3, 9)),
            content="Báo cáo tình hình thu ngân sách",
        )
        self.t3 = done_task(
            finance,
            self.second,
            deadline=dt.date(2026, 2, 27),
            reported=at(dt.date(2026, 3, 4)),
            confirmed=at(dt.date(2026, 3, 5)),
            content="Đề xuất điều chuyển vốn giữa các dự án",
        )
        self.t4 = done_task(
            police,
            self.first,
            deadline=dt.date(2026, 2, 10),
            reported=at(dt.date(2026, 2, 12)),
            confirmed=at(dt.date(2026, 2, 12), 15),
            content="Bảo đảm an ninh trật tự dịp Tết",
        )
        self.t5 = done_task(
            finance,
            self.first,
            deadline=None,
            reported=at(dt.date(2026, 3, 5)),
            confirmed=at(dt.date(2026, 3, 6)),
            content="Tham mưu chung về ngân sách",
        )
        self.t6 = done_task(
            police,
            self.second,
            deadline=dt.date(2026, 3, 10),
            reported=at(dt.date(2026, 3, 10), 23, 30),
            confirmed=at(dt.date(2026, 3, 11), 8),
            content="Kiểm tra phòng cháy chữa cháy",
        )
        self.t7 = make_task(
            lead=finance,
            meeting=self.second,
            deadline=dt.date(2026, 3, 2),
            content="Quyết toán vốn các dự án hoàn thành",
        )

    def office(self, client: Client) -> Client:
        return login(client, self.world.office)


def login(client: Client, user: User) -> Client:
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def figures() -> Figures:
    return Figures()


def cards(html: str) -> dict[str, str]:
    """The list's task cards, each card's text by the task's content."""
    found = {}
    for card in html.split('<li class="task-card')[1:]:
        text = " ".join(re.sub(r"<[^>]+>", " ", card.split("</li>")[0]).split())
        title = re.search(r'class="task-title"[^>]*>([^<]+)<', card)
        assert title is not None
        found[title.group(1).strip()] = text
    return found


def table(html: str, table_id: str) -> list[str]:
    """The rows of the table ``table_id``, each as its cells' text joined by " | "."""
    match = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S)
    assert match is not None, f"no table {table_id}"
    rows = []
    for row in re.findall(r"<tr.*?</tr>", match.group(0), re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append(" | ".join(" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in cells))
    return rows


# --- "Hoàn thành quá hạn" on the list and the task's page ---------------------------------------


def test_a_task_reported_done_after_its_deadline_reads_done_late_in_the_list(
    client: Client, figures: Figures
) -> None:
    html = figures.office(client).get(reverse("cabinet:tasks")).content.decode()
    shown = cards(html)
    assert "Hoàn thành quá hạn" in shown["Đề xuất điều chuyển vốn giữa các dự án"]
    assert "Hoàn thành quá hạn" in shown["Bảo đảm an ninh trật tự dịp Tết"]
    # Reported the day before its deadline, confirmed by the office three days after it.
    assert "Hoàn thành quá hạn" not in shown["Báo cáo tình hình thu ngân sách"]
    assert "Hoàn thành" in shown["Báo cáo tình hình thu ngân sách"]
    # Reported at 23:30 on the deadline day (16:30 UTC): on time in Hà Nội.
    assert "Hoàn thành quá hạn" not in shown["Kiểm tra phòng cháy chữa cháy"]
    # No deadline: never late.
    assert "Hoàn thành quá hạn" not in shown["Tham mưu chung về ngân sách"]

    # The list filters on it, like "Quá hạn".
    html = client.get(reverse("cabinet:tasks"), {"status": "done_late"}).content.decode()
    assert set(cards(html)) == {
        "Đề xuất điều chuyển vốn giữa các dự án",
        "Bảo đảm an ninh trật tự dịp Tết",
    }


def test_the_task_page_says_done_late_by_how_many_working_days(
    client: Client, figures: Figures
) -> None:
    html = figures.office(client).get(reverse("cabinet:task", args=[figures.t3.pk])).content
    text = " ".join(re.sub(r"<[^>]+>", " ", html.decode()).split())
    assert "Hoàn thành quá hạn" in text
    # Deadline Friday 27/02, reported Wednesday 04/03: Monday, Tuesday, Wednesday.
    assert "chậm 3 ngày làm việc" in text
    assert "Báo cáo hoàn thành 04/03/2026" in text
    html = client.get(reverse("cabinet:task", args=[figures.t2.pk])).content
    assert "Hoàn thành quá hạn" not in html.decode()


# --- The dashboard's rates ---------------------------------------------------------------------


def test_the_dashboard_gives_on_time_rates_by_unit_leader_and_period(
    client: Client, figures: Figures
) -> None:
    url = reverse("cabinet:task_dashboard")
    html = figures.office(client).get(url).content.decode()

    # Done = on time + late; tasks with no deadline are left out of the rate.
    assert table(html, "rate-units")[1:] == [
        "Công an Thành phố | 2 | 1 | 1 | 50,0%",
        "Sở Tài chính | 3 | 2 | 1 | 66,7%",
        "Tổng cộng | 5 | 3 | 2 | 60,0%",
    ]
    # The leader: the chair who approved the meeting's notice (else the meeting's chair).
    assert table(html, "rate-leaders")[1:] == [
        "Trần Văn Hùng Chủ tịch UBND Thành phố | 3 | 2 | 1 | 66,7%",
        "Lê Thị Lan Phó Chủ tịch UBND Thành phố | 2 | 1 | 1 | 50,0%",
        "Tổng cộng | 5 | 3 | 2 | 60,0%",
    ]
    # All time: by year.
    assert table(html, "rate-periods")[1:] == [
        "Năm 2026 | 5 | 3 | 2 | 60,0%",
    ]
    # The status table counts the done-late tasks beside the done ones.
    units = table(html, "status-units")
    assert units[0].split(" | ")[4:6] == ["Hoàn thành", "Hoàn thành quá hạn"]
    assert units[1].split(" | ")[4:6] == ["2", "1"]  # police: t4 late, t6 on time
    assert units[2].split(" | ")[4:6] == ["4", "1"]  # finance: t1, t2, t3, t5; t3 late

    # Tasks completed in March 2026 (t2, t3, t6; t5 has no deadline).
    html = client.get(url, {"year": "2026", "period": "m3"}).content.decode()
    assert "Tháng 3/2026" in html
    assert table(html, "rate-units")[1:] == [
        "Công an Thành phố | 1 | 1 | 0 | 100,0%",
        "Sở Tài chính | 2 | 1 | 1 | 50,0%",
        "Tổng cộng | 3 | 2 | 1 | 66,7%",
    ]
    assert table(html, "rate-leaders")[1:] == [
        "Lê Thị Lan Phó Chủ tịch UBND Thành phố | 2 | 1 | 1 | 50,0%",
        "Trần Văn Hùng Chủ tịch UBND Thành phố | 1 | 1 | 0 | 100,0%",
        "Tổng cộng | 3 | 2 | 1 | 66,7%",
    ]

    # A year: by month; a quarter: by month too.
    for query in ({"year": "2026"}, {"year": "2026", "period": "q1"}):
        html = client.get(url, query).content.decode()
        assert table(html, "rate-periods")[1:] == [
            "Tháng 2/2026 | 2 | 1 | 1 | 50,0%",
            "Tháng 3/2026 | 3 | 2 | 1 | 66,7%",
        ]
    # A quarter with nothing completed.
    html = client.get(url, {"year": "2026", "period": "q2"}).content.decode()
    assert "Không có nhiệm vụ có thời hạn nào hoàn thành trong kỳ này." in html
    assert "rate-units" not in html


def test_the_dashboard_links_to_the_done_late_tasks(client: Client, figures: Figures) -> None:
    html = figures.office(client).get(reverse("cabinet:task_dashboard")).content.decode()
    assert f"?unit={figures.world.finance.pk}&amp;status=done_late" in html


def test_a_bad_period_is_refused_in_vietnamese_and_all_time_is_shown(
    client: Client, figures: Figures
) -> None:
    url = reverse("cabinet:task_dashboard")
    response = figures.office(client).get(url, {"year": "abc", "period": "q9"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Giá trị lọc không hợp lệ; đã bỏ qua điều kiện này." in html
    assert table(html, "rate-units")[-1] == "Tổng cộng | 5 | 3 | 2 | 60,0%"
    # A month or quarter without a year cannot be placed.
    html = client.get(url, {"period": "m3"}).content.decode()
    assert "Hãy chọn năm" in html
    assert table(html, "rate-units")[-1] == "Tổng cộng | 5 | 3 | 2 | 60,0%"


def test_the_rates_are_for_follow_up_users_only(client: Client, figures: Figures) -> None:
    login(client, figures.world.finance_user)
    response = client.get(reverse("cabinet:task_dashboard"), {"year": "2026"})
    assert response.status_code == 403


# --- The Excel export --------------------------------------------------------------------------


def read_export(client: Client, **query: str) -> tuple[list[Any], dict[str, list[Any]]]:
    response = client.get(reverse("cabinet:task_export"), query)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    header, *body = [list(row) for row in sheet.iter_rows(values_only=True)]
    return header, {str(row[1]): row for row in body}


def test_the_export_has_the_notice_number_and_the_done_late_status(
    client: Client, figures: Figures
) -> None:
    header, rows = read_export(figures.office(client))
    notice = header.index("Số thông báo")
    status = header.index("Tình trạng")
    late = header.index("Số ngày làm việc quá hạn")
    completed = header.index("Ngày hoàn thành")

    on_time = rows["Báo cáo tình hình thu ngân sách"]
    assert on_time[notice] == "01/TB-UBND"
    assert on_time[status] == "Hoàn thành"
    assert on_time[late] is None
    assert on_time[completed].date() == dt.date(2026, 3, 5)  # reported, not confirmed (09/03)

    done_late = rows["Đề xuất điều chuyển vốn giữa các dự án"]
    assert done_late[notice] is None  # the second meeting's notice is not issued
    assert done_late[status] == "Hoàn thành quá hạn"
    assert done_late[late] == 3
    assert done_late[completed].date() == dt.date(2026, 3, 4)

    overdue = rows["Quyết toán vốn các dự án hoàn thành"]
    assert overdue[status] == "Chưa thực hiện – Quá hạn"
    assert overdue[late] == 7

    # The same filter as the list.
    header, rows = read_export(client, status="done_late")
    assert set(rows) == {
        "Đề xuất điều chuyển vốn giữa các dự án",
        "Bảo đảm an ninh trật tự dịp Tết",
    }


def test_a_draft_notice_gives_no_number(client: Client, figures: Figures) -> None:
    ConclusionNotice.objects.create(meeting=figures.second, updated_by=secretary_of(figures.second))
    header, rows = read_export(figures.office(client))
    assert rows["Đề xuất điều chuyển vốn giữa các dự án"][header.index("Số thông báo")] is None


def test_the_figures_read_in_english(client: Client, figures: Figures) -> None:
    figures.office(client).cookies["django_language"] = "en"
    url = reverse("cabinet:task_dashboard")
    html = client.get(url, {"year": "2026", "period": "q1"}).content.decode()
    assert "On-time completion rate – Quarter I 2026" in html
    assert table(html, "rate-units")[0] == "Lead unit | Completed | On time | Late | On-time rate"
    assert table(html, "rate-units")[-1] == "Total | 5 | 3 | 2 | 60.0%"
    assert table(html, "rate-periods")[1:] == [
        "2/2026 | 2 | 1 | 1 | 50.0%",
        "3/2026 | 3 | 2 | 1 | 66.7%",
    ]
    html = client.get(reverse("cabinet:task", args=[figures.t3.pk])).content.decode()
    assert "Done late" in html
    assert "3 working days late" in html
    assert "Completion confirmed" in html
    header, _rows = read_export(client)
    assert "Notice number" in header
