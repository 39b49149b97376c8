"""The tasks' follow-up: who may report, confirm and return; the statuses; attachments checked by
content and size with nothing left behind; what each unit sees; overdue in working days."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from pytest_django import DjangoAssertNumQueries
from pytest_django.fixtures import Settings

from cabinet.core.errors import ServiceError
from cabinet.core.workdays import Calendar
from cabinet.followup import selectors as task_selectors
from cabinet.followup.selectors import TaskFilters
from cabinet.followup.services import confirm_completion, report_progress, return_task
from cabinet.models import Task, TaskStatus, TaskUpdate
from tests.factories.tasks import (
    TaskWorld,
    docx_bytes,
    pdf_attachment,
    plain_zip_bytes,
    png_bytes,
    upload,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 3, 9)
FRIDAY = dt.date(2026, 3, 13)


@pytest.fixture
def world() -> TaskWorld:
    return TaskWorld()


def stored_files(media: Path) -> list[Path]:
    folder = media / "tasks"
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


# --- Who may do what ----------------------------------------------------------------------------


def test_the_lead_unit_reports_progress_and_the_status_moves(world: TaskWorld) -> None:
    task = world.task(world.finance)
    update = report_progress(
        actor=world.finance_user, task_id=task.pk, note="Đã họp triển khai", status="in_progress"
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS
    assert update.status == TaskStatus.IN_PROGRESS
    assert update.author == world.finance_user
    assert update.note == "Đã họp triển khai"


def test_reported_then_confirmed_is_done_with_who_and_when(world: TaskWorld) -> None:
    task = world.task(world.finance, status="in_progress")
    report_progress(actor=world.finance_user, task_id=task.pk, note="Xong", status="reported")
    confirm_completion(actor=world.office, task_id=task.pk, note="Đạt yêu cầu")
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert task.completed_at is not None
    assert task.confirmed_by == world.office
    assert list(task.updates.values_list("status", flat=True)) == ["reported", "done"]


def test_the_office_returns_a_reported_task_with_its_reason(world: TaskWorld) -> None:
    task = world.task(world.finance, status="reported")
    with pytest.raises(ServiceError, match="lý do"):
        return_task(actor=world.office, task_id=task.pk, note="  ")
    return_task(actor=world.office, task_id=task.pk, note="Thiếu số liệu quý I")
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS
    assert task.updates.get().note == "Thiếu số liệu quý I"


def test_a_coordinating_unit_adds_a_note_but_cannot_change_the_status(world: TaskWorld) -> None:
    task = world.task(world.finance, coordinating=(world.home_affairs,))
    update = report_progress(
        actor=world.home_user, task_id=task.pk, note="Đã gửi số liệu", status="not_started"
    )
    assert update.status == TaskStatus.NOT_STARTED
    with pytest.raises(ServiceError, match="phối hợp"):
        report_progress(actor=world.home_user, task_id=task.pk, note="Xong", status="reported")
    task.refresh_from_db()
    assert task.status == TaskStatus.NOT_STARTED
    assert task.updates.count() == 1


def test_other_units_cannot_report_and_are_told_the_task_is_not_found(world: TaskWorld) -> None:
    task = world.task(world.finance)
    with pytest.raises(ServiceError, match="Không tìm thấy"):
        report_progress(actor=world.police_user, task_id=task.pk, note="x", status="in_progress")
    # The office sees the task but does not report for the unit.
    with pytest.raises(ServiceError, match="đơn vị chủ trì"):
        report_progress(actor=world.office, task_id=task.pk, note="x", status="in_progress")
    assert not TaskUpdate.objects.exists()


def test_the_unit_cannot_mark_done_nor_confirm_nor_return(world: TaskWorld) -> None:
    task = world.task(world.finance, status="reported")
    with pytest.raises(ServiceError, match="không hợp lệ"):
        report_progress(actor=world.finance_user, task_id=task.pk, note="x", status="done")
    with pytest.raises(ServiceError, match="Văn phòng"):
        confirm_completion(actor=world.finance_user, task_id=task.pk)
    with pytest.raises(ServiceError, match="Văn phòng"):
        return_task(actor=world.finance_user, task_id=task.pk, note="x")
    task.refresh_from_db()
    assert task.status == TaskStatus.REPORTED


def test_only_a_reported_task_is_confirmed_or_returned(world: TaskWorld) -> None:
    task = world.task(world.finance, status="in_progress")
    with pytest.raises(ServiceError, match="báo cáo hoàn thành"):
        confirm_completion(actor=world.office, task_id=task.pk)
    with pytest.raises(ServiceError, match="báo cáo hoàn thành"):
        return_task(actor=world.office, task_id=task.pk, note="x")


def test_untracked_and_done_tasks_are_not_followed_up(world: TaskWorld) -> None:
    draft = world.task(world.finance, tracked=False)
    with pytest.raises(ServiceError, match="chưa được giao chính thức"):
        report_progress(actor=world.finance_user, task_id=draft.pk, note="x", status="in_progress")
    done = world.task(world.finance, status="done")
    with pytest.raises(ServiceError, match="đã hoàn thành"):
        report_progress(actor=world.finance_user, task_id=done.pk, note="x", status="in_progress")
    with pytest.raises(ServiceError, match="đã hoàn thành"):
        confirm_completion(actor=world.office, task_id=done.pk)


def test_a_report_needs_a_note_and_a_missing_task_is_not_found(world: TaskWorld) -> None:
    task = world.task(world.finance)
    with pytest.raises(ServiceError, match="nội dung"):
        report_progress(actor=world.finance_user, task_id=task.pk, note=" ", status="in_progress")
    with pytest.raises(ServiceError, match="Không tìm thấy"):
        report_progress(actor=world.finance_user, task_id=99999, note="x", status="in_progress")


# --- Attachments --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "suffix"),
    [
        ("bao-cao.docx", docx_bytes(), ".docx"),
        ("so-lieu.xlsx", xlsx_bytes(), ".xlsx"),
        ("anh.png", png_bytes(), ".png"),
        ("anh.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, ".jpg"),
    ],
)
def test_office_documents_and_images_are_accepted_by_content(
    world: TaskWorld, private_media: Path, name: str, data: bytes, suffix: str
) -> None:
    task = world.task(world.finance)
    update = report_progress(
        actor=world.finance_user,
        task_id=task.pk,
        note="Kèm tệp",
        status="in_progress",
        attachment=upload(name, data),
    )
    assert update.attachment.name is not None
    assert update.attachment.name.endswith(suffix)
    assert update.attachment_name == name
    assert Path(update.attachment.path).read_bytes() == data
    assert stored_files(private_media) == [Path(update.attachment.path)]


def test_a_pdf_is_accepted_after_its_pages_are_counted(
    world: TaskWorld, private_media: Path
) -> None:
    task = world.task(world.finance)
    update = report_progress(
        actor=world.finance_user,
        task_id=task.pk,
        note="Báo cáo",
        status="reported",
        attachment=pdf_attachment(pages=2),
    )
    assert update.attachment.name is not None
    assert update.attachment.name.endswith(".pdf")
    assert len(stored_files(private_media)) == 1


def test_the_download_name_carries_the_real_extension(world: TaskWorld) -> None:
    task = world.task(world.finance)
    update = report_progress(
        actor=world.finance_user,
        task_id=task.pk,
        note="Ảnh",
        status="in_progress",
        attachment=upload("bao-cao.pdf", png_bytes()),
    )
    assert update.attachment_name == "bao-cao.pdf.png"
    assert update.attachment.name is not None
    assert update.attachment.name.endswith(".png")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("bao-cao.pdf", b"<html><script>alert(1)</script></html>", "không được hỗ trợ"),
        ("bao-cao.docx", plain_zip_bytes(), "không phải văn bản DOCX"),
        ("bao-cao.docx", b"PK\x03\x04 broken zip", "hỏng"),
        ("bao-cao.pdf", b"%PDF-1.7\n garbage, no objects, no xref", "Không đọc được tệp PDF"),
        ("rong.pdf", b"", "rỗng"),
    ],
)
def test_refused_attachments_leave_no_report_and_no_file(
    world: TaskWorld, private_media: Path, name: str, data: bytes, message: str
) -> None:
    task = world.task(world.finance)
    with pytest.raises(ServiceError, match=message):
        report_progress(
            actor=world.finance_user,
            task_id=task.pk,
            note="Kèm tệp",
            status="reported",
            attachment=upload(name, data),
        )
    task.refresh_from_db()
    assert task.status == TaskStatus.NOT_STARTED
    assert not TaskUpdate.objects.exists()
    assert stored_files(private_media) == []


def test_an_attachment_over_the_size_limit_is_refused(
    world: TaskWorld, private_media: Path, settings: Settings
) -> None:
    settings.TASK_ATTACHMENT_MAX_BYTES = 1024 * 1024
    task = world.task(world.finance)
    big = png_bytes() + b"\x00" * (1024 * 1024)
    with pytest.raises(ServiceError, match="quá lớn: tối đa 1 MB"):
        report_progress(
            actor=world.finance_user,
            task_id=task.pk,
            note="x",
            status="in_progress",
            attachment=upload("anh.png", big),
        )
    assert stored_files(private_media) == []
    assert not TaskUpdate.objects.exists()


def test_a_failure_after_the_file_is_written_removes_the_file(
    world: TaskWorld, private_media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = world.task(world.finance)

    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(Task, "save", fail)
    with pytest.raises(RuntimeError):
        report_progress(
            actor=world.finance_user,
            task_id=task.pk,
            note="x",
            status="in_progress",
            attachment=upload("anh.png", png_bytes()),
        )
    assert stored_files(private_media) == []
    assert not TaskUpdate.objects.exists()


def test_the_setting_defaults_to_twenty_megabytes() -> None:
    from django.conf import settings

    assert settings.TASK_ATTACHMENT_MAX_BYTES == 20 * 1024 * 1024
    assert settings.TASK_REMINDER_WORKING_DAYS == 3


# --- What each unit sees ------------------------------------------------------------------------


def test_units_see_the_tasks_they_lead_or_coordinate_and_the_office_sees_all(
    world: TaskWorld,
) -> None:
    mine = world.task(world.finance)
    helping = world.task(world.police, coordinating=(world.finance, world.home_affairs))
    other = world.task(world.police)
    world.task(world.finance, tracked=False)  # a draft: nobody follows it up yet
    assert set(task_selectors.tasks_for(world.finance_user)) == {mine, helping}
    assert set(task_selectors.tasks_for(world.home_user)) == {helping}
    assert set(task_selectors.tasks_for(world.office)) == {mine, helping, other}


def test_a_task_led_and_coordinated_by_units_is_listed_once(world: TaskWorld) -> None:
    task = world.task(world.finance, coordinating=(world.home_affairs, world.police))
    assert list(task_selectors.tasks_for(world.finance_user)) == [task]
    listed = task_selectors.task_list(world.finance_user, TaskFilters(), today=MONDAY)
    assert list(listed) == [task]


def test_a_user_without_unit_or_permission_sees_nothing(world: TaskWorld) -> None:
    from tests.factories import make_user

    world.task(world.finance)
    assert not task_selectors.tasks_for(make_user()).exists()


# --- Overdue, in working days -------------------------------------------------------------------


def test_overdue_is_derived_and_counted_in_working_days(
    world: TaskWorld, settings: Settings
) -> None:
    settings.HOLIDAYS = []
    task = world.task(world.finance, deadline=FRIDAY)
    assert not task_selectors.row_of(task, today=FRIDAY).overdue
    assert task_selectors.row_of(task, today=FRIDAY).days_left == 0
    saturday = task_selectors.row_of(task, today=FRIDAY + dt.timedelta(days=1))
    assert saturday.overdue
    assert saturday.days_late == 1
    tuesday = task_selectors.row_of(task, today=FRIDAY + dt.timedelta(days=4))
    assert tuesday.overdue
    assert tuesday.days_late == 2  # Monday and Tuesday
    settings.HOLIDAYS = [FRIDAY + dt.timedelta(days=3)]  # that Monday off
    assert task_selectors.row_of(task, today=FRIDAY + dt.timedelta(days=4)).days_late == 1


def test_done_and_untracked_tasks_are_never_overdue(world: TaskWorld) -> None:
    done = world.task(world.finance, deadline=MONDAY, status="done")
    draft = world.task(world.finance, deadline=MONDAY, tracked=False)
    later = MONDAY + dt.timedelta(days=30)
    assert not task_selectors.row_of(done, today=later).overdue
    assert not task_selectors.row_of(draft, today=later).overdue
    overdue = task_selectors.filter_tasks(
        task_selectors.tasks_for(world.office), TaskFilters(status="overdue"), today=later
    )
    assert not overdue.exists()


def test_the_list_puts_overdue_first_then_by_deadline_and_done_last(world: TaskWorld) -> None:
    soon = world.task(world.finance, deadline=MONDAY + dt.timedelta(days=2))
    late = world.task(world.finance, deadline=MONDAY - dt.timedelta(days=3))
    later = world.task(world.finance, deadline=MONDAY + dt.timedelta(days=20))
    undated = world.task(world.finance)
    done = world.task(world.finance, deadline=MONDAY - dt.timedelta(days=10), status="done")
    listed = list(task_selectors.task_list(world.office, TaskFilters(), today=MONDAY))
    assert listed == [late, soon, later, undated, done]


def test_the_filters_by_unit_meeting_status_and_words_without_diacritics(world: TaskWorld) -> None:
    from tests.factories import make_meeting

    other_meeting = make_meeting(title="Họp chuyên đề chuyển đổi số")
    budget = world.task(world.finance, content="Giải ngân vốn đầu tư công")
    digital = world.task(world.police, meeting=other_meeting, content="Đề án 06 về dữ liệu dân cư")
    late = world.task(world.police, deadline=MONDAY - dt.timedelta(days=1), status="in_progress")

    def listed(**filters: Any) -> set[Task]:
        return set(task_selectors.task_list(world.office, TaskFilters(**filters), today=MONDAY))

    assert listed(unit_id=world.finance.pk) == {budget}
    assert listed(meeting_id=other_meeting.pk) == {digital}
    assert listed(status="overdue") == {late}
    assert listed(status="in_progress") == {late}
    assert listed(query="giai ngan von") == {budget}
    assert listed(query="DE AN 06") == {digital}
    assert listed(query="cong an thanh pho") == {digital, late}  # the lead unit's name
    assert listed(query="khong co dau") == set()


# --- Reminders and the dashboard ----------------------------------------------------------------


def test_reminders_hold_the_units_tasks_due_within_the_window_and_the_overdue(
    world: TaskWorld, settings: Settings
) -> None:
    settings.HOLIDAYS = []
    settings.TASK_REMINDER_WORKING_DAYS = 3
    calendar = Calendar.from_settings()
    due = world.task(world.finance, deadline=calendar.add_working_days(MONDAY, 3))  # Thursday
    not_yet = world.task(world.finance, deadline=calendar.add_working_days(MONDAY, 4))
    late = world.task(world.finance, deadline=MONDAY - dt.timedelta(days=7), status="in_progress")
    waiting = world.task(world.finance, deadline=MONDAY, status="reported")
    world.task(world.police, deadline=MONDAY)  # another unit's
    reminders = task_selectors.reminders_for(world.finance_user, MONDAY)
    assert [r.task for r in reminders.due_soon] == [due]
    assert [r.task for r in reminders.overdue] == [late]
    assert reminders.overdue[0].days_late == 5
    assert reminders.awaiting == []
    assert not_yet not in [r.task for r in reminders.due_soon]
    office = task_selectors.reminders_for(world.office, MONDAY)
    assert [r.task for r in office.awaiting] == [waiting]
    assert office.count == 1  # the office belongs to no unit here


def test_the_dashboard_counts_by_unit_and_status(world: TaskWorld) -> None:
    world.task(world.finance, deadline=MONDAY - dt.timedelta(days=1))
    world.task(world.finance, status="in_progress")
    world.task(world.finance, status="done")
    world.task(world.police, status="reported", deadline=MONDAY - dt.timedelta(days=2))
    world.task(world.police, tracked=False)
    board = task_selectors.dashboard(MONDAY)
    counts = {u.name: u for u in board.units}
    finance = counts["Sở Tài chính"]
    assert (finance.not_started, finance.in_progress, finance.done, finance.overdue) == (1, 1, 1, 1)
    assert finance.total == 3
    police = counts["Công an Thành phố"]
    assert (police.reported, police.overdue, police.total) == (1, 1, 1)
    assert board.totals.total == 4
    assert board.totals.overdue == 2
    assert [r.task.lead_unit for r in board.overdue] == [world.police, world.finance]


def test_the_reads_take_a_fixed_number_of_queries(
    world: TaskWorld, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for n in range(12):
        world.task(
            world.finance if n % 2 else world.police,
            coordinating=(world.home_affairs,),
            deadline=MONDAY + dt.timedelta(days=n - 6),
            status="reported" if n % 3 == 0 else "in_progress",
        )
    with django_assert_max_num_queries(4):  # permissions (user, group), tasks, coordinating units
        rows = task_selectors.rows_of(
            task_selectors.task_list(world.office, TaskFilters(), today=MONDAY), today=MONDAY
        )
        assert [r.task.coordinating_units.all()[0] for r in rows]
        assert [r.task.lead_unit.name and r.task.meeting.title for r in rows]
    with django_assert_max_num_queries(4):
        board = task_selectors.dashboard(MONDAY)
        assert [r.task.lead_unit.name for r in board.overdue]
    world.home_user.user_permissions.add(
        *world.office.user_permissions.all()
    )  # a coordinating unit's official who also follows up
    from cabinet.models import User

    home_user = User.objects.get(pk=world.home_user.pk)
    with django_assert_max_num_queries(6):
        reminders = task_selectors.reminders_for(home_user, MONDAY)
        assert reminders.count > 0
        for row in [*reminders.due_soon, *reminders.overdue, *reminders.awaiting]:
            assert row.task.lead_unit.name
            assert row.task.meeting.title
            list(row.task.coordinating_units.all())
