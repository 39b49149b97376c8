"""The tasks' pages: list and filters, a task's page and its forms, the attachment download, the
dashboard's permission, the Excel export read back, the reminders on the home page."""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING, Any

import pytest
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pytest_django import DjangoAssertNumQueries
from pytest_django.fixtures import Settings

from cabinet.models import TaskStatus, User
from tests.factories import PASSWORD, make_meeting
from tests.factories.tasks import TaskWorld, pdf_attachment, upload

if TYPE_CHECKING:
    # What the test client returns (its extra attributes); the stubs' name, not importable.
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 11)  # a Wednesday


@pytest.fixture
def world() -> TaskWorld:
    return TaskWorld()


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    settings.HOLIDAYS = []
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


def login(client: Client, user: User) -> Client:
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_every_page_needs_a_signed_in_user(client: Client, world: TaskWorld) -> None:
    task = world.task(world.finance)
    for url in (
        reverse("cabinet:tasks"),
        reverse("cabinet:task", args=[task.pk]),
        reverse("cabinet:task_dashboard"),
        reverse("cabinet:task_export"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]


def test_the_list_shows_only_the_units_tasks_overdue_first_with_days_late(
    client: Client, world: TaskWorld
) -> None:
    late = world.task(
        world.finance, deadline=TODAY - dt.timedelta(days=7), content="Báo cáo quyết toán"
    )
    soon = world.task(world.finance, deadline=TODAY + dt.timedelta(days=1), content="Lập dự toán")
    world.task(world.police, content="Bảo đảm an ninh trật tự")
    login(client, world.finance_user)
    response = client.get(reverse("cabinet:tasks"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Báo cáo quyết toán" in html
    assert "Lập dự toán" in html
    assert "Bảo đảm an ninh trật tự" not in html
    assert html.index("Báo cáo quyết toán") < html.index("Lập dự toán")
    assert "Quá hạn 5 ngày làm việc" in html
    assert "Chưa thực hiện" in html
    assert reverse("cabinet:meeting", args=[late.meeting_id]) in html
    assert reverse("cabinet:task", args=[soon.pk]) in html


def test_the_list_filters_and_refuses_bad_values_in_vietnamese(
    client: Client, world: TaskWorld
) -> None:
    world.task(world.finance, content="Giải ngân vốn đầu tư công", status="in_progress")
    world.task(world.police, content="Đề án 06 dữ liệu dân cư")
    login(client, world.office)
    url = reverse("cabinet:tasks")
    html = client.get(url, {"status": "in_progress"}).content.decode()
    assert "Giải ngân" in html
    assert "Đề án 06" not in html
    html = client.get(url, {"unit": world.police.pk}).content.decode()
    assert "Giải ngân" not in html
    assert "Đề án 06" in html
    html = client.get(url, {"q": "giai ngan"}).content.decode()
    assert "Giải ngân" in html
    assert "Đề án 06" not in html
    response = client.get(url, {"unit": "abc", "status": "whatever", "meeting": "99999"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Giá trị lọc không hợp lệ" in html
    # The bad filters are ignored.
    assert "Giải ngân" in html
    assert "Đề án 06" in html


def test_a_task_of_another_unit_is_a_404(client: Client, world: TaskWorld) -> None:
    task = world.task(world.police)
    draft = world.task(world.finance, tracked=False)
    login(client, world.finance_user)
    assert client.get(reverse("cabinet:task", args=[task.pk])).status_code == 404
    assert client.get(reverse("cabinet:task", args=[draft.pk])).status_code == 404
    response = client.post(
        reverse("cabinet:task_report", args=[task.pk]), {"note": "x", "status": "in_progress"}
    )
    assert response.status_code == 404


def test_the_unit_reports_through_the_page_and_sees_the_history(
    client: Client, world: TaskWorld
) -> None:
    task = world.task(world.finance)
    login(client, world.finance_user)
    page = client.get(reverse("cabinet:task", args=[task.pk])).content.decode()
    assert "Báo cáo tiến độ" in page
    assert "Xác nhận hoàn thành" not in page
    response = client.post(
        reverse("cabinet:task_report", args=[task.pk]),
        {"note": "Đã hoàn thành dự thảo", "status": "reported", "attachment": pdf_attachment()},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.REPORTED
    page = client.get(reverse("cabinet:task", args=[task.pk])).content.decode()
    assert "Đã hoàn thành dự thảo" in page
    assert "bao-cao.pdf" in page


def test_bad_input_is_answered_in_vietnamese_never_a_500(client: Client, world: TaskWorld) -> None:
    task = world.task(world.finance)
    login(client, world.finance_user)
    url = reverse("cabinet:task_report", args=[task.pk])
    response = client.post(url, {"note": "", "status": "done"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Hãy nhập nội dung báo cáo tiến độ." in html
    assert "Tình trạng không hợp lệ." in html
    response = client.post(
        url, {"note": "x", "status": "reported", "attachment": upload("a.pdf", b"MZ\x90\x00exe")}
    )
    assert response.status_code == 400
    assert "không được hỗ trợ" in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.NOT_STARTED
    assert client.get(url).status_code == 405


def test_only_the_office_confirms_or_returns(client: Client, world: TaskWorld) -> None:
    task = world.task(world.finance, status="reported")
    login(client, world.finance_user)
    assert client.post(reverse("cabinet:task_confirm", args=[task.pk])).status_code == 403
    assert (
        client.post(reverse("cabinet:task_return", args=[task.pk]), {"note": "x"}).status_code
        == 403
    )
    client.logout()
    login(client, world.office)
    page = client.get(reverse("cabinet:task", args=[task.pk])).content.decode()
    assert "Xác nhận hoàn thành" in page
    assert "Trả lại" in page
    response = client.post(reverse("cabinet:task_return", args=[task.pk]), {"note": ""})
    assert response.status_code == 400
    assert "Hãy ghi lý do trả lại nhiệm vụ." in response.content.decode()
    response = client.post(reverse("cabinet:task_confirm", args=[task.pk]), {"note": "Tốt"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    response = client.post(reverse("cabinet:task_confirm", args=[task.pk]))
    assert response.status_code == 400
    assert "đã hoàn thành" in response.content.decode()


def test_the_attachment_is_downloaded_with_no_store_by_those_who_see_the_task(
    client: Client, world: TaskWorld
) -> None:
    from cabinet.followup.services import report_progress

    task = world.task(world.finance, coordinating=(world.home_affairs,))
    update = report_progress(
        actor=world.finance_user,
        task_id=task.pk,
        note="Kèm báo cáo",
        status="in_progress",
        attachment=pdf_attachment("Báo cáo tiến độ.pdf"),
    )
    url = reverse("cabinet:task_attachment", args=[task.pk, update.pk])
    login(client, world.home_user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "B%C3%A1o%20c%C3%A1o" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"
    assert isinstance(response, StreamingHttpResponse)  # a non-empty attachment is streamed
    assert response.getvalue().startswith(b"%PDF-")  # getvalue() joins streaming_content
    from cabinet.models import AuditAction, AuditEntry

    taken = AuditEntry.objects.get(action=AuditAction.PAPER_DOWNLOADED, actor=world.home_user)
    assert taken.detail == {"task": task.pk, "attachment": "Báo cáo tiến độ.pdf"}
    client.logout()
    login(client, world.police_user)
    assert client.get(url).status_code == 404
    other = world.task(world.police)
    assert (
        client.get(reverse("cabinet:task_attachment", args=[other.pk, update.pk])).status_code
        == 404
    )


def test_the_dashboard_is_for_follow_up_users(client: Client, world: TaskWorld) -> None:
    world.task(world.finance, deadline=TODAY - dt.timedelta(days=2), content="Việc trễ hạn")
    world.task(world.police, status="done")
    login(client, world.finance_user)
    assert client.get(reverse("cabinet:task_dashboard")).status_code == 403
    client.logout()
    login(client, world.office)
    response = client.get(reverse("cabinet:task_dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sở Tài chính" in html
    assert "Công an Thành phố" in html
    assert "Việc trễ hạn" in html
    assert f"?unit={world.finance.pk}&amp;status=overdue" in html


def read_export(response: TestResponse) -> list[list[Any]]:
    """The export's rows, as openpyxl reads the cells' values back (text, numbers, dates)."""
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert response["Content-Disposition"].startswith("attachment;")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_export_has_vietnamese_headers_real_dates_and_only_visible_tasks(
    client: Client, world: TaskWorld
) -> None:
    world.task(
        world.finance,
        coordinating=(world.home_affairs,),
        deadline=TODAY - dt.timedelta(days=7),
        content="Quyết toán ngân sách",
    )
    world.task(world.finance, deadline=dt.date(2026, 6, 30), content="Lập kế hoạch vốn")
    world.task(world.police, content="Việc của công an")
    login(client, world.finance_user)
    rows = read_export(client.get(reverse("cabinet:task_export")))
    header, *body = rows
    assert header[:3] == ["STT", "Nội dung nhiệm vụ", "Đơn vị chủ trì"]
    assert "Thời hạn" in header
    assert "Tình trạng" in header
    assert [r[1] for r in body] == ["Quyết toán ngân sách", "Lập kế hoạch vốn"]
    deadline = body[0][header.index("Thời hạn")]
    assert isinstance(deadline, dt.datetime)
    assert deadline.date() == TODAY - dt.timedelta(days=7)
    assert body[0][header.index("Đơn vị phối hợp")] == "Sở Nội vụ"
    assert body[0][header.index("Số ngày làm việc quá hạn")] == 5
    assert "Quá hạn" in body[0][header.index("Tình trạng")]
    # The same filters as the list.
    rows = read_export(client.get(reverse("cabinet:task_export"), {"q": "ke hoach"}))
    assert [r[1] for r in rows[1:]] == ["Lập kế hoạch vốn"]


def test_the_home_page_reminds_before_and_after_the_deadline(
    client: Client, world: TaskWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    deadline = dt.date(2026, 3, 13)  # Friday
    world.task(world.finance, deadline=deadline, content="Nộp báo cáo quý I")
    login(client, world.finance_user)
    home = reverse("cabinet:home")

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2026, 3, 5))
    html = client.get(home).content.decode()
    assert "Nộp báo cáo quý I" not in html  # six working days ahead: not yet
    assert "nav-count" not in html

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2026, 3, 10))
    html = client.get(home).content.decode()
    assert "Nhiệm vụ cần chú ý" in html
    assert "Nộp báo cáo quý I" in html
    assert "Sắp đến hạn" in html
    assert "Còn 3 ngày làm việc" in html
    assert '<span class="nav-count"' in html

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2026, 3, 17))
    html = client.get(home).content.decode()
    assert "Nộp báo cáo quý I" in html
    assert "Quá hạn 2 ngày làm việc" in html


def test_the_office_is_reminded_of_completions_to_confirm(client: Client, world: TaskWorld) -> None:
    world.task(world.finance, status="reported", content="Chờ Văn phòng xác nhận việc này")
    login(client, world.office)
    html = client.get(reverse("cabinet:home")).content.decode()
    assert "chờ xác nhận" in html
    assert "Chờ Văn phòng xác nhận việc này" in html


def test_the_list_page_takes_a_bounded_number_of_queries(
    client: Client, world: TaskWorld, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    meetings = [make_meeting() for _ in range(3)]
    for n in range(30):
        world.task(
            world.finance,
            meeting=meetings[n % 3],
            coordinating=(world.home_affairs,),
            deadline=TODAY + dt.timedelta(days=n - 10),
        )
    login(client, world.office)
    # Session, user, permissions, the filters' units and meetings, the count, the page of
    # tasks, their coordinating units, the nav's reminders: 10 today, never one per task.
    with django_assert_max_num_queries(12):
        assert client.get(reverse("cabinet:tasks")).status_code == 200
