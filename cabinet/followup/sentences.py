"""Read a task sentence of a conclusion notice ("Giao ... chủ trì, phối hợp với ...") into fields.

Pure functions, no Django and no database: the caller passes the unit list. The result only
pre-fills the secretary's form; she confirms it, so the parser prefers saying what it could not
read (``warnings``, ``unknown_units``) to guessing silently.

How a sentence is read:

1. The sentence is NFC-normalised, its whitespace collapsed and its length capped. A folded copy
   (lower case, no tone marks or diacritics, đ→d) is made character by character, so an offset in
   the folded copy is the same offset in the original: every search runs on the folded copy and
   every value returned is cut from the original.
2. A leading bullet or number ("- ", "1. ", "a) "), a topic prefix ("Về ngân sách: ") and the
   task verb ("Giao", "Giao cho", "Đề nghị", "Yêu cầu", "Chỉ đạo", "Phân công") are skipped.
3. The subject is read unit by unit: known units (longest name first), "chủ trì", "phối hợp
   (với)", "cùng (với)", "và", "các đơn vị liên quan", and unit-looking names that are not in the
   list (a head word such as "Sở", "Ban", "Công an", "UBND" followed by name words up to the first
   verb). The first unit is the lead; every later one coordinates. "Giao X và Y ..." (two units
   and neither "chủ trì" nor "phối hợp") is read the same way, X leading, with a warning asking
   the secretary to confirm it.
4. After the subject comes the content; it stops at the deadline clause ("trước ngày ...",
   "hoàn thành trong tháng ...") or the report clause ("; báo cáo ...", ", trình ...") whichever
   comes first. When several deadline phrases occur the last one is the deadline (document dates
   earlier in the content, "Kế hoạch số 12/KH-UBND ngày 3/2/2026", have no "trước"/"trong" and
   are not deadlines at all).
"""

from __future__ import annotations

import calendar
import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from cabinet.core.text import fold_aligned

MAX_SENTENCE_CHARS = 2000
MAX_PARAGRAPH_CHARS = 50_000
MAX_UNKNOWN_NAME_WORDS = 8
_STRIP_CHARS = " ,;:.-–—/"


@dataclass(frozen=True)
class UnitName:
    id: int
    name: str
    short_name: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParsedTask:
    lead: UnitName | None
    coordinating: tuple[UnitName, ...]
    content: str
    deadline: date | None
    report_to: str
    with_related_units: bool
    unknown_units: tuple[str, ...]
    warnings: tuple[str, ...]


# ---------------------------------------------------------------------------------------------
# Folding (character by character, cabinet.core.text.fold_aligned: offsets stay offsets)
# ---------------------------------------------------------------------------------------------


def _canonical(text: str, limit: int) -> str:
    text = unicodedata.normalize("NFC", text)
    return re.sub(r"\s+", " ", text).strip()[:limit]


def normalize_for_match(text: str) -> str:
    """NFC, lower case, no tone marks or diacritics, đ→d, single spaces."""
    text = unicodedata.normalize("NFC", text)
    return re.sub(r"\s+", " ", fold_aligned(text)).strip()


# ---------------------------------------------------------------------------------------------
# Unit names
# ---------------------------------------------------------------------------------------------

_UBND = r"(?:ubnd|uy\s+ban\s+nhan\s+dan)"
_TP = r"(?:tp|thanh\s+pho)"
_DASH = r"[-–—]"


def _form_regex(form: str) -> str:
    """Regex source for one written form of a unit name, matched against folded text."""
    folded = normalize_for_match(form)
    folded = re.sub(r"\buy ban nhan dan\b", "ubnd", folded)
    folded = re.sub(r"\bthanh pho\b", "tp", folded)
    tokens = re.findall(r"\w+|[^\w\s]", folded)
    parts: list[str] = []
    previous_is_word = False
    for token in tokens:
        is_word = token[0].isalnum() or token[0] == "_"
        if parts:
            parts.append(r"\s+" if (is_word and previous_is_word) else r"\s*")
        parts.append(_token_regex(token))
        previous_is_word = is_word
    return "".join(parts)


def _token_regex(piece: str) -> str:
    if piece == "ubnd":
        return _UBND
    if piece == "tp":
        return _TP
    if piece in ("-", "–", "—"):
        return _DASH
    return re.escape(piece)


@functools.lru_cache(maxsize=4096)
def _form_pattern(form: str) -> re.Pattern[str] | None:
    source = _form_regex(form)
    if not source:
        return None
    return re.compile(r"(?<!\w)" + source + r"(?!\w)")


