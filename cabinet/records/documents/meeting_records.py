"""The meeting's own records as Decree 30 documents: the minutes (biên bản, form 1.9 of Appendix
III) and the invitation (giấy mời, form 1.7). Reads only; cabinet.records.documents.decree30 writes them out.

The texts are Vietnamese whatever the reader's UI language: they are official documents.
Numbers are left blank ("Số:      /BB-UBND"): the records office (văn thư) numbers a document
when it registers it, outside this system.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone, translation

from cabinet.core.event_types import Event
from cabinet.core.text import fold
from cabinet.followup.sentences import compose_task_sentence
from cabinet.models import (
    COUNTS_AS_PRESENT,
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Ballot,
    Conclusion,
    ItemClock,
    Meeting,
    MeetingEvent,
    MeetingStatus,
    Participant,
    ParticipantRole,
    Poll,
    PollKind,
    PollState,
    RequestStatus,
    SpeakerRequest,
    Task,
    Unit,
    UnitKind,
)
from cabinet.records.documents.decree30 import (
    AdminDocument,
    Block,
    BlockKind,
    Run,
    Signature,
    date_phrase,
    place_date_line,
)
from cabinet.voting.services import tally

# The city the committee governs, for "ỦY BAN NHÂN DÂN / THÀNH PHỐ HÀ NỘI" and "Hà Nội, ngày ...";
# Where the invitation tells people to find the papers (form 1.7, note 8: "các vấn đề cần lưu ý").
PAPERS_NOTE = (
    "Tài liệu cuộc họp được gửi trên Hệ thống phòng họp không giấy; đề nghị các đồng chí "
    "đăng nhập để nghiên cứu trước khi dự họp./."
)
# Invitation order: the chair, then the members, the guests, the observers. The secretaries
# send the invitation and are not on it.
INVITED_ORDER = (
    ParticipantRole.CHAIR,
    ParticipantRole.MEMBER,
    ParticipantRole.GUEST,
    ParticipantRole.OBSERVER,
)
WEEKDAYS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


def city_name() -> str:
    """settings.CITY_NAME: "Hà Nội" unless another city runs the system."""
    return str(settings.CITY_NAME)


# ---------------------------------------------------------------------------------------------
# The issuing body (the organizer unit)


def issuer_lines(unit: Unit) -> tuple[str, str]:
    """(parent body, issuing body) for the header, upper case.

    The committee issues as "ỦY BAN NHÂN DÂN / THÀNH PHỐ HÀ NỘI" (no parent); its office as
    "UBND THÀNH PHỐ HÀ NỘI" over "VĂN PHÒNG"; a department, board or sector under the city's
    committee; a ward's or commune's committee as "ỦY BAN NHÂN DÂN / PHƯỜNG ..." (Appendix I,
    II.2: the parent body of a local body names its province or city)."""
    city = city_name().upper()
    if unit.kind == UnitKind.COMMITTEE:
        return "", f"ỦY BAN NHÂN DÂN\nTHÀNH PHỐ {city}"
    if unit.kind == UnitKind.OFFICE:
        return f"UBND THÀNH PHỐ {city}", "VĂN PHÒNG"
    name = unit.name.strip()
    for prefix in ("UBND ", "Ủy ban nhân dân ", "Uỷ ban nhân dân "):
        if name.lower().startswith(prefix.lower()):
            return f"UBND THÀNH PHỐ {city}", f"ỦY BAN NHÂN DÂN\n{name[len(prefix) :].upper()}"
    return f"UBND THÀNH PHỐ {city}", name.upper()


def issuer_symbol(unit: Unit) -> str:
    """The issuing body's abbreviation in "Số: .../BB-UBND"."""
    if unit.kind == UnitKind.COMMITTEE:
        return "UBND"
    if unit.kind == UnitKind.OFFICE:
        return "VP"
    short = unit.short_name.strip()
    if short and " " not in short and "." not in short:
        return short.upper()
    return unit.code.upper()


