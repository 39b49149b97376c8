"""Reading tasks for their follow-up, always filtered by what the user may see.

A follow-up user (cabinet.core.permissions.can_follow_up_tasks: the office, the leaders) sees every
tracked task; anyone else sees the tracked tasks whose lead unit or a coordinating unit is their
own. Untracked tasks (their notice is not issued yet) are part of a draft and are not followed up.

"Quá hạn" (overdue) is derived, never stored: tracked, not done, deadline before today. How late
is counted in working days (cabinet.core.workdays).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabinet.core.permissions import AnyUser, can_follow_up_tasks
from cabinet.core.workdays import Calendar
from cabinet.followup.sentences import normalize_for_match
from cabinet.models import Task, TaskStatus, Unit, User

OVERDUE = "overdue"
# The short labels of the list, the dashboard and the export ("Chờ xác nhận" rather than the
# model's longer "Chờ xác nhận hoàn thành"); "overdue" is the virtual status.
STATUS_LABELS = {
    TaskStatus.NOT_STARTED.value: _("Chưa thực hiện"),
    TaskStatus.IN_PROGRESS.value: _("Đang thực hiện"),
    TaskStatus.REPORTED.value: _("Chờ xác nhận"),
    TaskStatus.DONE.value: _("Hoàn thành"),
    OVERDUE: _("Quá hạn"),
}
STATUS_FILTERS = tuple(STATUS_LABELS)
MAX_QUERY_CHARS = 200
# Ongoing work: what a unit is reminded of (a reported task waits for the office, not the unit).
WORKING_STATUSES = (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS)


def _tracked() -> QuerySet[Task]:
    return Task.objects.filter(tracked_since__isnull=False)


def _of_unit(unit_id: int) -> Q:
    """Tasks the unit leads or coordinates (a subquery, so a task is never listed twice)."""
    through = Task.coordinating_units.through
    return Q(lead_unit_id=unit_id) | Q(
        pk__in=through.objects.filter(unit_id=unit_id).values("task_id")
    )


def overdue_q(today: dt.date) -> Q:
    """Overdue tasks, as a filter on Task (tracked is assumed)."""
    return Q(deadline__lt=today) & ~Q(status=TaskStatus.DONE)


def tasks_for(user: AnyUser) -> QuerySet[Task]:
    """The tracked tasks ``user`` may see."""
    if not user.is_authenticated or not user.is_active:
        return Task.objects.none()
    if can_follow_up_tasks(user):
        return _tracked()
    assert isinstance(user, User)
    if user.unit_id is None:
        return Task.objects.none()
    return _tracked().filter(_of_unit(user.unit_id))


def task_for(user: AnyUser, task_id: int) -> Task:
    """One task with what its page shows; 404 for a task the user may not see."""
    task = (
        tasks_for(user)
        .select_related("lead_unit", "meeting", "agenda_item", "confirmed_by")
        .prefetch_related("coordinating_units")
        .filter(pk=task_id)
        .first()
    )
    if task is None:
        raise Http404
    return task


def role_of(user: AnyUser, task: Task) -> str:
    """ "lead", "coordinating" or "": the user's unit's part in the task (coordinating units
    prefetched by task_for)."""
    unit_id = getattr(user, "unit_id", None)
    if unit_id is None:
        return ""
    if task.lead_unit_id == unit_id:
        return "lead"
    if any(unit.pk == unit_id for unit in task.coordinating_units.all()):
        return "coordinating"
    return ""


# --- Filters and ordering ---------------------------------------------------------------------


@dataclass(frozen=True)
class TaskFilters:
    unit_id: int | None = None  # the lead unit
    meeting_id: int | None = None
    status: str = ""  # a TaskStatus value, "overdue", or "" for all
    query: str = ""  # words of the content, the unit or the meeting, accents and case ignored


def filter_tasks(tasks: QuerySet[Task], filters: TaskFilters, *, today: dt.date) -> QuerySet[Task]:
    if filters.unit_id is not None:
        tasks = tasks.filter(lead_unit_id=filters.unit_id)
    if filters.meeting_id is not None:
        tasks = tasks.filter(meeting_id=filters.meeting_id)
    if filters.status == OVERDUE:
        tasks = tasks.filter(overdue_q(today))
    elif filters.status:
        tasks = tasks.filter(status=filters.status)
    if filters.query.strip():
        tasks = tasks.filter(pk__in=_matching_ids(tasks, filters.query))
    return tasks


def _matching_ids(tasks: QuerySet[Task], query: str) -> list[int]:
    """Tasks whose text holds every word of the query, with or without diacritics.

    Folded in Python: SQLite's LIKE folds ASCII letters only ("Đ", "Ở" stay apart from "đ",
    "ở") and neither database drops tone marks; a follow-up list is thousands of rows, not
    millions, and only four short columns are read."""
    words = normalize_for_match(query[:MAX_QUERY_CHARS]).split()
    rows = tasks.values_list(
        "pk", "content", "lead_unit__name", "lead_unit__short_name", "meeting__title"
    )
    matching = []
    for pk, *texts in rows:
        haystack = normalize_for_match(" ".join(t or "" for t in texts))
        if all(word in haystack for word in words):
            matching.append(pk)
    return matching


def ordered(tasks: QuerySet[Task], *, today: dt.date) -> QuerySet[Task]:
    """Overdue first (the latest first), then open tasks by deadline (none last), done last."""
    return tasks.annotate(
        _rank=Case(
            When(overdue_q(today), then=Value(0)),
            When(status=TaskStatus.DONE, then=Value(2)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("_rank", F("deadline").asc(nulls_last=True), "meeting_id", "position", "pk")


def task_list(user: AnyUser, filters: TaskFilters, *, today: dt.date) -> QuerySet[Task]:
    """What the list and the export show: the user's tasks, filtered, overdue first."""
    tasks = filter_tasks(tasks_for(user), filters, today=today)
    return (
        ordered(tasks, today=today)
        .select_related("lead_unit", "meeting")
        .prefetch_related("coordinating_units")
    )