def _unit_patterns(unit: UnitName) -> list[re.Pattern[str]]:
    forms = [unit.name, unit.short_name, *unit.aliases]
    patterns = [_form_pattern(form) for form in forms if form and form.strip()]
    return [p for p in patterns if p is not None]


def _find_units(folded: str, units: Sequence[UnitName]) -> dict[int, tuple[int, UnitName]]:
    """Known unit mentions by start offset; overlaps resolved longest first, then leftmost."""
    candidates: list[tuple[int, int, UnitName]] = []
    for unit in units:
        for pattern in _unit_patterns(unit):
            candidates.extend((m.start(), m.end(), unit) for m in pattern.finditer(folded))
    candidates.sort(key=lambda c: (c[0] - c[1], c[0]))
    taken: list[tuple[int, int]] = []
    found: dict[int, tuple[int, UnitName]] = {}
    for start, end, unit in candidates:
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        taken.append((start, end))
        found[start] = (end, unit)
    return found


def canonical_text(text: str, limit: int = MAX_PARAGRAPH_CHARS) -> str:
    """NFC, whitespace collapsed, capped: the text whose offsets find_unit_mentions returns."""
    return _canonical(text, limit)


def find_unit_mentions(text: str, units: Sequence[UnitName]) -> list[tuple[int, int, UnitName]]:
    """The known units named in ``text`` as (start, end, unit), in order of appearance: full
    names, short names and aliases, with or without diacritics, in any case ("so tai chinh",
    "STC"); overlaps resolved longest first. Offsets are in ``canonical_text(text)``."""
    found = _find_units(fold_aligned(_canonical(text, MAX_PARAGRAPH_CHARS)), units)
    return [(start, found[start][0], found[start][1]) for start in sorted(found)]


# ---------------------------------------------------------------------------------------------
# Vocabulary (folded)
# ---------------------------------------------------------------------------------------------

_BULLET = re.compile(r"(?:[-–—•+*]|\d{1,2}[.)]|[a-z][)])\s+")
_TASK_VERB_SOURCE = (
    r"(?:(?:dong\s+y\s+|thong\s+nhat\s+)?giao(?:\s+cho)?|de\s+nghi|yeu\s+cau|chi\s+dao|phan\s+cong)"
    r"(?!\w)(?!\s+(?:thong|duc|dich|luu|thuong|nhan)(?!\w))"
)
_TASK_VERB = re.compile(_TASK_VERB_SOURCE)
_TOPIC_PREFIX = re.compile(r"[^:;]{1,120}:\s*(?=" + _TASK_VERB_SOURCE + ")")
_SEPARATORS = re.compile(r"[\s,]*")
_LEAD_MARK = re.compile(r"chu\s+tri(?!\w)")
_COORD_MARK = re.compile(r"(?:phoi\s+hop(?:\s+chat\s+che)?(?:\s+voi)?|cung\s+voi|cung|voi)(?!\w)")
_AND = re.compile(r"va(?!\w)")
_GROUP_NOUN = (
    r"(?:co\s+quan|don\s+vi|so|nganh|ban|dia\s+phuong|quan|huyen|phuong|xa|to\s+chuc|"
    r"luc\s+luong|bo|doan\s+the|ubnd)"
)
_RELATED = re.compile(
    r"(?:va\s+)?cac\s+" + _GROUP_NOUN + r"(?:\s*(?:,|va)\s*" + _GROUP_NOUN + r")*"
    r"\s+(?:co\s+)?lien\s+quan(?!\w)"
)
_UNIT_HEAD = re.compile(
    r"(?:so|ban|cong\s+an|van\s+phong|ubnd|uy\s+ban\s+nhan\s+dan|uy\s+ban|bo\s+chi\s+huy|bo|"
    r"chi\s+cuc|cuc|trung\s+tam|thanh\s+tra|kho\s+bac|bao\s+hiem\s+xa\s+hoi|dai|benh\s+vien|"
    r"hoi\s+dong|vien|toa\s+an|lien\s+doan|mat\s+tran|tong\s+cong\s+ty|cong\s+ty|phong|"
    r"truong|ngan\s+hang|hdnd|thanh\s+uy|quan\s+uy|dang\s+uy)(?!\w)"
)
_VERBS = (
    "ra soat",
    "de xuat",
    "xay dung",
    "huong dan",
    "kiem tra",
    "tham muu",
    "thuc hien",
    "trien khai",
    "hoan thien",
    "hoan thanh",
    "hoan chinh",
    "to chuc",
    "khan truong",
    "theo doi",
    "don doc",
    "chi dao",
    "bao cao",
    "trinh",
    "bo tri",
    "bo sung",
    "lap",
    "giai quyet",
    "cap nhat",
    "xu ly",
    "tiep thu",
    "tiep tuc",
    "tiep nhan",
    "nghien cuu",
    "tham dinh",
    "ban hanh",
    "giai ngan",
    "day nhanh",
    "tap trung",
    "lam ro",
    "lam viec",
    "cong khai",
    "phe duyet",
    "dieu chinh",
    "phan bo",
    "can doi",
    "chuan bi",
    "quan ly",
    "bao dam",
    "dam bao",
    "xac dinh",
    "xac minh",
    "thong ke",
    "danh gia",
    "kiem soat",
    "giam sat",
    "tuyen truyen",
    "van dong",
    "pho bien",
    "lua chon",
    "sua doi",
    "khao sat",
    "kiem diem",
    "tong hop",
    "tong ket",
    "so ket",
    "so sanh",
    "chu dong",
    "rut kinh nghiem",
    "thong nhat",
    "thanh lap",
    "cung cap",
    "xem xet",
    "phan cong",
    "trao doi",
    "thong bao",
    "ho tro",
    "dieu tra",
    "thu hoi",
    "cuong che",
    "sap xep",
    "uu tien",
    "soan thao",
    "du thao",
    "giai phong",
    "boi thuong",
    "nghiem tuc",
    "kip thoi",
)
_VERB = re.compile(
    r"(?:" + "|".join(v.replace(" ", r"\s+") for v in sorted(_VERBS, key=len, reverse=True)) + r")"
    r"(?!\w)"
)
_WORD = re.compile(r"\s+(\w+)")

