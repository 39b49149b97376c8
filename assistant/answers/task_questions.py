"""Leaders' questions about the tasks' follow-up, answered from the Task table, not from text:

    "Sở Tài chính còn nhiệm vụ nào quá hạn?"
    "nhiem vu qua han cua so tai chinh"
    "Các nhiệm vụ chưa hoàn thành của Công an Thành phố"

A question is about tasks when it names them ("nhiệm vụ", "việc được giao", "đầu việc", ...) and
a state ("quá hạn", "chưa hoàn thành", "đến hạn", "chờ xác nhận", "đã hoàn thành", "còn ..."),
and does not ask about a document ("theo Chỉ thị ...", "quy định ... thế nào"): those go on to
the library's retrieval unchanged. The units are found the way the conclusion notice's task
sentences are read (cabinet.followup.sentences: diacritics and case ignored, short names and
aliases). The answer lists only what cabinet.followup.selectors.tasks_for lets the asker see.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TypedDict

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cabinet.core.permissions import AnyUser, can_follow_up_tasks
from cabinet.core.workdays import Calendar
from cabinet.followup.selectors import (
    WORKING_STATUSES,
    ordered,
    overdue_q,
    rows_of,
    tasks_for,
)
from cabinet.followup.sentences import (
    UnitName,
    canonical_text,
    find_unit_mentions,
    normalize_for_match,
)
from cabinet.models import OPEN_TASK_STATUSES, Task, TaskStatus, Unit, UnitKind

MAX_QUESTION_CHARS = 300
MAX_ITEMS = 50

OVERDUE, DUE_SOON, REPORTED, DONE, OPEN = "overdue", "due_soon", "reported", "done", "open"

_TASK_NOUN = re.compile(
    r"\b(?:nhiem vu|viec (?:duoc )?giao|cong viec|dau viec|nhiem vu duoc giao)\b"
)
# The state asked about, in order of precedence: "còn nhiệm vụ nào quá hạn" is about overdue
# ones, "chưa hoàn thành" wins over the "hoàn thành" inside it.
_STATES = (
    (OVERDUE, re.compile(r"\b(?:qua han|tre han|tre hen|cham tre|cham tien do|bi cham|het han)\b")),
    (DUE_SOON, re.compile(r"\b(?:sap den han|den han|sap het han|gan den han|sap toi han)\b")),
    (REPORTED, re.compile(r"\b(?:cho xac nhan|cho duyet|da bao cao hoan thanh)\b")),
    (
        OPEN,
        re.compile(
            r"\b(?:chua hoan thanh|chua xong|chua thuc hien|chua lam|chua trien khai|"
            r"dang thuc hien|dang trien khai|ton dong|no dong|con lai|con)\b"
        ),
    ),
    (DONE, re.compile(r"\b(?:da hoan thanh|hoan thanh roi|da xong|da thuc hien xong)\b")),
)
# Questions about documents, even when they mention tasks: the library answers those.
_ABOUT_DOCUMENTS = re.compile(
    r"\b(?:quy dinh|nghi dinh|nghi quyet|thong tu|chi thi|luat|quy che|dieu \d+|khoan \d+|"
    r"theo van ban|van ban nao|nhu the nao|the nao|ra sao|bao lau|la gi|tai sao|vi sao|"
    r"huong dan)\b"
)
# Words that end an unknown unit's name ("Sở Du lịch còn ...").
_NAME_STOPS = frozenset(
    "con co nhiem vu nhung cac da dang chua qua han nao cua bao nhieu hien la va giao duoc "
    "tre cham sap den viec cong dau thi".split()
)
_UNIT_HEAD = re.compile(
    r"\b(?:so|ban|cong an|ubnd|uy ban nhan dan|thanh tra|chi cuc|cuc|trung tam|phuong|xa|"
    r"quan|huyen|van phong|kho bac|bao hiem xa hoi|bo chi huy)\b"
)


def _kind_label(kind: str) -> str:
    labels = {
        OVERDUE: _("quá hạn"),
        DUE_SOON: _("sắp đến hạn (trong %(n)d ngày làm việc)")
        % {"n": settings.TASK_REMINDER_WORKING_DAYS},
        REPORTED: _("chờ xác nhận hoàn thành"),
        OPEN: _("chưa hoàn thành"),
        DONE: _("đã hoàn thành"),
    }
    return labels[kind]


@dataclass(frozen=True)
class TaskQuestion:
    """What a task question asks: which state, of which units (none: every unit)."""

    kind: str
    units: tuple[UnitName, ...] = ()
    unknown_unit: str = ""


class TaskItem(TypedDict):
    """One task in the answer, as the page shows it."""

    id: int
    url: str
    content: str
    lead_unit: str
    status: str
    status_label: str
    overdue: bool
    days_late: int
    days_left: int | None
    deadline: str  # ISO date, "" when none
    deadline_display: str  # dd/mm/yyyy
    meeting: str
    meeting_url: str


class TaskAnswerJSON(TypedDict):
    """TaskAnswer as the page's script and the question history (Question.answer) keep it."""

    kind: str
    kind_label: str
    units: list[str]
    unknown_unit: str
    total: int
    summary: str
    items: list[TaskItem]


