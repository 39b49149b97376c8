"""Draft the conclusion notice (thông báo kết luận) from the meeting's own record.

Sources, none retyped: the chair and the meeting (title, date, place), the attendance (or, when
nobody was marked, the invited participants), the agenda and its presenters, the closed polls'
results, and what the secretary recorded per item (conclusions and tasks,
cabinet.records.models.conclusions). The layout is docs/domain.md's "Conclusion notice" (under
"After the meeting"): header, number, place and date, "THÔNG BÁO" and its summary line, the
opening, attendees, the transition sentence, I. general assessment, II. the conclusions and tasks
per item in the "Giao ..." form, vote results, the closing sentence, Nơi nhận and the signature,
in both variants (/TB-UBND and /TB-VP).

The secretary's edits are kept as *overrides* in ``ConclusionNotice.content``: a part she has not
changed keeps following the record (a task added afterwards appears in the draft), a part she
has changed keeps her text. Task sentences and vote results are never overridden: they are the
record itself (tasks are tracked from these rows), so they are edited where they are recorded.

Directive references ("Thực hiện Chỉ thị số ...") are proposed from the assistant's library and
stored only as accepted directive ids; the sentence is always rebuilt from the library's row, so
the notice can never cite a document the library does not hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from assistant.models import Directive, DocType
from assistant.search.retrieval import Scope, retrieve, visible_directives
from cabinet.core.permissions import AnyUser
from cabinet.core.text import fold
from cabinet.meetings.selectors import item_numbers
from cabinet.models import (
    COUNTS_AS_PRESENT,
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Conclusion,
    ConclusionNotice,
    Meeting,
    NoticeStatus,
    NoticeVariant,
    Participant,
    ParticipantRole,
    Poll,
    PollState,
    Task,
    Unit,
    UnitKind,
    User,
)
from cabinet.records.documents.decree30 import (
    AdminDocument,
    Block,
    Signature,
    date_phrase,
    printable,
)
from cabinet.records.documents.meeting_records import (
    city_name,
    comrade,
    discussed_item_ids,
    paragraphs,
    percent_text,
    presenter_absent,
    task_sentence,
)
from cabinet.records.models.conclusions import NOTICE_SYMBOLS

GENERAL = "general"  # the key of the meeting-wide conclusion and of tasks under no item
# The parts of the notice a secretary may rewrite (each a string; "recipients" one per line).
TEXT_PARTS = (
    "title",
    "opening",
    "attendees",
    "transition",
    "assessment",
    "closing",
    "recipients",
    "signer_name",
)
# The document types' names as the notice writes them: always Vietnamese, whatever the
# language of the secretary's screen (DocType's labels are translated).
DOC_TYPE_NAMES: dict[str, str] = {
    DocType.LUAT: "Luật",
    DocType.NGHI_DINH: "Nghị định",
    DocType.NGHI_QUYET: "Nghị quyết",
    DocType.THONG_TU: "Thông tư",
    DocType.QUYET_DINH: "Quyết định",
    DocType.CHI_THI: "Chỉ thị",
    DocType.KE_HOACH: "Kế hoạch",
    DocType.THONG_BAO: "Thông báo",
    DocType.CONG_VAN: "Công văn",
    DocType.TO_TRINH: "Tờ trình",
    DocType.BAO_CAO: "Báo cáo",
    DocType.KHAC: "Văn bản",
}
OFFICE_RECIPIENT = "VP UBND Thành phố: CVP, các PCVP;"
DEFAULT_ASSESSMENT = (
    "Đồng chí chủ trì cuộc họp ghi nhận, đánh giá cao sự chuẩn bị của các cơ quan, đơn vị; cơ "
    "bản thống nhất với nội dung các báo cáo và ý kiến phát biểu của các đại biểu dự họp."
)


# ------------------------------------------------------------------------------------------------
# The notice as data
# ------------------------------------------------------------------------------------------------


@dataclass
class NoticeSection:
    """One numbered part of II.: an agenda item (or the meeting's other tasks)."""

    key: str  # "item-<id>" or GENERAL
    number: int
    heading: str  # "Về ..." (overridable)
    conclusion: str  # paragraphs separated by newlines (overridable)
    references: list[str]  # "Thực hiện Chỉ thị số ..." sentences, from accepted directives
    votes: list[str]
    tasks: list[str]  # "Giao ... ." sentences
    default_heading: str = ""
    default_conclusion: str = ""

    @property
    def task_lines(self) -> list[str]:
        """The tasks as printed: "a) Giao ...", "b) Giao ..." when there are several."""
        if len(self.tasks) < 2:
            return list(self.tasks)
        return [f"{_letter(i)}) {sentence}" for i, sentence in enumerate(self.tasks)]


def _letter(index: int) -> str:
    """a, b, ..., z, then aa, ab, ... (a section with more than 26 tasks is rare but legal)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return letters[index] if index < 26 else letters[index // 26 - 1] + letters[index % 26]


@dataclass
class NoticeDraft:
    variant: str
    parent_body: str
    issuing_body: str
    number_line: str
    place_date: str
    title: str
    opening: str
    attendees: str
    transition: str
    assessment: str
    sections: list[NoticeSection]
    closing: str
    recipients: list[str]
    authority: tuple[str, ...]
    signer_name: str
    is_draft: bool
    defaults: dict[str, str] = field(default_factory=dict)  # each TEXT_PART as generated
    missing_references: int = 0  # accepted directives no longer in the library (dropped)

    def as_content(self) -> dict[str, Any]:
        """Everything resolved, JSON-ready: what an issued notice keeps for ever."""
        return {
            "variant": self.variant,
            "parent_body": self.parent_body,
            "issuing_body": self.issuing_body,
            "title": self.title,
            "opening": self.opening,
            "attendees": self.attendees,
            "transition": self.transition,
            "assessment": self.assessment,
            "sections": [
                {
                    "key": s.key,
                    "number": s.number,
                    "heading": s.heading,
                    "conclusion": s.conclusion,
                    "references": s.references,
                    "votes": s.votes,
                    "tasks": s.tasks,
                }
                for s in self.sections
            ],
            "closing": self.closing,
            "recipients": self.recipients,
            "authority": list(self.authority),
            "signer_name": self.signer_name,
        }


# ------------------------------------------------------------------------------------------------
# Small text helpers
# ------------------------------------------------------------------------------------------------


def committee_lines() -> tuple[str, str]:
    """("ỦY BAN NHÂN DÂN", "THÀNH PHỐ HÀ NỘI")."""
    return "ỦY BAN NHÂN DÂN", f"THÀNH PHỐ {city_name().upper()}"


def _lower_first(text: str) -> str:
    """Lower-case a leading ordinary word ("Họp chuyên đề" → "họp chuyên đề"), never an
    abbreviation or a name written in capitals ("UBND", "Đề án 06" keeps its capital when the
    second letter is upper case)."""
    if not text:
        return text
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first[1:] != first[1:].lower():
        return text
    return text[0].lower() + text[1:]


def meeting_subject(meeting: Meeting) -> str:
    """The meeting as the title's "tại ..." names it: "cuộc họp chuyên đề về ...", "Phiên họp
    UBND Thành phố thường kỳ ..."."""
    title = " ".join(meeting.title.split())
    folded = fold(title)
    if folded.startswith("phien hop"):
        return "phiên họp" + title[len("phiên họp") :]
    if folded.startswith("cuoc hop"):
        return _lower_first(title)
    if folded.startswith("hop "):
        return "cuộc họp " + title[len("họp ") :]
    return "cuộc họp " + _lower_first(title)


def person(user: User) -> str:
    """ "đồng chí Nguyễn Thị Thu Hà, Phó Chủ tịch UBND Thành phố"."""
    name = user.get_full_name()
    return f"đồng chí {name}, {user.position}" if user.position else f"đồng chí {name}"


def _issuer_phrase(issuer: str) -> str:
    folded = fold(issuer)
    if "uy ban nhan dan thanh pho" in folded or "ubnd thanh pho" in folded:
        return "UBND Thành phố"
    if folded.startswith("thu tuong"):
        return "Thủ tướng Chính phủ"
    if folded.startswith("chinh phu"):
        return "Chính phủ"
    if issuer.isupper():
        return issuer[:1] + issuer[1:].lower()
    return issuer


def _about(title: str, kind: str = "") -> str:
    title = " ".join(title.split()).rstrip(".")
    folded = fold(title)
    # A trích yếu read with its type ("Kế hoạch triển khai ...", "Chỉ thị về ...") would say the
    # type twice after "Thực hiện Kế hoạch số ...".
    if kind and folded.startswith(fold(kind) + " "):
        title = title[len(kind) + 1 :]
        folded = fold(title)
    if folded.startswith("v/v "):
        return "về việc " + title[4:]
    if folded.startswith("ve "):
        return _lower_first(title)
    if folded.startswith("ban hanh"):
        return "về việc " + _lower_first(title)
    return "về " + _lower_first(title)


def reference_sentence(directive: Directive) -> str:
    """ "Thực hiện Chỉ thị số 05/CT-UBND ngày 12/03/2026 của UBND Thành phố về đẩy mạnh ..."."""
    kind = DOC_TYPE_NAMES.get(directive.doc_type, "Văn bản")
    parts = [f"Thực hiện {kind}"]
    if directive.number:
        parts.append(f"số {directive.number}")
    if directive.issued_on:
        parts.append(f"ngày {directive.issued_on:%d/%m/%Y}")
    if directive.issuer:
        parts.append(f"của {_issuer_phrase(directive.issuer)}")
    if directive.title:
        parts.append(_about(directive.title, kind))
    return " ".join(parts) + "."


def vote_sentence(poll: Poll) -> str:
    """ "Biểu quyết “...”: Tán thành 9/10 (90%), ...; được thông qua." from the kept result."""
    result = poll.result or {}
    base = result.get("base") or 0
    counts = []
    for option in result.get("options", []):
        share = f" ({percent_text(option.get('percent', 0.0))})" if base else ""
        counts.append(f"{option['label']} {option['count']}/{base}{share}")
    verdict = "được thông qua" if result.get("passed") else "không được thông qua"
    ballot = "bỏ phiếu kín" if poll.kind == "secret" else "biểu quyết công khai"
    return f"Kết quả {ballot} “{poll.question}”: {', '.join(counts)}; {verdict}."


# ------------------------------------------------------------------------------------------------
# Reading the record
# ------------------------------------------------------------------------------------------------


@dataclass
class _Record:
    meeting: Meeting
    chair: User | None
    attendees: list[Participant]
    items: list[AgendaItem]
    numbers: dict[int, str]
    heard: list[str]  # the units whose report the meeting heard, in agenda order
    conclusions: dict[int | None, Conclusion]
    tasks: list[Task]
    polls: list[Poll]


def _read_record(meeting: Meeting) -> _Record:
    participants = list(
        Participant.objects.filter(meeting=meeting)
        .select_related("user", "user__unit", "substitute_for", "attendance")
        .order_by("pk")
    )
    chair = next((p.user for p in participants if p.role == ParticipantRole.CHAIR), None)
    marks = {a.participant_id: a for a in Attendance.objects.filter(meeting=meeting)}
    attendees = [
        p
        for p in participants
        if p.role
        not in (ParticipantRole.CHAIR, ParticipantRole.SECRETARY, ParticipantRole.OBSERVER)
        and (not marks or (p.pk in marks and marks[p.pk].status in COUNTS_AS_PRESENT))
    ]
    for p in attendees:
        p.mark = marks.get(p.pk)  # type: ignore[attr-defined]
    items = list(
        AgendaItem.objects.filter(meeting=meeting).select_related("presenter_unit", "parent")
    )
    tasks = list(
        Task.objects.filter(meeting=meeting)
        .select_related("lead_unit", "agenda_item")
        .prefetch_related(Prefetch("coordinating_units", queryset=Unit.objects.order_by("name")))
        .order_by("position", "pk")
    )
    numbers = item_numbers(items)
    return _Record(
        meeting=meeting,
        chair=chair,
        attendees=attendees,
        items=items,
        numbers=numbers,
        heard=_heard(meeting, items, numbers, participants),
        conclusions={c.agenda_item_id: c for c in Conclusion.objects.filter(meeting=meeting)},
        tasks=tasks,
        polls=list(
            Poll.objects.filter(
                meeting=meeting, state__in=[PollState.CLOSED, PollState.PUBLISHED]
            ).order_by("closed_at", "pk")
        ),
    )


def _heard(
    meeting: Meeting,
    items: list[AgendaItem],
    numbers: dict[int, str],
    participants: list[Participant],
) -> list[str]:
    """The units "Sau khi nghe ... báo cáo" names: those presenting an item the record shows was
    discussed, whose presenter attended (or someone of the unit did). An item never reached, or
    whose presenter was absent, was not heard; the committee itself never "reports" to itself."""
    discussed = discussed_item_ids(meeting)
    heard: list[str] = []
    for item in sorted(items, key=lambda i: tuple(int(n) for n in numbers[i.pk].split("."))):
        unit = item.presenter_unit
        if (
            unit is None
            or unit.kind == UnitKind.COMMITTEE
            or item.pk not in discussed
            or presenter_absent(item, participants)
            or unit.name in heard
        ):
            continue
        heard.append(unit.name)
    return heard


def _ordered_items(record: _Record) -> list[AgendaItem]:
    def key(item: AgendaItem) -> tuple[int, ...]:
        return tuple(int(n) for n in record.numbers.get(item.pk, "0").split("."))

    return sorted(record.items, key=key)


def _attendee_phrase(p: Participant) -> str:
    phrase = person(p.user)
    mark: Attendance | None = getattr(p, "mark", None)
    if p.substitute_for_id and p.substitute_for is not None:
        phrase += f" (dự thay {person(p.substitute_for)})"
    elif mark is not None and mark.status == AttendanceStatus.REPRESENTED and mark.substitute_name:
        phrase = f"{comrade(mark.substitute_name)} (dự thay {person(p.user)})"
    if mark is not None and mark.status == AttendanceStatus.ONLINE:
        phrase += " (dự trực tuyến)"
    return phrase


# ------------------------------------------------------------------------------------------------
# The generated parts
# ------------------------------------------------------------------------------------------------


def _defaults(record: _Record) -> dict[str, str]:
    meeting = record.meeting
    chair = record.chair
    day = timezone.localdate(meeting.starts_at)
    chair_phrase = person(chair) if chair else "đồng chí chủ trì"
    subject = meeting_subject(meeting)
    presenters = record.heard
    if presenters:
        heard = (
            ", ".join(presenters[:-1]) + " và " + presenters[-1]
            if len(presenters) > 1
            else presenters[0]
        )
        listened = f"Sau khi nghe {heard} báo cáo, ý kiến của các đại biểu dự họp"
    else:
        # No report is on the record: say only what is.
        listened = "Sau khi nghe ý kiến của các đại biểu dự họp"
    chair_short = f"đồng chí {chair.get_full_name()}" if chair else "đồng chí chủ trì"
    attendees = "; ".join(_attendee_phrase(p) for p in record.attendees)
    general = record.conclusions.get(None)
    return {
        "title": f"Kết luận của {chair_phrase} tại {subject}",
        "opening": (
            f"Ngày {day:%d/%m/%Y}, tại {meeting.location}, {chair_phrase} đã chủ trì {subject}."
        ),
        "attendees": f"Tham dự cuộc họp có: {attendees}." if attendees else "",
        "transition": (f"{listened}, {chair_short} kết luận như sau:"),
        "assessment": general.text if general and general.text else DEFAULT_ASSESSMENT,
        "closing": ("Văn phòng UBND Thành phố thông báo để các cơ quan, đơn vị biết, thực hiện./."),
        "recipients": "\n".join(_recipients(record)),
        "signer_name": _office_chief_name(),
    }


def _recipients(record: _Record) -> list[str]:
    chair = record.chair
    chair_is_head = bool(chair and fold(chair.position).startswith("chu tich"))
    entries = [
        "Chủ tịch UBND Thành phố;" if chair_is_head else "Chủ tịch UBND Thành phố (để báo cáo);",
        "Các Phó Chủ tịch UBND Thành phố;",
    ]
    entries += [f"{name};" for name in _task_units(record)]
    entries.append(OFFICE_RECIPIENT)
    entries.append(f"Lưu: VT, {settings.NOTICE_FILING_CODE}.")
    return entries


def _task_units(record: _Record) -> list[str]:
    """Every unit the conclusions give work to (a task's lead or coordinating unit), in task
    order; the committee's office is on its own line (OFFICE_RECIPIENT)."""
    units: list[str] = []
    for task in record.tasks:
        for unit in [task.lead_unit, *task.coordinating_units.all()]:
            if unit.kind not in (UnitKind.COMMITTEE, UnitKind.OFFICE) and unit.name not in units:
                units.append(unit.name)
    return units


def _with_task_units(lines: list[str], record: _Record) -> list[str]:
    """The secretary's own Nơi nhận, completed with any unit given a task that it does not name
    (a task added after she rewrote the list, or a line she removed): a unit that must act on
    the notice has to receive it. The missing ones go before the office's and the filing lines."""
    named = [fold(line) for line in lines]
    missing = [
        f"{name};" for name in _task_units(record) if not any(fold(name) in line for line in named)
    ]
    if not missing:
        return lines
    at = next(
        (
            index
            for index, line in enumerate(named)
            if line.startswith(("vp ubnd", "van phong ubnd", "luu"))
        ),
        len(lines),
    )
    return lines[:at] + missing + lines[at:]


def _office_chief_name() -> str:
    """The Chánh Văn phòng signs for the chair (TL.) or for the office: the active official of
    the office whose position says so; blank when there is none (she fills it in)."""
    chief = (
        User.objects.filter(
            is_active=True, unit__kind=UnitKind.OFFICE, position__istartswith="Chánh"
        )
        .order_by("pk")
        .first()
    )
    return chief.get_full_name() if chief else ""


def _sections(
    record: _Record, overrides: dict[str, Any], references: dict[str, list[str]]
) -> list[NoticeSection]:
    polls_by_item: dict[int | None, list[Poll]] = {}
    for poll in record.polls:
        polls_by_item.setdefault(poll.item_id, []).append(poll)
    tasks_by_item: dict[int | None, list[Task]] = {}
    for task in record.tasks:
        tasks_by_item.setdefault(task.agenda_item_id, []).append(task)
    item_overrides = overrides.get("items", {}) if isinstance(overrides.get("items"), dict) else {}
    sections: list[NoticeSection] = []
    keyed: list[tuple[str, int | None, str]] = [
        (f"item-{item.pk}", item.pk, f"Về {_lower_first(item.title)}")
        for item in _ordered_items(record)
    ]
    # Votes under no item, and tasks under no item, close the list.
    keyed.append((GENERAL, None, "Về tổ chức thực hiện"))
    for key, item_id, heading in keyed:
        conclusion = record.conclusions.get(item_id) if item_id is not None else None
        default_text = conclusion.text if conclusion else ""
        tasks = tasks_by_item.get(item_id, [])
        polls = polls_by_item.get(item_id, [])
        refs = references.get(key, [])
        if not (default_text or tasks or polls or refs):
            continue
        mine = item_overrides.get(key, {}) if isinstance(item_overrides.get(key), dict) else {}
        sections.append(
            NoticeSection(
                key=key,
                number=len(sections) + 1,
                heading=str(mine.get("heading") or heading),
                conclusion=str(mine.get("conclusion") or default_text),
                references=refs,
                votes=[vote_sentence(p) for p in polls],
                tasks=[task_sentence(t) for t in tasks],
                default_heading=heading,
                default_conclusion=default_text,
            )
        )
    return sections


def accepted_references(
    content: dict[str, Any], user: AnyUser
) -> tuple[dict[str, list[str]], dict[str, list[int]], int]:
    """The accepted references as sentences per section, the ids still valid, and how many
    accepted ids were dropped (no longer in the library, or not readable by ``user``)."""
    wanted = content.get("references", {})
    if not isinstance(wanted, dict):
        return {}, {}, 0
    ids = {int(i) for ids in wanted.values() if isinstance(ids, list) for i in ids if _is_int(i)}
    rows = Directive.objects.filter(visible_directives(user), pk__in=ids).in_bulk()
    sentences: dict[str, list[str]] = {}
    valid: dict[str, list[int]] = {}
    dropped = 0
    for key, section_ids in wanted.items():
        for raw in section_ids if isinstance(section_ids, list) else []:
            directive = rows.get(int(raw)) if _is_int(raw) else None
            if directive is None:
                dropped += 1
                continue
            sentences.setdefault(key, []).append(reference_sentence(directive))
            valid.setdefault(key, []).append(directive.pk)
    return sentences, valid, dropped


def _is_int(value: Any) -> bool:
    return isinstance(value, int) or (
        isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 12
    )


def build_notice(
    meeting: Meeting, *, user: AnyUser, notice: ConclusionNotice | None = None
) -> NoticeDraft:
    """The notice as it reads now: the record, with the secretary's overrides on top. An issued
    notice reads as it was issued; an approved one as the chair approved it (no "DỰ THẢO" any
    more, the number and date still blank until it is issued)."""
    content: dict[str, Any] = dict(notice.content) if notice else {}
    variant = notice.variant if notice else NoticeVariant.COMMITTEE
    if notice is not None and notice.number and isinstance(content.get("final"), dict):
        return _resolved(notice, content["final"])
    if (
        notice is not None
        and notice.status == NoticeStatus.APPROVED
        and isinstance(content.get("approved"), dict)
    ):
        return _resolved(notice, content["approved"])
    record = _read_record(meeting)
    defaults = _defaults(record)
    references, _valid, dropped = accepted_references(content, user)
    parts = {
        part: str(content[part]) if isinstance(content.get(part), str) else defaults[part]
        for part in TEXT_PARTS
    }
    year = (
        notice.issued_on.year if notice and notice.issued_on else None
    ) or timezone.localdate().year
    return NoticeDraft(
        variant=variant,
        **_issuer(variant),
        number_line=_blank_number(variant),
        place_date=_blank_date(year),
        title=parts["title"],
        opening=parts["opening"],
        attendees=parts["attendees"],
        transition=parts["transition"],
        assessment=parts["assessment"],
        sections=_sections(record, content, references),
        closing=parts["closing"],
        recipients=_with_task_units(
            [line.strip() for line in parts["recipients"].splitlines() if line.strip()], record
        ),
        authority=_authority(variant),
        signer_name=parts["signer_name"],
        is_draft=True,
        defaults=defaults,
        missing_references=dropped,
    )


def _issuer(variant: str) -> dict[str, str]:
    first, second = committee_lines()
    if variant == NoticeVariant.OFFICE:
        return {"parent_body": f"UBND {second}", "issuing_body": "VĂN PHÒNG"}
    return {"parent_body": "", "issuing_body": f"{first}\n{second}"}


def _authority(variant: str) -> tuple[str, ...]:
    if variant == NoticeVariant.OFFICE:
        return ("CHÁNH VĂN PHÒNG",)
    return ("TL. CHỦ TỊCH", "CHÁNH VĂN PHÒNG")


def _blank_number(variant: str) -> str:
    return f"Số:        /{NOTICE_SYMBOLS[NoticeVariant(variant)]}"


def _blank_date(year: int) -> str:
    return f"{city_name()}, ngày      tháng      năm {year}"


def _resolved(notice: ConclusionNotice, final: dict[str, Any]) -> NoticeDraft:
    """A notice whose every part was fixed (approved, or issued with its number and date)."""
    sections = [
        NoticeSection(
            key=s["key"],
            number=s["number"],
            heading=s["heading"],
            conclusion=s["conclusion"],
            references=list(s["references"]),
            votes=list(s["votes"]),
            tasks=list(s["tasks"]),
        )
        for s in final["sections"]
    ]
    return NoticeDraft(
        variant=notice.variant,
        parent_body=final["parent_body"],
        issuing_body=final["issuing_body"],
        number_line=f"Số: {notice.reference}" if notice.number else _blank_number(notice.variant),
        place_date=f"{city_name()}, {date_phrase(notice.issued_on)}"
        if notice.issued_on
        else _blank_date(timezone.localdate().year),
        title=final["title"],
        opening=final["opening"],
        attendees=final["attendees"],
        transition=final["transition"],
        assessment=final["assessment"],
        sections=sections,
        closing=final["closing"],
        recipients=list(final["recipients"]),
        authority=tuple(final["authority"]),
        signer_name=final["signer_name"],
        is_draft=False,
    )


# ------------------------------------------------------------------------------------------------
# Editing: the form's values → overrides
# ------------------------------------------------------------------------------------------------


def overrides_from(
    draft: NoticeDraft,
    *,
    parts: dict[str, str],
    items: dict[str, dict[str, str]],
    references: dict[str, list[int]],
) -> dict[str, Any]:
    """Keep only what differs from the generated text, so the rest keeps following the record.
    Line endings and surrounding spaces do not count as a change."""
    content: dict[str, Any] = {}
    for part in TEXT_PARTS:
        value = _clean(parts.get(part, ""))
        if part in parts and value != _clean(draft.defaults.get(part, "")):
            content[part] = value
    item_content: dict[str, dict[str, str]] = {}
    for section in draft.sections:
        given = items.get(section.key, {})
        mine = {}
        for name, default in (
            ("heading", section.default_heading),
            ("conclusion", section.default_conclusion),
        ):
            if name in given and _clean(given[name]) != _clean(default):
                mine[name] = _clean(given[name])
        if mine:
            item_content[section.key] = mine
    if item_content:
        content["items"] = item_content
    refs = {key: ids for key, ids in references.items() if ids}
    if refs:
        content["references"] = refs
    return content


def _clean(value: str) -> str:
    lines = [" ".join(line.split()) for line in printable(value).split("\n")]
    return "\n".join(lines).strip()


# ------------------------------------------------------------------------------------------------
# Suggesting directive references
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferenceSuggestion:
    directive_id: int
    sentence: str
    label: str  # "Chỉ thị số 05/CT-UBND" for the checkbox
    similarity: float


def suggest_references(
    section: NoticeSection, *, user: AnyUser, limit: int = 3
) -> list[ReferenceSuggestion]:
    """Directives of the library (those ``user`` may read) that the section's conclusion and
    tasks carry out, best first; only passages whose embedding similarity clears
    NOTICE_REFERENCE_MIN_SIMILARITY count, so an unrelated library proposes nothing, and only
    directives close to the best one (NOTICE_REFERENCE_MARGIN)."""
    query = " ".join([section.heading, section.conclusion, *section.tasks])[:2000]
    if not query.strip():
        return []
    passages = retrieve(query, user=user, scope=Scope(papers=False), limit=12)
    best: dict[int, tuple[float, Directive]] = {}
    for passage in passages:
        directive = passage.chunk.directive
        if directive is None or passage.dense_score < settings.NOTICE_REFERENCE_MIN_SIMILARITY:
            continue
        if directive.pk not in best or best[directive.pk][0] < passage.dense_score:
            best[directive.pk] = (passage.dense_score, directive)
    ranked = sorted(best.values(), key=lambda pair: -pair[0])[:limit]
    if ranked:
        floor = ranked[0][0] - settings.NOTICE_REFERENCE_MARGIN
        ranked = [(score, d) for score, d in ranked if score >= floor]
    return [
        ReferenceSuggestion(
            directive_id=d.pk,
            sentence=reference_sentence(d),
            label=" ".join(x for x in [DOC_TYPE_NAMES.get(d.doc_type, ""), d.number] if x)
            or d.title,
            similarity=score,
        )
        for score, d in ranked
    ]


# ------------------------------------------------------------------------------------------------
# To a Decree 30 document
# ------------------------------------------------------------------------------------------------


def to_document(draft: NoticeDraft) -> AdminDocument:
    blocks: list[Block] = []
    for text in (draft.opening, draft.attendees, draft.transition):
        blocks += [Block.of("body", p) for p in paragraphs(text)]
    blocks.append(Block.of("section", "I. ĐÁNH GIÁ CHUNG", bold=True))
    blocks += [Block.of("body", p) for p in paragraphs(draft.assessment)]
    if draft.sections:
        blocks.append(Block.of("section", "II. KẾT LUẬN VÀ GIAO NHIỆM VỤ", bold=True))
    for section in draft.sections:
        blocks.append(Block.of("item", f"{section.number}. {section.heading}", bold=True))
        blocks += [Block.of("body", p) for p in section.references]
        blocks += [Block.of("body", p) for p in paragraphs(section.conclusion)]
        blocks += [Block.of("body", p) for p in section.votes]
        blocks += [Block.of("body", line) for line in section.task_lines]
    blocks += [Block.of("body", p) for p in paragraphs(draft.closing)]
    return AdminDocument(
        parent_body=draft.parent_body,
        issuing_body=draft.issuing_body,
        number=draft.number_line,
        place_date=draft.place_date,
        doc_type="THÔNG BÁO",
        summary=draft.title,
        blocks=tuple(blocks),
        recipients=tuple(draft.recipients),
        signatures=(Signature(authority=draft.authority, name=draft.signer_name),),
        draft=draft.is_draft,
        title=f"Thông báo {draft.title}",
    )


def file_stem(meeting: Meeting, notice: ConclusionNotice | None) -> str:
    """An ASCII file name: "thong-bao-ket-luan-12-TB-UBND" or "du-thao-thong-bao-ket-luan-<id>"."""
    if notice is not None and notice.reference:
        return "thong-bao-ket-luan-" + re.sub(r"[^A-Za-z0-9]+", "-", fold(notice.reference))
    return f"du-thao-thong-bao-ket-luan-hop-{meeting.pk}"