_REPORT = re.compile(
    r"(?P<pre>\s*[;,]\s*(?:va\s+)?|\s+(?:va\s+de|va|de)\s+|\s+|^)(?P<verb>bao\s+cao|trinh)(?!\w)"
)
_NOT_REPORT_BEFORE_TRINH = frozenset(
    {"to", "chuong", "qua", "lo", "cong", "tien", "giao", "hanh", "phuong", "quy", "dien"}
)
_RECIPIENT_HEAD = re.compile(
    r"(?:(?:pho\s+)?chu\s+tich|thuong\s+truc|ban\s+thuong\s+vu|ban\s+chi\s+dao|ubnd|uy\s+ban|"
    r"hdnd|hoi\s+dong|thanh\s+uy|van\s+phong|lanh\s+dao|bo\s+\w|so\s+\w|thu\s+tuong|"
    r"chinh\s+phu|dong\s+chi|cap\s+co\s+tham\s+quyen)(?!\w)"
)
_RECIPIENT_INTRO = re.compile(
    r"\s+(?:(?:ket\s+qua|tien\s+do|tinh\s+hinh)(?:\s+\w+){0,8}?\s+)?(?:ve|len|cho|toi|den)\s+"
)
_RECIPIENT_END = re.compile(
    r"\s*[;,.:()]|\s+(?:de|xem\s+xet|truoc|trong|cham\s+nhat|muon\s+nhat|han|hoan\s+thanh|theo|"
    r"ket\s+qua|tinh\s+hinh|tien\s+do|dinh\s+ky|cho\s+y\s+kien|phe\s+duyet|quyet\s+dinh|"
    r"hang\s+(?:tuan|thang|quy|nam)|khi|neu|viec|noi\s+dung|cac|nhung|ve|bang|thong\s+qua|\d)"
    r"(?!\w)"
)