@dataclass
class TaskAnswer:
    kind: str
    kind_label: str
    units: list[str]
    unknown_unit: str
    total: int
    summary: str
    items: list[TaskItem] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return not self.unknown_unit

    def as_json(self) -> TaskAnswerJSON:
        return {
            "kind": self.kind,
            "kind_label": self.kind_label,
            "units": list(self.units),
            "unknown_unit": self.unknown_unit,
            "total": self.total,
            "summary": self.summary,
            "items": list(self.items),
        }


# --- Detection --------------------------------------------------------------------------------


def _unit_names() -> tuple[list[UnitName], set[int]]:
    """The active units a question may name, and which of them are the committee itself:
    "UBND Thành phố" in a question is who assigned the tasks ("nhiệm vụ UBND Thành phố giao"),
    not who carries them out, so it is recognised (not taken for an unknown unit) and ignored."""
    names, committee = [], set()
    for unit in Unit.objects.filter(is_active=True).only("pk", "name", "short_name", "kind"):
        names.append(UnitName(id=unit.pk, name=unit.name, short_name=unit.short_name))
        if unit.kind == UnitKind.COMMITTEE:
            committee.add(unit.pk)
    return names, committee


def _unknown_unit(text: str, folded: str, known: list[tuple[int, int, UnitName]]) -> str:
    """A unit-looking name written with capitals ("Sở Du lịch") that is not a known unit."""
    for head in _UNIT_HEAD.finditer(folded):
        start = head.start()
        if any(s <= start < e for s, e, _unit in known) or not text[start].isupper():
            continue
        words = text[head.end() :].split()
        name_words: list[str] = []
        for word in words[:6]:
            bare = word.strip("?,.;:!()\"'“”")
            if not bare or normalize_for_match(bare) in _NAME_STOPS:
                break
            name_words.append(bare)
            if bare != word:
                break
        if name_words and name_words[0][:1].isupper():
            return " ".join([text[start : head.end()], *name_words])
    return ""


def parse_task_question(question: str) -> TaskQuestion | None:
    """The task question ``question`` asks, or None when it is not one."""
    if not isinstance(question, str) or len(question) > MAX_QUESTION_CHARS:
        return None
    text = canonical_text(question)
    folded = normalize_for_match(text)
    if not _TASK_NOUN.search(folded) or _ABOUT_DOCUMENTS.search(folded):
        return None
    kind = next((kind for kind, pattern in _STATES if pattern.search(folded)), None)
    if kind is None:
        return None
    names, committee = _unit_names()
    mentions = find_unit_mentions(text, names)
    units = tuple(dict.fromkeys(unit for _s, _e, unit in mentions if unit.id not in committee))
    unknown = ""
    # The canonical text's whitespace is collapsed already, so folding it keeps every offset.
    if not mentions and len(folded) == len(text):
        unknown = _unknown_unit(text, folded, mentions)
    return TaskQuestion(kind=kind, units=units, unknown_unit=unknown)


# --- Answering ----------------------------------------------------------------------------------