def signing_authority(unit: Unit) -> tuple[str, ...]:
    """Who signs an invitation for the unit (left for the records office to confirm)."""
    if unit.kind == UnitKind.COMMITTEE:
        return ("TL. CHỦ TỊCH", "CHÁNH VĂN PHÒNG")
    if unit.kind == UnitKind.OFFICE:
        return ("CHÁNH VĂN PHÒNG",)
    if unit.kind == UnitKind.WARD:
        return ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH")
    if unit.kind == UnitKind.BOARD:
        return ("TRƯỞNG BAN",)
    if unit.kind == UnitKind.DEPARTMENT and unit.name.lower().startswith("sở"):
        return ("GIÁM ĐỐC",)
    return ("THỦ TRƯỞNG ĐƠN VỊ",)


def blank_number(symbol: str) -> str:
    return f"Số:      /{symbol}"


# ---------------------------------------------------------------------------------------------
# Small text helpers


def _time_phrase(moment: dt.datetime) -> str:
    """ "08 giờ 30 phút, ngày 05 tháng 01 năm 2026" in the local time zone."""
    local = timezone.localtime(moment)
    return f"{local:%H} giờ {local:%M} phút, {date_phrase(local.date())}"


def _weekday_time_phrase(moment: dt.datetime) -> str:
    """ "08 giờ 30 phút, thứ Hai, ngày 05 tháng 01 năm 2026"."""
    local = timezone.localtime(moment)
    weekday = WEEKDAYS[local.weekday()]
    return f"{local:%H} giờ {local:%M} phút, {weekday}, {date_phrase(local.date())}"


def _person(participant: Participant) -> str:
    """ "đồng chí Nguyễn Văn A, Giám đốc Sở Tài chính": name, position, and the unit unless the
    position already names it (also in short: "Phó Chủ tịch UBND Thành phố" names "Ủy ban nhân
    dân Thành phố")."""
    user = participant.user
    parts = [user.full_name or user.username]
    position = user.position.strip()
    if position:
        parts.append(position)
    unit = user.unit
    if unit is not None and _unit_key(unit.name) not in _unit_key(position):
        parts.append(unit.name)
    return "đồng chí " + ", ".join(parts)


def _unit_key(name: str) -> str:
    """A unit's name folded, its "Ủy ban nhân dân" written "ubnd", so that a position written
    with the abbreviation is seen to name the unit."""
    return " ".join(fold(name).replace("uy ban nhan dan", "ubnd").split())


# How a typed name may start: a title the documents do not use among "đồng chí" ("Ông Lại Văn
# Tuấn" typed as a substitute's name reads "đồng chí Lại Văn Tuấn").
_HONORIFIC = re.compile(r"^(?:đồng chí|đ/c|ông|bà)\s+", re.IGNORECASE)


def comrade(name: str) -> str:
    """A typed name as the documents write a person mid-sentence: "đồng chí <name>", whatever
    title it was typed with ("Ông ...", "Bà ...", "Đồng chí ...", "đ/c ...")."""
    bare = " ".join(name.split())
    while True:
        stripped = _HONORIFIC.sub("", bare)
        if stripped == bare:
            break
        bare = stripped
    return f"đồng chí {bare}" if bare else ""


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?", ":", ";")) else text + "."


def _lower_first_word(text: str) -> str:
    """ "Phiên họp ..." → "phiên họp ..." after "Dự"; an abbreviation ("UBND ...") stays."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first[1:].islower():
        return text[:1].lower() + text[1:]
    return text


def paragraphs(text: str) -> list[str]:
    """The non-empty lines of a typed text, each one paragraph of a document."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def percent_text(value: float) -> str:
    """ "66,67%": Vietnamese decimal comma, at most two decimals, no trailing zeros."""
    shown = f"{value:.2f}".rstrip("0").rstrip(".")
    return shown.replace(".", ",") + "%"


def _join(names: Iterable[str]) -> str:
    names = list(names)
    return ", ".join(names)


def _ordered(participants: Iterable[Participant], order: tuple[str, ...]) -> list[Participant]:
    rank = {role: index for index, role in enumerate(order)}
    # Within a role, the order in which the secretary invited them: that is the protocol order
    # (by rank), which no sort by name would give.
    return sorted(participants, key=lambda p: (rank.get(p.role, len(order)), p.pk))


def _participants(meeting: Meeting) -> list[Participant]:
    return list(
        Participant.objects.filter(meeting=meeting).select_related(
            "user__unit", "substitute_for", "attendance"
        )
    )