_DATE_SOURCE = (
    r"(?P<dmy>(?P<d1>\d{1,2})\s*[/.\-]\s*(?P<m1>\d{1,2})\s*[/.\-]\s*(?P<y1>\d{4}))(?!\d)"
    r"|(?P<long>ngay\s+(?P<d2>\d{1,2})\s+thang\s+(?P<m2>\d{1,2})(?:\s+nam\s+(?P<y2>\d{4}))?)"
    r"(?!\d)"
    r"|(?P<my>thang\s+(?P<m3>\d{1,2})\s*(?:[/\-]\s*|\s+nam\s+)(?P<y3>\d{4}))(?!\d)"
    r"|(?P<quarter>quy\s+(?P<q4>iv|iii|ii|i|[1-4])(?!\w)"
    r"(?:\s*(?:[/\-]\s*|\s+nam\s+)(?P<y4>\d{4})(?!\d))?)"
    r"|(?P<half>(?:6|sau)\s+thang\s+(?P<h5>dau|cuoi)\s+nam(?:\s+(?P<y5>\d{4})(?!\d))?)"
    r"|(?P<dm>(?P<d6>\d{1,2})\s*[/\-]\s*(?P<m6>\d{1,2}))(?!\d)(?!\s*[/.\-]\s*\d)"
    r"|(?P<year>nam\s+(?P<y7>\d{4}))(?!\d)(?!\s*[/\-]\s*\d)"
    r"|(?P<month>thang\s+(?P<m8>\d{1,2}))(?!\d)(?!\s*[/\-]\s*\d)(?!\s+nam\s+\d)"
)
_DEADLINE = re.compile(
    r"(?P<pre>\s*[,;(]?\s*(?:(?:va\s+)?(?:hoan\s+thanh|xong|thuc\s+hien\s+xong)\s+)?)"
    r"(?<!\w)(?:truoc|trong|cham\s+nhat|muon\s+nhat|han\s+chot|den\s+het|den|het|vao|"
    r"thoi\s+han(?:\s+hoan\s+thanh)?\s*:?)"
    r"(?:\s+(?:la|vao))?\s*:?\s*(?:ngay\s+)?"
    r"(?:" + _DATE_SOURCE + r")"
)
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


# ---------------------------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------------------------


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _next_year_for(month: int, day: int, today: date) -> int:
    """The year of the next occurrence of day/month, counting today itself."""
    return today.year + 1 if (month, day) < (today.month, today.day) else today.year


def _day_month_year(day: int, month: int, year: int, shown: str) -> tuple[date | None, str]:
    try:
        return date(year, month, day), ""
    except ValueError:
        return None, f"Ngày {shown} không hợp lệ."


def _full_date(m: re.Match[str], today: date) -> tuple[date | None, str]:
    if m.group("dmy"):
        day, month, year = int(m.group("d1")), int(m.group("m1")), int(m.group("y1"))
        return _day_month_year(day, month, year, f"{day:02d}/{month:02d}/{year}")
    day, month = int(m.group("d2")), int(m.group("m2"))
    if m.group("y2"):
        year = int(m.group("y2"))
        return _day_month_year(day, month, year, f"{day:02d}/{month:02d}/{year}")
    year = _next_year_for(month, day, today)
    return _day_month_year(day, month, year, f"{day:02d}/{month:02d}")


def _day_month(m: re.Match[str], today: date) -> tuple[date | None, str]:
    day, month = int(m.group("d6")), int(m.group("m6"))
    year = _next_year_for(month, day, today)
    return _day_month_year(day, month, year, f"{day:02d}/{month:02d}")


def _month_end(month: int, year: int) -> tuple[date | None, str]:
    if not 1 <= month <= 12:
        return None, f"Tháng {month}/{year} không hợp lệ."
    return _last_day(year, month), ""


def _month_form(m: re.Match[str], today: date) -> tuple[date | None, str]:
    if m.group("my"):
        return _month_end(int(m.group("m3")), int(m.group("y3")))
    month = int(m.group("m8"))
    if not 1 <= month <= 12:
        return None, f"Tháng {month} không hợp lệ."
    year = today.year if month >= today.month else today.year + 1
    return _month_end(month, year)


def _quarter(m: re.Match[str], today: date) -> tuple[date | None, str]:
    token = m.group("q4")
    quarter = _ROMAN[token] if token in _ROMAN else int(token)
    month = quarter * 3
    if m.group("y4"):
        return _last_day(int(m.group("y4")), month), ""
    year = today.year if month >= today.month else today.year + 1
    return _last_day(year, month), ""


def _half_or_year(m: re.Match[str], today: date) -> tuple[date | None, str]:
    if m.group("half"):
        year = int(m.group("y5")) if m.group("y5") else today.year
        return (date(year, 6, 30) if m.group("h5") == "dau" else date(year, 12, 31)), ""
    return date(int(m.group("y7")), 12, 31), ""


def _deadline_date(m: re.Match[str], today: date) -> tuple[date | None, str]:
    """The date a deadline match stands for, or None and a message for the secretary."""
    if m.group("dmy") or m.group("long"):
        return _full_date(m, today)
    if m.group("dm"):
        return _day_month(m, today)
    if m.group("my") or m.group("month"):
        return _month_form(m, today)
    if m.group("quarter"):
        return _quarter(m, today)
    return _half_or_year(m, today)