def _state_filter(kind: str, today: dt.date) -> Q:
    if kind == OVERDUE:
        return overdue_q(today)
    if kind == DUE_SOON:
        horizon = Calendar.from_settings().add_working_days(
            today, settings.TASK_REMINDER_WORKING_DAYS + 1
        )
        return Q(status__in=WORKING_STATUSES, deadline__gte=today, deadline__lt=horizon)
    if kind == REPORTED:
        return Q(status=TaskStatus.REPORTED)
    if kind == DONE:
        return Q(status=TaskStatus.DONE)
    return Q(status__in=OPEN_TASK_STATUSES)


def matching_tasks(
    parsed: TaskQuestion,
    *,
    user: AnyUser,
    today: dt.date,
    meeting_id: int | None = None,
) -> QuerySet[Task]:
    tasks = tasks_for(user).filter(_state_filter(parsed.kind, today))
    if parsed.units:
        tasks = tasks.filter(lead_unit_id__in=[unit.id for unit in parsed.units])
    if meeting_id is not None:
        tasks = tasks.filter(meeting_id=meeting_id)
    return ordered(tasks, today=today)


def _summary(parsed: TaskQuestion, total: int, label: str, who: str, limited: bool) -> str:
    if who:
        if total:
            text = ngettext(
                "%(who)s có %(n)d nhiệm vụ %(kind)s.",
                "%(who)s có %(n)d nhiệm vụ %(kind)s.",
                total,
            ) % {"who": who, "n": total, "kind": label}
        else:
            text = _("%(who)s không có nhiệm vụ %(kind)s nào.") % {"who": who, "kind": label}
    elif total:
        text = ngettext("Có %(n)d nhiệm vụ %(kind)s.", "Có %(n)d nhiệm vụ %(kind)s.", total) % {
            "n": total,
            "kind": label,
        }
    else:
        text = _("Không có nhiệm vụ %(kind)s nào.") % {"kind": label}
    if limited:
        text += " " + _("(Trong phạm vi các nhiệm vụ đồng chí được xem.)")
    return text


def answer_task_question(
    question: str,
    *,
    user: AnyUser,
    meeting_id: int | None = None,
    today: dt.date | None = None,
) -> TaskAnswer | None:
    """The answer to a task question from the Task table, or None if ``question`` is not one."""
    parsed = parse_task_question(question)
    if parsed is None:
        return None
    label = _kind_label(parsed.kind)
    if parsed.unknown_unit:
        return TaskAnswer(
            kind=parsed.kind,
            kind_label=label,
            units=[],
            unknown_unit=parsed.unknown_unit,
            total=0,
            summary=_("Không tìm thấy đơn vị “%(name)s” trong danh sách đơn vị.")
            % {"name": parsed.unknown_unit},
        )
    today = today or timezone.localdate()
    tasks = matching_tasks(parsed, user=user, today=today, meeting_id=meeting_id)
    shown = list(tasks.select_related("lead_unit", "meeting")[:MAX_ITEMS])
    total = len(shown) if len(shown) < MAX_ITEMS else tasks.count()
    units = [unit.name for unit in parsed.units]
    items = [
        TaskItem(
            id=row.task.pk,
            url=reverse("cabinet:task", args=[row.task.pk]),
            content=row.task.content,
            lead_unit=row.task.lead_unit.name,
            status=row.status,
            status_label=row.status_label,
            overdue=row.overdue,
            days_late=row.days_late,
            days_left=row.days_left,
            deadline=row.task.deadline.isoformat() if row.task.deadline else "",
            deadline_display=f"{row.task.deadline:%d/%m/%Y}" if row.task.deadline else "",
            meeting=row.task.meeting.title,
            meeting_url=reverse("cabinet:meeting", args=[row.task.meeting_id]),
        )
        for row in rows_of(shown, today=today)
    ]
    return TaskAnswer(
        kind=parsed.kind,
        kind_label=label,
        units=units,
        unknown_unit="",
        total=total,
        summary=_summary(
            parsed, total, label, ", ".join(units), limited=not can_follow_up_tasks(user)
        ),
        items=items,
    )