def _first(
    participants: list[Participant], role: str, *, prefer: int | None = None
) -> Participant | None:
    found = [p for p in participants if p.role == role]
    for participant in found:
        if participant.user_id == prefer:
            return participant
    return found[0] if found else None


def _event_time(meeting: Meeting, event_type: str) -> dt.datetime | None:
    return (
        MeetingEvent.objects.filter(meeting=meeting, type=event_type)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )


def _minute(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment).replace(second=0, microsecond=0)


def _item_numbers(meeting: Meeting) -> list[tuple[str, AgendaItem, int]]:
    """Every agenda item in order with its number as the agenda shows it ("1", "1.1") and its
    depth (0 for a top-level item)."""
    items = list(
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("presenter_unit", "presenter")
        .order_by("position", "pk")
    )
    children: dict[int, list[AgendaItem]] = {}
    for item in items:
        if item.parent_id is not None:
            children.setdefault(item.parent_id, []).append(item)
    numbered: list[tuple[str, AgendaItem, int]] = []
    for n, item in enumerate((i for i in items if i.parent_id is None), start=1):
        numbered.append((str(n), item, 0))
        for m, child in enumerate(children.get(item.pk, []), start=1):
            numbered.append((f"{n}.{m}", child, 1))
    return numbered


# ---------------------------------------------------------------------------------------------
# What the record says happened to each item


def room_followed_the_agenda(meeting: Meeting) -> bool:
    """Whether the chair moved through the agenda in the room (an item was ever made current,
    which starts its clock). When not, the record cannot tell an item skipped from one discussed
    without a vote, a speaker or a conclusion, so the documents say nothing either way."""
    return ItemClock.objects.filter(item__meeting=meeting).exists()


def discussed_item_ids(meeting: Meeting) -> set[int]:
    """The items the record shows were discussed: made current in the room (they have a clock),
    voted on, spoken on, or concluded (a conclusion or a task recorded under them). A sub-item
    discussed means its parent was too. Nothing else counts: the agenda is only the plan."""
    ids: set[int] = set(
        ItemClock.objects.filter(item__meeting=meeting).values_list("item_id", flat=True)
    )
    ids |= {
        i
        for i in Poll.objects.filter(
            meeting=meeting, state__in=(PollState.CLOSED, PollState.PUBLISHED)
        ).values_list("item_id", flat=True)
        if i is not None
    }
    ids |= set(
        SpeakerRequest.objects.filter(
            meeting=meeting, status__in=(RequestStatus.DONE, RequestStatus.SPEAKING)
        ).values_list("item_id", flat=True)
    )
    ids |= {
        i
        for i in Conclusion.objects.filter(meeting=meeting)
        .exclude(text="")
        .values_list("agenda_item_id", flat=True)
        if i is not None
    }
    ids |= {
        i
        for i in Task.objects.filter(meeting=meeting).values_list("agenda_item_id", flat=True)
        if i is not None
    }
    parents = dict(
        AgendaItem.objects.filter(meeting=meeting, parent__isnull=False).values_list(
            "pk", "parent_id"
        )
    )
    return ids | {parents[i] for i in ids if i in parents}


def presenter_absent(item: AgendaItem, participants: Iterable[Participant]) -> bool:
    """Whether the item's presenter was marked absent, with nobody else of the presenting unit
    attending (who could have presented in their place). Not marked is not absent: the record
    says nothing then."""
    if item.presenter_id is None:
        return False
    people = list(participants)
    statuses = {p.user_id: _status(p) for p in people}
    if statuses.get(item.presenter_id) != AttendanceStatus.ABSENT:
        return False
    if item.presenter_unit_id is None:
        return True
    return not any(
        p.user.unit_id == item.presenter_unit_id and _status(p) in COUNTS_AS_PRESENT for p in people
    )


def _status(participant: Participant) -> str | None:
    try:
        return participant.attendance.status
    except Attendance.DoesNotExist:
        return None


# ---------------------------------------------------------------------------------------------
# Minutes (biên bản, form 1.9)