def _last_deadline(folded: str, start: int) -> re.Match[str] | None:
    last: re.Match[str] | None = None
    for m in _DEADLINE.finditer(folded, start):
        last = m
    return last


# ---------------------------------------------------------------------------------------------
# Subject: lead, coordinating and unknown units
# ---------------------------------------------------------------------------------------------


@dataclass
class _Subject:
    end: int
    entries: list[UnitName | str]
    related: bool
    marked: bool  # "chủ trì", "phối hợp" or "cùng" was written


def _is_capitalised(original: str, index: int) -> bool:
    return index < len(original) and original[index].isupper()


def _starts_verb(folded: str, original: str, index: int) -> bool:
    """A lower-case verb starts here (a capitalised word is part of a name, "Thanh tra ...")."""
    return bool(_VERB.match(folded, index)) and not _is_capitalised(original, index)


def _starts_unit_like(
    folded: str, original: str, index: int, known: dict[int, tuple[int, UnitName]]
) -> bool:
    if index in known or _RELATED.match(folded, index):
        return True
    return bool(_UNIT_HEAD.match(folded, index)) and not _starts_verb(folded, original, index)


def _name_word_stops(
    folded: str, original: str, index: int, known: dict[int, tuple[int, UnitName]]
) -> bool:
    """Whether the word at ``index`` ends an unknown unit name instead of continuing it."""
    if index in known or _RELATED.match(folded, index) or _starts_verb(folded, original, index):
        return True
    return bool(_LEAD_MARK.match(folded, index) or _COORD_MARK.match(folded, index))


def _unknown_unit_end(
    folded: str, original: str, start: int, known: dict[int, tuple[int, UnitName]]
) -> int | None:
    """End of a unit-looking name that is not in the list, or None when none starts here."""
    head = _UNIT_HEAD.match(folded, start)
    if head is None or _starts_verb(folded, original, start):
        return None
    end, words = head.end(), 0
    while words < MAX_UNKNOWN_NAME_WORDS:
        word = _WORD.match(folded, end)
        if word is None or _name_word_stops(folded, original, word.start(1), known):
            break
        if word.group(1) == "va":
            following = _WORD.match(folded, word.end())
            if following is None or _starts_unit_like(folded, original, following.start(1), known):
                break
            if _name_word_stops(folded, original, following.start(1), known):
                break
            end, words = following.end(), words + 2
            continue
        end, words = word.end(), words + 1
    return end if words else None


def _unit_continues(
    folded: str, original: str, index: int, known: dict[int, tuple[int, UnitName]]
) -> bool:
    """After a connector: does a unit (known, related group or unknown) follow?"""
    gap = _SEPARATORS.match(folded, index)
    index = gap.end() if gap else index
    if index in known or _RELATED.match(folded, index):
        return True
    return _unknown_unit_end(folded, original, index, known) is not None


def _read_subject(
    folded: str, original: str, start: int, known: dict[int, tuple[int, UnitName]]
) -> _Subject:
    subject = _Subject(end=start, entries=[], related=False, marked=False)
    position, expect_unit = start, True
    for _ in range(100):
        gap = _SEPARATORS.match(folded, position)
        index = gap.end() if gap else position
        may_start_unit = expect_unit or "," in folded[position:index]
        has_unit = bool(subject.entries)
        if may_start_unit and index in known:
            end, unit = known[index]
            subject.entries.append(unit)
            position = subject.end = end
            expect_unit = False
            continue
        related = _RELATED.match(folded, index) if may_start_unit or has_unit else None
        if related:
            subject.related = True
            position = subject.end = related.end()
            expect_unit = False
            continue
        lead_mark = _LEAD_MARK.match(folded, index) if has_unit else None
        if lead_mark:
            subject.marked = True
            position = subject.end = lead_mark.end()
            expect_unit = False
            continue
        connector = (
            (_COORD_MARK.match(folded, index) or _AND.match(folded, index)) if has_unit else None
        )
        if connector and _unit_continues(folded, original, connector.end(), known):
            subject.marked = subject.marked or connector.group(0) != "va"
            position, expect_unit = connector.end(), True
            continue
        unknown_end = _unknown_unit_end(folded, original, index, known) if may_start_unit else None
        if unknown_end is not None:
            subject.entries.append(original[index:unknown_end])
            position = subject.end = unknown_end
            expect_unit = False
            continue
        break
    return subject


