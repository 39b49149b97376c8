"""Metadata read from the header of a Vietnamese administrative document (Decree 30/2020, App. I).

The header is two columns: left the parent body (optional) and the issuing body in capitals, then
"Số: 30/2020/NĐ-CP"; right "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM / Độc lập - Tự do - Hạnh phúc" and
"Hà Nội, ngày 05 tháng 3 năm 2020". Then the type in capitals (NGHỊ ĐỊNH, CHỈ THỊ ...) and the
summary (trích yếu) under it; a công văn has "V/v ..." under its number instead.

pypdf may interleave the columns ("Số: 30/2020/NĐ-CP Hà Nội, ngày ...", "ỦY BAN NHÂN DÂN CỘNG HÒA
..."), so the national name, the motto and rules (____) are removed first and each field is found by
its own pattern. Text is NFC, with the look-alike "Ð" (U+00D0, common in PDFs) read as "Đ".
Nothing raises: a field that is not found is "" (or None for the date).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

DOC_TYPES: dict[str, str] = {
    "luat": "Luật",
    "nghi_dinh": "Nghị định",
    "nghi_quyet": "Nghị quyết",
    "thong_tu": "Thông tư",
    "quyet_dinh": "Quyết định",
    "chi_thi": "Chỉ thị",
    "ke_hoach": "Kế hoạch",
    "thong_bao": "Thông báo",
    "cong_van": "Công văn",
    "to_trinh": "Tờ trình",
    "bao_cao": "Báo cáo",
    "khac": "Văn bản khác",
}

# Type names as printed in capitals (longest first where one is a prefix of another).
_TYPE_NAMES: tuple[tuple[str, str], ...] = (
    ("THÔNG TƯ LIÊN TỊCH", "thong_tu"),
    ("NGHỊ ĐỊNH", "nghi_dinh"),
    ("NGHỊ QUYẾT", "nghi_quyet"),
    ("QUYẾT ĐỊNH", "quyet_dinh"),
    ("THÔNG TƯ", "thong_tu"),
    ("CHỈ THỊ", "chi_thi"),
    ("KẾ HOẠCH", "ke_hoach"),
    ("THÔNG BÁO", "thong_bao"),
    ("BỘ LUẬT", "luat"),
    ("LUẬT", "luat"),
    ("TỜ TRÌNH", "to_trinh"),
    ("BÁO CÁO", "bao_cao"),
    ("CÔNG VĂN", "cong_van"),
    ("PHÁP LỆNH", "khac"),
    ("QUY CHẾ", "khac"),
    ("QUY ĐỊNH", "khac"),
    ("HƯỚNG DẪN", "khac"),
    ("CHƯƠNG TRÌNH", "khac"),
    ("PHƯƠNG ÁN", "khac"),
    ("ĐỀ ÁN", "khac"),
    ("DỰ ÁN", "khac"),
    ("BIÊN BẢN", "khac"),
    ("GIẤY MỜI", "khac"),
    ("CÔNG ĐIỆN", "khac"),
    ("THÔNG CÁO", "khac"),
)

# The type abbreviation that opens the symbol after the "/" (Decree 30/2020, Appendix III).
_ABBREVIATIONS: dict[str, str] = {
    "NĐ": "nghi_dinh",
    "ND": "nghi_dinh",
    "NQ": "nghi_quyet",
    "QĐ": "quyet_dinh",
    "QD": "quyet_dinh",
    "CT": "chi_thi",
    "KH": "ke_hoach",
    "TB": "thong_bao",
    "TT": "thong_tu",
    "TTLT": "thong_tu",
    "TTR": "to_trinh",
    "BC": "bao_cao",
}
_OTHER_ABBREVIATIONS = frozenset(
    "QC QYĐ QYD TC HD CTR PA ĐA DA BB HĐ HD CĐ CD BGN BTT GUQ GM GGT GNP PG PC PB SY TRS SL".split()
)

# Words that open the name of a body: a line starting with one is a new name, not a continuation.
_BODY_HEADS = (
    "ỦY BAN", "UỶ BAN", "UBND", "HỘI ĐỒNG", "HĐND", "CHÍNH PHỦ", "THỦ TƯỚNG", "QUỐC HỘI", "BỘ ",
    "CỤC", "TỔNG CỤC", "CHI CỤC", "SỞ", "VỤ", "VĂN PHÒNG", "BAN ", "PHÒNG", "TRUNG TÂM", "VIỆN",
    "TÒA ÁN", "KIỂM TOÁN", "ĐẢNG", "THÀNH ỦY", "TỈNH ỦY", "TRƯỜNG", "ĐẠI HỌC", "BỆNH VIỆN",
    "CÔNG AN", "BỘ CHỈ HUY", "ĐOÀN", "MẶT TRẬN", "THANH TRA", "KHO BẠC", "NGÂN HÀNG",
)  # fmt: skip
_MARKS = frozenset({"DỰ THẢO", "MẬT", "TỐI MẬT", "TUYỆT MẬT", "KHẨN", "THƯỢNG KHẨN", "HỎA TỐC"})
_RULE = "\x00"  # a line that was a rule (____): ends the summary

_NATION = re.compile(r"CỘNG\s*H(?:ÒA|OÀ)\s*XÃ\s*HỘI\s*CHỦ\s*NGHĨA\s*VIỆT\s*NAM", re.IGNORECASE)
_MOTTO = re.compile(r"Độc\s*lập\s*[-–—]\s*Tự\s*do\s*[-–—]\s*Hạnh\s*phúc", re.IGNORECASE)
_RULES = re.compile(r"_{3,}|[-–—]{5,}|[=*]{5,}")
_NUMBER = re.compile(r"(?<![^\W\d_])(?:Số|SỐ)\s*[:.]?\s*(\d+(?:\s*/\s*[^\W_][\w.\-–]*)+)")
_DATE_WORDS = r"ngày\s*(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})"
_DATE_DIGITS = r"ngày\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})"
_PLACE_DATE = re.compile(
    rf"(?P<place>[^\W\d_][^\n,;:\d]{{0,60}}?)\s*,\s*(?:{_DATE_WORDS}|{_DATE_DIGITS})",
    re.IGNORECASE,
)
_LINE_DATE = re.compile(rf"^(?:{_DATE_WORDS}|{_DATE_DIGITS})", re.IGNORECASE)
_BODY_START = re.compile(r"^(?:Căn cứ|Chương\s|Điều\s+\d|Kính gửi|Phần\s)", re.IGNORECASE)
_SUBJECT = re.compile(r"^V/v\b\.?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class DirectiveMeta:
    number: str  # "30/2020/NĐ-CP"; "" if none
    issued_on: date | None
    place: str  # "Hà Nội"
    issuer: str  # issuing body as printed, a 2-line name joined: "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI"
    doc_type: str  # a DOC_TYPES key, or "" when neither the type line nor the number tells
    summary: str  # trích yếu: "Về công tác văn thư"
    title: str  # "Nghị định về công tác văn thư"
    parent: str = ""  # the parent body printed above the issuer ("UBND THÀNH PHỐ HÀ NỘI")


def doc_type_from_number(number: str) -> str:
    """The type from a number's symbol: "30/2020/NĐ-CP" → "nghi_dinh", "05/CT-UBND" → "chi_thi".

    A symbol that opens with a body rather than a type ("1234/UBND-VP") is a công văn; an
    unknown symbol is "khac"; no number (or no symbol) is "".
    """
    parts = [p for p in re.split(r"\s*/\s*", _clean(number).strip().upper()) if p]
    if len(parts) < 2:
        return ""
    symbol = parts[-1].rstrip(".")
    head = re.split(r"[-–]", symbol)[0]
    if head in _ABBREVIATIONS:
        return _ABBREVIATIONS[head]
    if head in _OTHER_ABBREVIATIONS:
        return "khac"
    return "cong_van" if re.search(r"[-–]", symbol) else "khac"


def parse_header(text: str) -> DirectiveMeta:
    """Metadata from the first page(s) of a document (see the module docstring)."""
    lines = _header_lines(text)
    number, number_line = _find_number(lines)
    issued_on, place, date_line = _find_date(lines)
    type_key, type_name, summary, type_line = _find_type(lines)
    parent, issuer = _find_issuer(lines, number_line, date_line, type_line)
    doc_type = type_key or doc_type_from_number(number)
    if not summary and type_line < 0:
        summary = _find_subject(lines, number_line)
        if summary and not doc_type:
            doc_type = "cong_van"
    return DirectiveMeta(
        number=number,
        issued_on=issued_on,
        place=place,
        issuer=issuer,
        doc_type=doc_type,
        summary=summary,
        title=_title(doc_type, type_name, summary),
        parent=parent,
    )


# --- Helpers ---------------------------------------------------------------------------------


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    return text.replace("\u00d0", "Đ").replace("\u0189", "Đ").replace("\u00f0", "đ")


def _header_lines(text: str) -> list[str]:
    text = _clean(text).replace("\r", "\n").replace("\f", "\n").replace("\u00a0", " ")
    text = _NATION.sub("\n", text)
    text = _MOTTO.sub("\n", text)
    text = _RULES.sub(f"\n{_RULE}\n", text)
    return [" ".join(line.split()) for line in text.split("\n") if line.strip()]


def _find_number(lines: list[str]) -> tuple[str, int]:
    for i, line in enumerate(lines[:40]):
        if match := _NUMBER.search(line):
            number = re.sub(r"\s+", "", match.group(1)).replace("–", "-").rstrip(".,;")
            return number, i
    return "", -1


def _find_date(lines: list[str]) -> tuple[date | None, str, int]:
    for i, line in enumerate(lines[:40]):
        if _BODY_START.match(line):
            break
        line = _NUMBER.sub(" ", line)
        for match in _PLACE_DATE.finditer(line):
            place = _place(match.group("place"))
            if place:
                return _date(match.groups()[1:]), place, i
        if bare := _LINE_DATE.match(line):
            return _date(bare.groups()), "", i
    return None, "", -1


def _place(raw: str) -> str:
    words = raw.split()
    # Columns interleaved: "THÀNH PHỐ HÀ NỘI Hà Nội" keeps the words after the capitals.
    caps = 0
    while caps < len(words) and _is_caps(words[caps]):
        caps += 1
    if caps >= 2 and caps < len(words):
        words = words[caps:]
    place = " ".join(words).strip(" .-–")
    if not place or len(place) > 40 or "…" in place or ".." in place or not place[0].isupper():
        return ""
    return place


def _date(groups: tuple[str | None, ...]) -> date | None:
    values = [int(g) for g in groups if g is not None]
    if len(values) != 3:
        return None
    day, month, year = values
    try:
        return date(year, month, day) if 1900 <= year <= 2200 else None
    except ValueError:
        return None


def _is_caps(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and all(ch.isupper() for ch in letters)


def _match_type(line: str) -> tuple[str, str, str] | None:
    """(key, printed name, rest of the line) when the line is a type line."""
    if line.endswith(":"):  # "QUYẾT ĐỊNH:" opens the enacting part, not the header
        return None
    for name, key in _TYPE_NAMES:
        if line == name:
            return key, name, ""
        if line.startswith(name + " "):
            rest = line[len(name) + 1 :]
            if not _is_caps(rest.split()[0]):
                return key, name, rest
    return None


def _find_type(lines: list[str]) -> tuple[str, str, str, int]:
    """The type line and the summary under it: (key, printed name, summary, line index)."""
    for i, line in enumerate(lines[:40]):
        if _BODY_START.match(line):
            break
        found = _match_type(line)
        if found is None:
            continue
        key, name, rest = found
        parts = [rest] if rest else []
        j = i + 1
        if not parts and j < len(lines) and _starts_summary(lines[j]):
            parts.append(lines[j])
            j += 1
        # The summary wraps: a continuation line goes on in lower case.
        while parts and j < len(lines) and len(parts) < 4 and lines[j][:1].islower():
            parts.append(lines[j])
            j += 1
        return key, name, " ".join(parts), i
    return "", "", "", -1


def _starts_summary(line: str) -> bool:
    return line != _RULE and not _BODY_START.match(line) and not _is_caps(line)


def _find_subject(lines: list[str], number_line: int) -> str:
    """A công văn's "V/v ..." line (and its lower-case continuation)."""
    start = max(number_line, 0)
    for i in range(start, min(len(lines), start + 6)):
        if _SUBJECT.match(lines[i]):
            parts = [lines[i]]
            j = i + 1
            while j < len(lines) and len(parts) < 4 and lines[j][:1].islower():
                parts.append(lines[j])
                j += 1
            return " ".join(parts)
    return ""