def _attendance_blocks(participants: list[Participant]) -> list[Block]:
    """ "Thành phần tham dự:" from the attendance the secretary or the members recorded; the
    invited participants when nobody was marked. The secretaries keep the minutes and are named
    on their own line ("Thư ký"), not in the lists."""
    ordered = _ordered(
        (p for p in participants if p.role != ParticipantRole.SECRETARY), INVITED_ORDER
    )
    marked: dict[int, Attendance] = {}
    for participant in ordered:
        try:
            marked[participant.pk] = participant.attendance
        except Attendance.DoesNotExist:
            continue
    if not marked:
        blocks = [Block.of("plain", "Thành phần tham dự (theo danh sách mời):")]
        lines = [_invited_line(p) for p in ordered]
        return blocks + _dash_list(lines)

    present, absent, unknown = [], [], []
    for participant in ordered:
        attendance = marked.get(participant.pk)
        line = _capitalize(_person(participant))
        if participant.substitute_for is not None:
            line += f" (dự thay đồng chí {participant.substitute_for})"
        if attendance is None:
            # Observers are not in the roll call: not marked says nothing about them.
            if participant.role != ParticipantRole.OBSERVER:
                unknown.append(line)
        elif attendance.status == AttendanceStatus.PRESENT:
            present.append(line)
        elif attendance.status == AttendanceStatus.ONLINE:
            present.append(line + " (dự trực tuyến)")
        elif attendance.status == AttendanceStatus.REPRESENTED:
            substitute = comrade(attendance.substitute_name) or "người khác"
            present.append(line + f" (vắng, cử {substitute} dự thay)")
        else:
            reason = attendance.reason.strip().rstrip(".")
            absent.append(line + (f", lý do: {reason}" if reason else ""))
    blocks = [Block.of("plain", "Thành phần tham dự:")]
    blocks += _dash_list(present) if present else [Block.of("plain", "(Không có)")]
    if absent:
        blocks.append(Block.of("plain", "Vắng mặt:"))
        blocks += _dash_list(absent)
    if unknown:
        blocks.append(Block.of("plain", "Chưa được điểm danh:"))
        blocks += _dash_list(unknown)
    return blocks


def _invited_line(participant: Participant, *, mark_guest: bool = True) -> str:
    line = _capitalize(_person(participant))
    if participant.substitute_for is not None:
        line += f" (dự thay đồng chí {participant.substitute_for})"
    if mark_guest and participant.role == ParticipantRole.GUEST:
        line += " (khách mời)"
    return line


def _dash_list(lines: list[str], kind: BlockKind = "plain") -> list[Block]:
    """ "- ...;" lines, the last one ending with "."."""
    return [
        Block.of(kind, f"- {line}{'.' if n == len(lines) - 1 else ';'}")
        for n, line in enumerate(lines)
    ]


def _poll_blocks(poll: Poll, names: dict[int, str]) -> list[Block]:
    """The question, the counts per option, the outcome under the rule. For a secret poll only
    the totals exist (no row links a person to a choice); for an open poll the names per option
    follow, as an open vote is on the record."""
    result = poll.result or tally(poll)
    options = result.get("options", [])
    kind = "bỏ phiếu kín" if poll.kind == PollKind.SECRET else "biểu quyết công khai"
    rule = str(poll.get_rule_display()).lower()
    blocks = [
        Block(
            "body",
            (
                Run("Biểu quyết: ", italic=True),
                Run(_sentence(poll.question)),
                Run(f" Hình thức: {kind}; điều kiện thông qua: {rule}."),
            ),
        )
    ]
    counts = "; ".join(
        f"{option['label']}: {option['count']} phiếu ({percent_text(option.get('percent', 0.0))})"
        for option in options
    )
    entitled = result.get("entitled", poll.entitled_count)
    cast = result.get("cast", 0)
    blocks.append(
        Block.of(
            "body",
            f"Số đại biểu có quyền biểu quyết: {entitled}; số phiếu biểu quyết: {cast}. "
            f"Kết quả: {counts}.",
        )
    )
    if poll.kind == PollKind.OPEN:
        by_option: dict[int, list[str]] = {}
        for voter_id, option_id in Ballot.objects.filter(poll=poll).values_list(
            "voter_id", "option_id"
        ):
            by_option.setdefault(option_id, []).append(names.get(voter_id, ""))
        for option in options:
            voters = sorted(n for n in by_option.get(option["id"], []) if n)
            if voters:
                blocks.append(Block.of("body", f"{option['label']}: {_join(voters)}."))
    outcome = "thông qua" if result.get("passed") else "không thông qua"
    blocks.append(Block("body", (Run("Nội dung biểu quyết "), Run(outcome + ".", bold=True))))
    return blocks