# --- Rows: a task with its deadline as of today -------------------------------------------------


@dataclass(frozen=True)
class TaskRow:
    task: Task
    overdue: bool
    days_late: int  # working days past the deadline (0 unless overdue)
    days_left: int | None  # working days left until the deadline (None: none, done, or late)

    @property
    def due_soon(self) -> bool:
        """Open, not late, and at most TASK_REMINDER_WORKING_DAYS working days left."""
        return self.days_left is not None and self.days_left <= settings.TASK_REMINDER_WORKING_DAYS

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.task.status])

    @property
    def status(self) -> str:
        return str(self.task.status)


def row_of(task: Task, *, today: dt.date, calendar: Calendar | None = None) -> TaskRow:
    calendar = calendar or Calendar.from_settings()
    overdue = task.is_overdue(today)
    days_late = 0
    days_left = None
    if task.deadline is not None and task.status != TaskStatus.DONE:
        remaining = calendar.working_days_left(today, task.deadline)
        if overdue:
            # A deadline on Friday checked on Saturday: late by the calendar, but no working
            # day has passed yet; it still counts as one day late.
            days_late = max(1, -remaining)
        else:
            days_left = remaining
    return TaskRow(task=task, overdue=overdue, days_late=days_late, days_left=days_left)


def rows_of(tasks: QuerySet[Task] | list[Task], *, today: dt.date) -> list[TaskRow]:
    calendar = Calendar.from_settings()
    return [row_of(task, today=today, calendar=calendar) for task in tasks]


# --- The leaders' dashboard ---------------------------------------------------------------------


@dataclass
class UnitCounts:
    unit_id: int | None
    name: str
    not_started: int = 0
    in_progress: int = 0
    reported: int = 0
    done: int = 0
    overdue: int = 0

    @property
    def total(self) -> int:
        return self.not_started + self.in_progress + self.reported + self.done


@dataclass
class Dashboard:
    units: list[UnitCounts]
    totals: UnitCounts
    overdue: list[TaskRow] = field(default_factory=list)