# ---------------------------------------------------------------------------------------------
# Report clause
# ---------------------------------------------------------------------------------------------


@dataclass
class _Report:
    start: int
    recipient: str


def _recipient_start(folded: str, index: int, known: dict[int, tuple[int, UnitName]]) -> int | None:
    """Where the recipient named after "báo cáo"/"trình" starts, if one is named."""
    direct = index + 1 if folded.startswith(" ", index) else index
    if direct in known or _RECIPIENT_HEAD.match(folded, direct):
        return direct
    intro = _RECIPIENT_INTRO.match(folded, index)
    if intro and (intro.end() in known or _RECIPIENT_HEAD.match(folded, intro.end())):
        return intro.end()
    return None


def _recipient_end(folded: str, start: int, limit: int) -> int:
    end = _RECIPIENT_END.search(folded, start + 1)
    return min(end.start() if end else len(folded), limit)


def _previous_word(folded: str, index: int) -> str:
    words = folded[:index].split()
    return words[-1] if words else ""


def _find_report(
    folded: str,
    original: str,
    start: int,
    deadline_start: int,
    known: dict[int, tuple[int, UnitName]],
) -> _Report | None:
    for m in _REPORT.finditer(folded, start):
        punctuated = any(c in m.group("pre") for c in ";,")
        if (
            m.group("verb") == "trinh"
            and not punctuated
            and _previous_word(folded, m.start("verb")) in _NOT_REPORT_BEFORE_TRINH
        ):
            continue
        recipient_start = _recipient_start(folded, m.end(), known)
        if recipient_start is None and not punctuated:
            continue
        recipient = ""
        if recipient_start is not None:
            limit = deadline_start if deadline_start > recipient_start else len(folded)
            end = _recipient_end(folded, recipient_start, limit)
            recipient = original[recipient_start:end].strip(_STRIP_CHARS)
        return _Report(start=m.start(), recipient=recipient)
    return None


# ---------------------------------------------------------------------------------------------
# Putting it together
# ---------------------------------------------------------------------------------------------


def _body_start(folded: str) -> int:
    """Offset after a bullet, a topic prefix and the task verb."""
    position = 0
    bullet = _BULLET.match(folded, position)
    if bullet:
        position = bullet.end()
    topic = _TOPIC_PREFIX.match(folded, position)
    if topic:
        position = topic.end()
    verb = _TASK_VERB.match(folded, position)
    if verb:
        position = verb.end()
    return position


def _dedupe_units(units: list[UnitName]) -> tuple[UnitName, ...]:
    seen: list[UnitName] = []
    for unit in units:
        if unit not in seen:
            seen.append(unit)
    return tuple(seen)


def _dedupe_texts(texts: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t for t in texts if t))


def _roles(
    subject: _Subject,
) -> tuple[UnitName | None, tuple[UnitName, ...], tuple[str, ...], list[str]]:
    """Lead, coordinating units, unknown names and the warnings about them."""
    warnings: list[str] = []
    first = subject.entries[0] if subject.entries else None
    lead = first if isinstance(first, UnitName) else None
    others = [e for e in subject.entries[1:] if isinstance(e, UnitName) and e != lead]
    unknown = _dedupe_texts([e for e in subject.entries if isinstance(e, str)])
    if lead is None:
        warnings.append("Chưa xác định đơn vị chủ trì.")
    warnings.extend(f'Không tìm thấy đơn vị "{name}" trong danh sách.' for name in unknown)
    if lead is not None and len(subject.entries) > 1 and not subject.marked:
        warnings.append(
            f'Câu giao cho nhiều đơn vị nhưng không nêu đơn vị chủ trì; tạm coi "{lead.name}" '
            "là đơn vị chủ trì, cần xác nhận."
        )
    return lead, _dedupe_units(others), unknown, warnings


def _deadline_and_warnings(
    match: re.Match[str] | None, today: date
) -> tuple[date | None, list[str]]:
    if match is None:
        return None, ["Chưa có thời hạn."]
    deadline, problem = _deadline_date(match, today)
    if problem:
        return None, [problem]
    if deadline is not None and deadline < today:
        return deadline, [f"Thời hạn {deadline:%d/%m/%Y} đã qua."]
    return deadline, []