def _presenter_blocks(
    item: AgendaItem, participants: list[Participant], *, discussed: bool, followed: bool
) -> list[Block]:
    """Who presented the item, as far as the record tells: the presenting unit (and the official,
    who attended) for an item discussed; "not discussed" for an item the room never reached
    while it followed the agenda; only the plan, said to be the plan, when the room did not
    follow the agenda and nothing else was recorded."""
    unit = item.presenter_unit.name if item.presenter_unit is not None else ""
    official = (
        f"đồng chí {item.presenter.full_name or item.presenter.username}"
        if item.presenter is not None
        else ""
    )
    if not discussed:
        if followed:
            return [Block.of("body", "Nội dung này không được thảo luận tại cuộc họp.")]
        planned = ", ".join(x for x in (unit, official) if x)
        return (
            [Block.of("body", f"Đơn vị trình bày (theo chương trình): {planned}.")]
            if planned
            else []
        )
    if presenter_absent(item, participants):
        line = f"Người trình bày theo chương trình: {official}"
        line += f", {unit}" if unit else ""
        return [Block.of("body", line + " (vắng mặt).")]
    presenter = [x for x in (unit, official) if x]
    if not presenter:
        return []
    return [Block.of("body", f"Đơn vị trình bày: {', '.join(presenter)}.")]


def _speaker_blocks(requests: list[SpeakerRequest]) -> list[Block]:
    if not requests:
        return []
    lines = []
    for request in requests:
        line = _capitalize(_person(request.participant))
        line += f" ({str(request.get_position_display()).lower()})"
        if request.note.strip():
            line += f": {request.note.strip().rstrip('.;')}"
        lines.append(line)
    return [Block.of("body", "Ý kiến phát biểu:"), *_dash_list(lines, "body")]


def _conclusion_blocks(conclusion: Conclusion | None, tasks: list[Task], label: str) -> list[Block]:
    blocks: list[Block] = []
    texts = paragraphs(conclusion.text) if conclusion is not None else []
    if texts:
        blocks.append(Block("body", (Run(f"{label}: ", bold=True), Run(texts[0]))))
        blocks += [Block.of("body", text) for text in texts[1:]]
    if tasks:
        if not texts:
            blocks.append(Block("body", (Run(f"{label}: ", bold=True),)))
        for task in tasks:
            blocks.append(Block.of("body", "- " + task_sentence(task)))
    return blocks


def task_sentence(task: Task) -> str:
    """The task as the notice and the minutes write it ("Giao ... chủ trì, ...")."""
    return compose_task_sentence(
        lead=task.lead_unit.name,
        coordinating=[unit.name for unit in task.coordinating_units.all()],
        with_related_units=task.with_related_units,
        content=task.content,
        report_to=task.report_to,
        deadline=task.deadline,
    )


def minutes_document(meeting: Meeting) -> AdminDocument:
    """The minutes of the meeting (form 1.9) from what the system recorded: start, place,
    attendance, chair and secretary, each agenda item with its presenter, speakers, votes,
    conclusion and tasks, then the end. A draft ("DỰ THẢO") while the meeting is in session."""
    with translation.override("vi"):
        return _minutes_document(meeting)