def dashboard(today: dt.date) -> Dashboard:
    """Every tracked task counted by lead unit and status (plus the overdue ones, which are also
    counted under their status), and the overdue tasks, the latest first. For follow-up users
    only: the caller checks."""
    counts = (
        _tracked()
        .values("lead_unit_id", "lead_unit__name", "lead_unit__short_name")
        .annotate(
            not_started=Count("pk", filter=Q(status=TaskStatus.NOT_STARTED)),
            in_progress=Count("pk", filter=Q(status=TaskStatus.IN_PROGRESS)),
            reported=Count("pk", filter=Q(status=TaskStatus.REPORTED)),
            done=Count("pk", filter=Q(status=TaskStatus.DONE)),
            overdue=Count("pk", filter=overdue_q(today)),
        )
        .order_by("lead_unit__name")
    )
    totals = UnitCounts(unit_id=None, name=str(_("Tổng cộng")))
    units = []
    for row in counts:
        unit = UnitCounts(
            unit_id=row["lead_unit_id"],
            name=row["lead_unit__name"],
            not_started=row["not_started"],
            in_progress=row["in_progress"],
            reported=row["reported"],
            done=row["done"],
            overdue=row["overdue"],
        )
        units.append(unit)
        for key in (*(s.value for s in TaskStatus), OVERDUE):
            setattr(totals, key, getattr(totals, key) + getattr(unit, key))
    late = (
        _tracked()
        .filter(overdue_q(today))
        .select_related("lead_unit", "meeting")
        .prefetch_related("coordinating_units")
        .order_by("deadline", "pk")
    )
    return Dashboard(units=units, totals=totals, overdue=rows_of(late, today=today))


# --- Reminders ----------------------------------------------------------------------------------


@dataclass
class Reminders:
    due_soon: list[TaskRow] = field(default_factory=list)  # the unit's, due within the window
    overdue: list[TaskRow] = field(default_factory=list)  # the unit's, past their deadline
    awaiting: list[TaskRow] = field(default_factory=list)  # completions to confirm (follow-up)
    window: int = 0  # TASK_REMINDER_WORKING_DAYS

    @property
    def count(self) -> int:
        return len(self.due_soon) + len(self.overdue) + len(self.awaiting)


def reminders_for(user: AnyUser, today: dt.date) -> Reminders:
    """The in-app reminders: the open tasks of the user's unit (lead or coordinating) that are
    overdue or due within TASK_REMINDER_WORKING_DAYS working days, and, for follow-up users, the
    completions awaiting confirmation. At most four queries (two lists, their coordinating units)."""
    window = settings.TASK_REMINDER_WORKING_DAYS
    reminders = Reminders(window=window)
    if not user.is_authenticated or not user.is_active:
        return reminders
    calendar = Calendar.from_settings()
    unit_id = getattr(user, "unit_id", None)
    if unit_id is not None:
        # Due within the window: at most `window` working days left, i.e. before the
        # (window + 1)-th working day after today (today itself counts: 0 days left).
        horizon = calendar.add_working_days(today, window + 1)
        mine = (
            _tracked()
            .filter(_of_unit(unit_id), status__in=WORKING_STATUSES, deadline__lt=horizon)
            .select_related("lead_unit", "meeting")
            .prefetch_related("coordinating_units")
            .order_by("deadline", "pk")
        )
        for task in mine:
            row = row_of(task, today=today, calendar=calendar)
            (reminders.overdue if row.overdue else reminders.due_soon).append(row)
    if can_follow_up_tasks(user):
        awaiting = (
            _tracked()
            .filter(status=TaskStatus.REPORTED)
            .select_related("lead_unit", "meeting")
            .prefetch_related("coordinating_units")
            .order_by(F("deadline").asc(nulls_last=True), "pk")
        )
        reminders.awaiting = rows_of(awaiting, today=today)
    return reminders


# --- Choices for the filters --------------------------------------------------------------------


def filter_units() -> QuerySet[Unit]:
    return Unit.objects.filter(is_active=True).order_by("name")


def filter_meetings(user: AnyUser) -> list[tuple[int, str]]:
    """The meetings of the tasks the user may see (id, title), latest first."""
    rows = (
        tasks_for(user)
        .order_by("-meeting__starts_at", "meeting_id")
        .values_list("meeting_id", "meeting__title", "meeting__starts_at")
        .distinct()
    )
    seen: dict[int, str] = {}
    for meeting_id, title, starts_at in rows:
        if meeting_id not in seen:
            day = timezone.localtime(starts_at).date() if starts_at else None
            seen[meeting_id] = f"{title} ({day:%d/%m/%Y})" if day else title
    return list(seen.items())