def _parse(sentence: str, units: Sequence[UnitName], today: date) -> ParsedTask:
    original = _canonical(sentence, MAX_SENTENCE_CHARS)
    folded = fold_aligned(original)
    known = _find_units(folded, units)
    subject = _read_subject(folded, original, _body_start(folded), known)
    lead, coordinating, unknown, warnings = _roles(subject)

    deadline_match = _last_deadline(folded, subject.end)
    deadline_start = deadline_match.start() if deadline_match else len(folded)
    report = _find_report(folded, original, subject.end, deadline_start, known)
    report_start = report.start if report and report.start > subject.end else len(folded)
    content_end = min(deadline_start, report_start)
    content = original[subject.end : content_end].strip(_STRIP_CHARS)
    if not content and report is not None:
        content = original[subject.end : deadline_start].strip(_STRIP_CHARS)

    deadline, deadline_warnings = _deadline_and_warnings(deadline_match, today)
    warnings.extend(deadline_warnings)
    if not content:
        warnings.append("Chưa xác định nội dung nhiệm vụ.")
    if len(unicodedata.normalize("NFC", sentence).strip()) > MAX_SENTENCE_CHARS:
        warnings.append(f"Câu quá dài; chỉ đọc {MAX_SENTENCE_CHARS} ký tự đầu.")
    related = subject.related or bool(_RELATED.search(folded, 0, content_end))
    return ParsedTask(
        lead=lead,
        coordinating=coordinating,
        content=content,
        deadline=deadline,
        report_to=report.recipient if report else "",
        with_related_units=related,
        unknown_units=unknown,
        warnings=tuple(warnings),
    )


def parse_task_sentence(sentence: str, units: Sequence[UnitName], *, today: date) -> ParsedTask:
    """Read one task sentence. Never raises: what cannot be read is reported in ``warnings``."""
    try:
        return _parse(sentence if isinstance(sentence, str) else "", units, today)
    except Exception:  # a safety net: the secretary then types the fields herself
        return ParsedTask(
            lead=None,
            coordinating=(),
            content=_canonical(str(sentence), MAX_SENTENCE_CHARS),
            deadline=None,
            report_to="",
            with_related_units=False,
            unknown_units=(),
            warnings=("Không đọc được câu này; cần nhập các trường bằng tay.",),
        )


# ---------------------------------------------------------------------------------------------
# Splitting a conclusion paragraph
# ---------------------------------------------------------------------------------------------

_BULLET_SOURCE = r"(?:[-–—•+*]|\d{1,2}[.)]|[a-z][)])\s+"
_TASK_BOUNDARY = re.compile(
    r"(?:(?<=[.;:])\s+|\s+(?=" + _BULLET_SOURCE + r"))"
    r"(?=(?:" + _BULLET_SOURCE + r")?" + _TASK_VERB_SOURCE + r")"
)
# A sentence that only adds the deadline or the report to the task before it.
_CONTINUATION = re.compile(r"(?:thoi\s+han|han\s+chot|bao\s+cao|hoan\s+thanh|trinh)(?!\w)")
_LEAD_MARK_ANYWHERE = re.compile(r"(?<!\w)chu\s+tri(?!\w)")


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\w)")


def _ends_sentence(line: str, dot: int) -> bool:
    """A full stop followed by a capital ends a sentence, unless it ends "TP.", "Tp." and such."""
    previous = line[:dot].split()
    word = previous[-1].rstrip(".!?") if previous else ""
    is_abbreviation = len(word) <= 2 or word.isupper()
    return not is_abbreviation and line[dot:].lstrip(".!? ")[:1].isupper()


def _boundaries(line: str) -> list[tuple[int, int]]:
    found = {(m.start(), m.end()) for m in _TASK_BOUNDARY.finditer(fold_aligned(line))}
    found |= {
        (m.start(), m.end())
        for m in _SENTENCE_END.finditer(line)
        if _ends_sentence(line, m.start())
    }
    return sorted(found)


