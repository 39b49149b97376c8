"""Reading tasks for their follow-up, always filtered by what the user may see.

A follow-up user (cabinet.core.permissions.can_follow_up_tasks: the office, the leaders) sees every
tracked task; anyone else sees the tracked tasks whose lead unit or a coordinating unit is their
own. Untracked tasks (their notice is not issued yet) are part of a draft and are not followed up.

"Quá hạn" (overdue) is derived, never stored: tracked, not done, deadline before today. How late
is counted in working days (cabinet.core.workdays).

"Hoàn thành quá hạn" (done late) is derived too: done, on a day after the deadline. A task is done
on the day its lead unit reported it done (the last report before the office's confirmation, the
one confirmed), not on the day the office confirmed it: a unit that reported on time is not made
late by the office's delay. Days are the committee's (TIME_ZONE), not UTC's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DateField,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cabinet.core.permissions import AnyUser, can_follow_up_tasks
from cabinet.core.workdays import Calendar
from cabinet.followup.sentences import normalize_for_match
from cabinet.models import (
    Participant,
    ParticipantRole,
    Task,
    TaskStatus,
    TaskUpdate,
    Unit,
    User,
)

OVERDUE = "overdue"
DONE_LATE = "done_late"
# The short labels of the list, the dashboard and the export ("Chờ xác nhận" rather than the
# model's longer "Chờ xác nhận hoàn thành"); "overdue" is the virtual status.
STATUS_LABELS = {
    TaskStatus.NOT_STARTED.value: _("Chưa thực hiện"),
    TaskStatus.IN_PROGRESS.value: _("Đang thực hiện"),
    TaskStatus.REPORTED.value: _("Chờ xác nhận"),
    TaskStatus.DONE.value: _("Hoàn thành"),
    DONE_LATE: _("Hoàn thành quá hạn"),
    OVERDUE: _("Quá hạn"),
}
STATUS_FILTERS = tuple(STATUS_LABELS)
MAX_QUERY_CHARS = 200
# Ongoing work: what a unit is reminded of (a reported task waits for the office, not the unit).
WORKING_STATUSES = (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS)


def _tracked() -> QuerySet[Task]:
    return with_done_on(Task.objects.filter(tracked_since__isnull=False))


def with_done_on(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """``done_on``: the committee's day on which a done task was reported done (None if not
    done). The confirmed report is the last "reported" update up to the confirmation; a task
    done without one (an import, the admin) counts from its confirmation."""
    reported_at = Subquery(
        TaskUpdate.objects.filter(
            task=OuterRef("pk"),
            status=TaskStatus.REPORTED,
            created_at__lte=OuterRef("completed_at"),
        )
        .order_by("-created_at", "-pk")
        .values("created_at")[:1]
    )
    return tasks.annotate(
        done_on=TruncDate(
            Coalesce(reported_at, F("completed_at")),
            tzinfo=timezone.get_current_timezone(),
            output_field=DateField(),
        )
    )


def done_late_q() -> Q:
    """Tasks done after their deadline, as a filter on a queryset annotated by with_done_on."""
    return Q(status=TaskStatus.DONE, deadline__isnull=False, done_on__gt=F("deadline"))


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
        return with_done_on(Task.objects.none())
    if can_follow_up_tasks(user):
        return _tracked()
    assert isinstance(user, User)
    if user.unit_id is None:
        return with_done_on(Task.objects.none())
    return _tracked().filter(_of_unit(user.unit_id))


def task_for(user: AnyUser, task_id: int) -> Task:
    """One task with what its page shows; 404 for a task the user may not see."""
    task = (
        tasks_for(user)
        .select_related("lead_unit", "meeting", "agenda_item", "confirmed_by", "meeting__notice")
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
    status: str = ""  # a TaskStatus value, "done_late", "overdue", or "" for all
    query: str = ""  # words of the content, the unit or the meeting, accents and case ignored


def filter_tasks(tasks: QuerySet[Task], filters: TaskFilters, *, today: dt.date) -> QuerySet[Task]:
    if filters.unit_id is not None:
        tasks = tasks.filter(lead_unit_id=filters.unit_id)
    if filters.meeting_id is not None:
        tasks = tasks.filter(meeting_id=filters.meeting_id)
    if filters.status == OVERDUE:
        tasks = tasks.filter(overdue_q(today))
    elif filters.status == DONE_LATE:
        tasks = tasks.filter(done_late_q())
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
        .select_related("lead_unit", "meeting", "meeting__notice")
        .prefetch_related("coordinating_units")
    )


# --- Rows: a task with its deadline as of today -------------------------------------------------


@dataclass(frozen=True)
class TaskRow:
    task: Task
    overdue: bool
    # Working days past the deadline: today's for an overdue task, the day it was done for a task
    # done late; 0 otherwise.
    days_late: int
    days_left: int | None  # working days left until the deadline (None: none, done, or late)
    done_on: dt.date | None = None  # the day it was reported done (see with_done_on)

    @property
    def done_late(self) -> bool:
        return self.task.status == TaskStatus.DONE and self.days_late > 0

    @property
    def due_soon(self) -> bool:
        """Open, not late, and at most TASK_REMINDER_WORKING_DAYS working days left."""
        return self.days_left is not None and self.days_left <= settings.TASK_REMINDER_WORKING_DAYS

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def notice_number(self) -> str:
        """The number of the notice that assigned the task ("01/TB-UBND"), once issued."""
        notice = getattr(self.task.meeting, "notice", None)  # no notice: an AttributeError
        return notice.reference if notice is not None else ""

    @property
    def status(self) -> str:
        """The stored status, or "done_late" for a task done after its deadline."""
        return DONE_LATE if self.done_late else str(self.task.status)


def done_on(task: Task) -> dt.date | None:
    """The day ``task`` was done: the annotation of with_done_on, else (a task read without it)
    the day of its confirmation."""
    if task.status != TaskStatus.DONE:
        return None
    annotated: dt.date | None = getattr(task, "done_on", None)
    if annotated is not None:
        return annotated
    return timezone.localtime(task.completed_at).date() if task.completed_at else None


def row_of(task: Task, *, today: dt.date, calendar: Calendar | None = None) -> TaskRow:
    calendar = calendar or Calendar.from_settings()
    overdue = task.is_overdue(today)
    days_late = 0
    days_left = None
    finished = done_on(task)
    if task.deadline is not None and task.status != TaskStatus.DONE:
        remaining = calendar.working_days_left(today, task.deadline)
        if overdue:
            # A deadline on Friday checked on Saturday: late by the calendar, but no working
            # day has passed yet; it still counts as one day late.
            days_late = max(1, -remaining)
        else:
            days_left = remaining
    elif task.deadline is not None and finished is not None and finished > task.deadline:
        # Done on a Saturday after a Friday deadline: late, by at least one day, as above.
        days_late = max(1, -calendar.working_days_left(finished, task.deadline))
    return TaskRow(
        task=task, overdue=overdue, days_late=days_late, days_left=days_left, done_on=finished
    )


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
    done_late: int = 0  # also counted in ``done``
    overdue: int = 0  # also counted under their status

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
    counted under their status, and the done-late ones, also counted as done), and the overdue
    tasks, the latest first. For follow-up users only: the caller checks."""
    counts = (
        _tracked()
        .values("lead_unit_id", "lead_unit__name", "lead_unit__short_name")
        .annotate(
            not_started=Count("pk", filter=Q(status=TaskStatus.NOT_STARTED)),
            in_progress=Count("pk", filter=Q(status=TaskStatus.IN_PROGRESS)),
            reported=Count("pk", filter=Q(status=TaskStatus.REPORTED)),
            done=Count("pk", filter=Q(status=TaskStatus.DONE)),
            done_late=Count("pk", filter=done_late_q()),
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
            done_late=row["done_late"],
            overdue=row["overdue"],
        )
        units.append(unit)
        for key in (*(s.value for s in TaskStatus), DONE_LATE, OVERDUE):
            setattr(totals, key, getattr(totals, key) + getattr(unit, key))
    late = (
        _tracked()
        .filter(overdue_q(today))
        .select_related("lead_unit", "meeting")
        .prefetch_related("coordinating_units")
        .order_by("deadline", "pk")
    )
    return Dashboard(units=units, totals=totals, overdue=rows_of(late, today=today))


# --- On-time rates: by lead unit, by leader, by period -------------------------------------------


ROMAN_QUARTERS = {1: "I", 2: "II", 3: "III", 4: "IV"}


@dataclass(frozen=True)
class Period:
    """The days whose completions are counted (both ends included; None: all time), and how the
    by-period table breaks them down: "year" (all time), "month" (a year or a quarter) or ""
    (a month: no breakdown)."""

    label: str
    first: dt.date | None = None
    last: dt.date | None = None
    step: str = "year"

    @classmethod
    def of(cls, year: int | None, part: str = "") -> Period:
        """All time (no year), a year, a quarter ("q1".."q4") or a month ("m1".."m12")."""
        if year is None:
            return cls(label=str(_("Toàn bộ thời gian")), step="year")
        if part.startswith("q"):
            quarter = int(part[1:])
            first = dt.date(year, 3 * quarter - 2, 1)
            return cls(
                label=str(_("Quý %(q)s/%(y)s") % {"q": ROMAN_QUARTERS[quarter], "y": year}),
                first=first,
                last=_month_end(year, 3 * quarter),
                step="month",
            )
        if part.startswith("m"):
            month = int(part[1:])
            return cls(
                label=str(_("Tháng %(m)s/%(y)s") % {"m": month, "y": year}),
                first=dt.date(year, month, 1),
                last=_month_end(year, month),
                step="",
            )
        return cls(
            label=str(_("Năm %(y)s") % {"y": year}),
            first=dt.date(year, 1, 1),
            last=dt.date(year, 12, 31),
            step="month",
        )


def _month_end(year: int, month: int) -> dt.date:
    return (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)


@dataclass
class RateRow:
    """Done tasks that had a deadline, and how many of them were done by it."""

    name: str
    detail: str = ""  # a leader's position
    unit_id: int | None = None  # a lead unit's, for the link to its done-late tasks
    done: int = 0
    on_time: int = 0

    @property
    def late(self) -> int:
        return self.done - self.on_time

    @property
    def rate(self) -> float | None:
        """The on-time rate in percent (None when nothing was done)."""
        return 100 * self.on_time / self.done if self.done else None

    def count(self, on_time: bool) -> None:
        self.done += 1
        self.on_time += on_time


@dataclass
class Rates:
    period: Period
    total: RateRow
    units: list[RateRow] = field(default_factory=list)
    leaders: list[RateRow] = field(default_factory=list)
    periods: list[RateRow] = field(default_factory=list)


def _leader_id() -> Coalesce:
    """Who assigned the task: the chair who approved the meeting's notice (the notice states
    that leader's conclusions, and the approval stays as it was if the meeting's participants
    change later), else the meeting's chair (a task tracked without an approved notice)."""
    chair = Participant.objects.filter(
        meeting=OuterRef("meeting_id"), role=ParticipantRole.CHAIR
    ).values("user_id")[:1]
    return Coalesce(
        F("meeting__notice__approved_by_id"), Subquery(chair), output_field=IntegerField()
    )


def on_time_rates(period: Period) -> Rates:
    """The on-time rate (done by the deadline / done) of the tracked tasks done within
    ``period`` (by the day they were reported done), by lead unit, by leader and by
    sub-period. A task without a deadline can be neither, and is left out. For follow-up users
    only: the caller checks. Two queries, counted here (thousands of rows, not millions)."""
    tasks = _tracked().filter(status=TaskStatus.DONE, deadline__isnull=False)
    # Q objects: the annotation is not a model field the type checker knows of.
    if period.first is not None:
        tasks = tasks.filter(Q(done_on__gte=period.first))
    if period.last is not None:
        tasks = tasks.filter(Q(done_on__lte=period.last))
    rows = tasks.annotate(leader_id=_leader_id()).values_list(
        "lead_unit_id", "lead_unit__name", "leader_id", "done_on", "deadline"
    )
    total = RateRow(name=str(_("Tổng cộng")))
    units: dict[int, RateRow] = {}
    leaders: dict[int | None, RateRow] = {}
    periods: dict[tuple[int, int], RateRow] = {}
    for unit_id, unit_name, leader_id, finished, deadline in rows:
        on_time = finished <= deadline
        total.count(on_time)
        units.setdefault(unit_id, RateRow(name=unit_name, unit_id=unit_id)).count(on_time)
        leaders.setdefault(leader_id, RateRow(name="")).count(on_time)
        key = (finished.year, finished.month if period.step == "month" else 0)
        periods.setdefault(key, RateRow(name=_period_name(*key))).count(on_time)
    people = User.objects.filter(pk__in=[pk for pk in leaders if pk is not None]).values_list(
        "pk", "full_name", "position"
    )
    for pk, full_name, position in people:
        leaders[pk].name, leaders[pk].detail = full_name, position
    if None in leaders:
        leaders[None].name = str(_("Chưa xác định lãnh đạo chủ trì"))
    return Rates(
        period=period,
        total=total,
        units=sorted(units.values(), key=lambda r: normalize_for_match(r.name)),
        leaders=sorted(leaders.values(), key=lambda r: (-r.done, normalize_for_match(r.name))),
        periods=[periods[key] for key in sorted(periods)] if period.step else [],
    )


def _period_name(year: int, month: int) -> str:
    if month:
        return str(_("Tháng %(m)s/%(y)s") % {"m": month, "y": year})
    return str(_("Năm %(y)s") % {"y": year})


def rate_years(today: dt.date) -> list[int]:
    """The years the period filter offers: from the first completion to this year, latest first."""
    first: dt.date | None = (
        _tracked().filter(status=TaskStatus.DONE).aggregate(first=Min("done_on"))["first"]
    )
    start = first.year if first else today.year
    return list(range(today.year, min(start, today.year) - 1, -1))


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