def _minutes_document(meeting: Meeting) -> AdminDocument:
    unit = meeting.organizer_unit
    parent, issuing = issuer_lines(unit)
    participants = _participants(meeting)
    names = {p.pk: p.user.full_name or p.user.username for p in participants}
    chair = _first(participants, ParticipantRole.CHAIR)
    secretary = _first(participants, ParticipantRole.SECRETARY, prefer=meeting.created_by_id)

    started = _event_time(meeting, Event.MEETING_STARTED) or meeting.starts_at
    blocks: list[Block] = [
        Block.of("plain", f"Thời gian bắt đầu: {_time_phrase(started)}."),
        Block.of("plain", f"Địa điểm: {_sentence(meeting.location)}"),
        *_attendance_blocks(participants),
        Block.of(
            "plain",
            "Chủ trì (chủ tọa): " + (_capitalize(_person(chair)) + "." if chair else "……"),
        ),
        Block.of(
            "plain",
            "Thư ký (người ghi biên bản): "
            + (_capitalize(_person(secretary)) + "." if secretary else "……"),
        ),
        Block.of("plain", "Nội dung (theo diễn biến cuộc họp):"),
    ]
    if meeting.description.strip():
        blocks += [Block.of("body", text) for text in paragraphs(meeting.description)]

    polls = list(
        Poll.objects.filter(meeting=meeting, state__in=(PollState.CLOSED, PollState.PUBLISHED))
        .prefetch_related("options")
        .order_by("closed_at", "pk")
    )
    conclusions = {c.agenda_item_id: c for c in Conclusion.objects.filter(meeting=meeting)}
    tasks = list(
        Task.objects.filter(meeting=meeting)
        .select_related("lead_unit")
        .prefetch_related("coordinating_units")
        .order_by("position", "pk")
    )
    speakers = list(
        SpeakerRequest.objects.filter(
            meeting=meeting, status__in=(RequestStatus.DONE, RequestStatus.SPEAKING)
        )
        .select_related("participant__user__unit")
        .order_by("floor_at", "pk")
    )

    numbered = _item_numbers(meeting)
    discussed = discussed_item_ids(meeting)
    followed = room_followed_the_agenda(meeting)
    for number, item, depth in numbered:
        kind: BlockKind = "item" if depth == 0 else "body"
        blocks.append(Block(kind, (Run(f"{number}. {item.title}", bold=True),)))
        # The item's description is the plan ("Sở Y tế báo cáo ..."), not what happened: the
        # minutes state who presented only from the record, and never print the description.
        blocks += _presenter_blocks(
            item, participants, discussed=item.pk in discussed, followed=followed
        )
        blocks += _speaker_blocks([s for s in speakers if s.item_id == item.pk])
        for poll in (p for p in polls if p.item_id == item.pk):
            blocks += _poll_blocks(poll, names)
        blocks += _conclusion_blocks(
            conclusions.get(item.pk),
            [t for t in tasks if t.agenda_item_id == item.pk],
            "Kết luận của chủ tọa",
        )

    general_polls = [p for p in polls if p.item_id is None]
    general_tasks = [t for t in tasks if t.agenda_item_id is None]
    if general_polls or general_tasks or conclusions.get(None) is not None:
        number = str(sum(1 for _n, _i, depth in numbered if depth == 0) + 1)
        blocks.append(Block.of("item", f"{number}. Kết luận chung", bold=True))
        for poll in general_polls:
            blocks += _poll_blocks(poll, names)
        blocks += _conclusion_blocks(conclusions.get(None), general_tasks, "Kết luận của chủ tọa")

    ended = _event_time(meeting, Event.MEETING_ENDED)
    if (
        ended is not None
        and meeting.status not in (MeetingStatus.DRAFT, MeetingStatus.PUBLISHED)
        # An end in the same minute as the start is no record of a meeting held (a meeting
        # opened and closed by mistake, or data loaded at once): the secretary fills it in.
        and _minute(ended) > _minute(started)
    ):
        local = timezone.localtime(ended)
        end_text = (
            f"Cuộc họp kết thúc vào {local:%H} giờ {local:%M} phút, {date_phrase(local.date())}./."
        )
    else:
        end_text = "Cuộc họp kết thúc vào …… giờ ……, ngày …… tháng …… năm ……/."
    blocks.append(Block.of("body", end_text))

    return AdminDocument(
        parent_body=parent,
        issuing_body=issuing,
        number=blank_number(f"BB-{issuer_symbol(unit)}"),
        place_date="",  # form 1.9 has no place and date line
        doc_type="BIÊN BẢN",
        summary=meeting.title,
        blocks=tuple(blocks),
        recipients=("Lưu: VT, Hồ sơ.",),
        signatures=(
            Signature(("THƯ KÝ",), secretary.user.full_name if secretary else ""),
            Signature(("CHỦ TỌA",), chair.user.full_name if chair else ""),
        ),
        draft=meeting.status
        in (MeetingStatus.DRAFT, MeetingStatus.PUBLISHED, MeetingStatus.IN_SESSION),
        title=f"Biên bản {meeting.title}",
    )