def _find_issuer(
    lines: list[str], number_line: int, date_line: int, type_line: int
) -> tuple[str, str]:
    """(parent, issuer): the capitalised lines just above "Số:" (or at the top of the page)."""
    if number_line >= 0:
        head = _NUMBER.split(lines[number_line])[0]
        candidates = [*lines[:number_line], head]
    else:
        ends = [i for i in (date_line, type_line) if i >= 0]
        candidates = lines[: min(ends)] if ends else lines[:4]
    names: list[str] = []
    for raw in reversed(candidates):
        line = _without_place_date(raw)
        if not line or line == _RULE or line in _MARKS:
            continue
        if not _is_caps(line) or _match_type(line) or len(names) >= 4:
            break
        names.insert(0, line)
    if not names:
        return "", ""
    groups: list[list[str]] = []
    for line in names:
        if groups and not line.startswith(_BODY_HEADS):
            groups[-1].append(line)
        else:
            groups.append([line])
    joined = [" ".join(group) for group in groups]
    return " ".join(joined[:-1]), joined[-1]


def _without_place_date(line: str) -> str:
    """The line without "Place, ngày ..." (keeping capitals of an interleaved issuer before it)."""
    match = _PLACE_DATE.search(line)
    if match is None:
        return line.strip()
    raw = match.group("place").rstrip()
    place = _place(raw)
    kept = raw[: len(raw) - len(place)] if place and raw.endswith(place) else ""
    return (line[: match.start()] + kept).strip()


def _title(doc_type: str, type_name: str, summary: str) -> str:
    if not doc_type:
        return ""
    if type_name and (doc_type == "khac" or type_name != DOC_TYPES[doc_type].upper()):
        display = type_name[:1] + type_name[1:].lower()
    else:
        display = DOC_TYPES[doc_type]
    if not summary:
        return display if doc_type != "khac" or type_name else ""
    subject = _SUBJECT.sub("về ", summary) if _SUBJECT.match(summary) else summary
    words = subject.split()
    first = words[0]
    proper = len(words) > 1 and words[1][:1].isupper()
    if first[:1].isupper() and first[1:].islower() and not proper:
        subject = first.lower() + subject[len(first) :]
    return f"{display} {subject}"