def _split_line(line: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for boundary_start, boundary_end in _boundaries(line):
        if boundary_start >= start:
            pieces.append(line[start:boundary_start])
            start = boundary_end
    pieces.append(line[start:])
    return pieces


def _clean_piece(piece: str) -> str:
    piece = piece.strip()
    bullet = _BULLET.match(fold_aligned(piece))
    if bullet:
        piece = piece[bullet.end() :]
    return piece.strip().rstrip(";,").strip()


def _is_task(piece: str) -> bool:
    folded = fold_aligned(piece)
    return bool(_TASK_VERB.match(folded) or _LEAD_MARK_ANYWHERE.search(folded))


def split_tasks(text: str) -> list[str]:
    """One task sentence per "Giao ..." item.

    Text is cut at line breaks, before a bullet or number, before a task verb ("Giao", "Đề
    nghị", "Yêu cầu", ...) that follows ".", ";" or ":", and after a full stop followed by a
    capital (not after "TP." and other short or upper-case abbreviations). A sentence that starts
    with "Thời hạn", "Báo cáo", "Hoàn thành" or "Trình" stays with the task before it. Other
    pieces that neither start with a task verb nor name a lead ("... chủ trì") are dropped.
    """
    if not isinstance(text, str):
        return []
    text = unicodedata.normalize("NFC", text)[:MAX_PARAGRAPH_CHARS]
    tasks: list[str] = []
    previous_was_task = False
    for raw_line in text.splitlines():
        line = re.sub(r"\s+", " ", raw_line).strip()
        for piece in _split_line(line):
            cleaned = _clean_piece(piece)
            if cleaned and _is_task(cleaned):
                tasks.append(cleaned)
                previous_was_task = True
            elif cleaned and previous_was_task and _CONTINUATION.match(fold_aligned(cleaned)):
                tasks[-1] = f"{tasks[-1]} {cleaned}"
            elif cleaned:
                previous_was_task = False
    return tasks


# ---------------------------------------------------------------------------------------------
# Writing a task sentence (the reverse: fields → the notice's "Giao ..." line)
# ---------------------------------------------------------------------------------------------


def compose_task_sentence(
    *,
    lead: str,
    coordinating: Sequence[str] = (),
    with_related_units: bool = False,
    content: str,
    report_to: str = "",
    deadline: date | None = None,
) -> str:
    """ "Giao [lead] chủ trì, phối hợp với [units] [content]; báo cáo [to] trước ngày dd/mm/yyyy."

    The form of DOMAIN.md's conclusion notice. Without a report recipient, the deadline follows
    the content ("..., hoàn thành trước ngày ..."); without a deadline, the clause is left out.
    """
    partners = list(coordinating)
    if with_related_units:
        partners.append("các cơ quan, đơn vị liên quan")
    sentence = f"Giao {lead.strip()} chủ trì"
    if partners:
        sentence += ", phối hợp với " + _join_names(partners)
    body = re.sub(r"\s+", " ", content).strip().rstrip(" .;")
    if body:
        sentence += f" {body[0].lower() if _lower_first(body) else body[0]}{body[1:]}"
    when = f" trước ngày {deadline:%d/%m/%Y}" if deadline else ""
    if report_to.strip():
        sentence += f"; báo cáo {report_to.strip()}{when}"
    elif when:
        sentence += f", hoàn thành{when}"
    return sentence + "."


def _join_names(names: Sequence[str]) -> str:
    names = [n.strip() for n in names if n.strip()]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " và " + names[-1]


def _lower_first(body: str) -> bool:
    """Lower-case the first letter of a content that starts a clause ("Rà soát" → "rà soát"),
    but not a proper name or an abbreviation ("UBND", "Đề án 06", "Kế hoạch số ...")."""
    first = body.split(" ", 1)[0]
    if len(first) > 1 and first[1:].lower() != first[1:]:
        return False  # UBND, TP.HCM, iPhone
    # Whole words, with their tone marks: folded, "Xây" would be "xay", no verb of the list; one
    # syllable alone, "Đề" of "Đề án" would pass for "đề xuất".
    words = [w.strip(",.;:") for w in unicodedata.normalize("NFC", body).lower().split()[:3]]
    return any(tuple(words[: len(verb)]) == verb for verb in _CLAUSE_VERBS)


# Verbs a task's content usually starts with; only these are lower-cased after "chủ trì". A
# one-syllable entry ("đẩy", "tăng") opens several ("đẩy mạnh", "tăng cường").
_CLAUSE_VERBS = tuple(
    tuple(verb.split())
    for verb in """ra, rà soát, rà, xây dựng, tham mưu, hoàn thiện, hoàn thành, tổ chức, triển khai,
    chỉ đạo, đôn đốc, kiểm tra, hướng dẫn, nghiên cứu, đề xuất, báo cáo, trình, tổng hợp,
    thực hiện, bố trí, cân đối, lập, khẩn trương, tiếp tục, chủ động, phối hợp, đẩy, tăng, nâng,
    cải, đánh giá, cập nhật, bảo đảm, đảm bảo, xử lý, giải quyết, ban hành, theo dõi, công bố,
    cung cấp, hỗ trợ""".split(",")
)