# ---------------------------------------------------------------------------------------------
# Invitation (giấy mời, form 1.7)


def invitation_document(
    meeting: Meeting, *, visible_item_ids: set[int] | None = None
) -> AdminDocument:
    """The invitation (form 1.7): the organizer unit invites the participants (chair, members,
    guests, observers) to the meeting; dated the day it was published (today for a draft, which
    is marked "DỰ THẢO"). The signer's name is left for the records office. Restricted items are
    never listed; with ``visible_item_ids`` (a reader who is not an organizer) only those items
    are (a guest's copy names the items the guest is invited to)."""
    with translation.override("vi"):
        return _invitation_document(meeting, visible_item_ids)


def _invitation_document(meeting: Meeting, visible_item_ids: set[int] | None) -> AdminDocument:
    unit = meeting.organizer_unit
    parent, issuing = issuer_lines(unit)
    participants = _participants(meeting)
    chair = _first(participants, ParticipantRole.CHAIR)
    invited = _ordered(
        (p for p in participants if p.role != ParticipantRole.SECRETARY), INVITED_ORDER
    )
    published = _event_time(meeting, Event.MEETING_PUBLISHED)
    issued_on = timezone.localdate(published) if published else timezone.localdate()

    blocks: list[Block] = [Block.of("body", f"{unit.name} trân trọng kính mời:")]
    groups = (
        (
            "Thành viên dự họp:",
            [p for p in invited if p.role in (ParticipantRole.CHAIR, ParticipantRole.MEMBER)],
        ),
        ("Khách mời:", [p for p in invited if p.role == ParticipantRole.GUEST]),
        ("Dự theo dõi:", [p for p in invited if p.role == ParticipantRole.OBSERVER]),
    )
    shown = [(label, people) for label, people in groups if people]
    for label, people in shown:
        if len(shown) > 1:
            blocks.append(Block.of("plain", label, italic=True))
        blocks += _dash_list([_invited_line(p, mark_guest=len(shown) == 1) for p in people])
    if not invited:
        blocks.append(Block.of("plain", "- Các thành phần theo danh sách kèm theo."))

    blocks.append(Block.of("body", f"Tới dự {_lower_first_word(_sentence(meeting.title))}"))
    if chair is not None:
        blocks.append(Block.of("body", f"Chủ trì: {_capitalize(_person(chair))}."))
    blocks.append(Block.of("body", "Nội dung:"))
    blocks += [Block.of("body", text) for text in paragraphs(meeting.description)]
    for number, item, depth in _item_numbers(meeting):
        shown_to_reader = visible_item_ids is None or item.pk in visible_item_ids
        if depth == 0 and not item.restricted and shown_to_reader:
            line = f"{number}. {_sentence(item.title)}"
            if item.presenter_unit is not None:
                line = line.rstrip(".") + f" (trình bày: {item.presenter_unit.name})."
            blocks.append(Block.of("body", line))
    blocks.append(Block.of("body", f"Thời gian: {_weekday_time_phrase(meeting.starts_at)}."))
    blocks.append(Block.of("body", f"Địa điểm: {_sentence(meeting.location)}"))
    blocks.append(Block.of("body", PAPERS_NOTE))

    return AdminDocument(
        parent_body=parent,
        issuing_body=issuing,
        number=blank_number(f"GM-{issuer_symbol(unit)}"),
        place_date=place_date_line(city_name(), issued_on),
        doc_type="GIẤY MỜI",
        summary=f"Dự {_lower_first_word(meeting.title)}",
        blocks=tuple(blocks),
        recipients=("Như thành phần mời", f"Lưu: VT, {issuer_symbol(unit)}."),
        signatures=(Signature(signing_authority(unit)),),
        draft=meeting.status == MeetingStatus.DRAFT,
        title=f"Giấy mời {meeting.title}",
    )
