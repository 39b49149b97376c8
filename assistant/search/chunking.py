"""Structure-aware chunking of Vietnamese directive documents (văn bản chỉ đạo, điều hành).

A document arrives as page texts (pypdf ``extract_text()``; plain text is one page). They are joined
into one string, :func:`document_text`, and every chunk is an exact slice of it, so a quote shown to
a user can be checked against the source and located by page.

Structure recognised at line starts:

- legal documents (luật, nghị định, quyết định ...): ``Chương II`` (+ a capitalised title line),
  ``Mục 1`` (+ title), ``Điều 8. Title``, clauses ``1.`` ``2.`` ... and points ``a)`` ``b)`` ...;
- directives without articles (chỉ thị, kế hoạch, thông báo): parts ``I.`` ``II.``, numbered
  directions ``1.`` ``2.`` ... and points ``a)`` ``b)`` ...;
- anything else: paragraphs.

pypdf wraps lines, so a wrapped line may start with "2." or "Điều 8 của Luật". Markers are only
accepted in sequence: clauses/directions 1, 2, 3 ... within their article/part (directions may
restart at 1 in a new part), points in Vietnamese order a b c d đ e g h ... (``đ`` may be skipped),
articles N+1 after N, chapters I, II, III ...; an article needs "Điều N." followed by a capitalised
title; and a numbered line that starts in lower case right after a line with no closing punctuation
is taken as a wrapped sentence, not a marker.

Chunks, in document order, never overlapping, covering every non-space character:

- the text before the first marker is "Phần mở đầu"; from a "Nơi nhận" line after the body to the
  end is "Nơi nhận"; a document without markers is split into paragraphs (heading "");
- one chunk per clause (khoản) / direction; an article or part without clauses is one chunk; the
  article's own lines (title, lead-in, and any Chương/Mục heading just above it) join its first
  clause when they fit, else they are a chunk of their own;
- what does not fit ``max_tokens`` is split at points, then at paragraph, sentence, ";"/":", line
  and word boundaries (a whitespace-free run longer than the budget is the only thing ever cut);
  a tiny piece is merged with its neighbour inside the same clause when both fit together.

Headings: legal "Chương II › Mục 1 › Điều 8 › khoản 2 › điểm a" (Chương/Mục when present, "điểm"
only when the clause was split at points; merged points read "điểm a–c"); directives "Mục II › 3 ›
a" (roman part, direction number, point letter; the article field stays ""). ``context`` is the
article's (or part's) title line; for a piece that does not start at its clause, the clause's
opening line is appended ("Điều 8. Thể thức văn bản › 2. Thể thức văn bản hành chính ...").
Every chunk satisfies ``count_tokens(context + "\\n" + text) <= max_tokens``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace

PAGE_BREAK = "\f"
SEP = " › "
PREAMBLE = "Phần mở đầu"
CLOSING = "Nơi nhận"
# Vietnamese alphabetical order of point letters (no f, j, w, z).
POINT_LETTERS = "abcdđeghiklmnopqrstuvxy"
CONTEXT_MAX_CHARS = 300  # the column that stores it
OPENING_MAX_CHARS = 120  # a clause's opening line quoted in a sub-piece's context

_CHAPTER = re.compile(r"(?:Chương|CHƯƠNG)\s+([IVXLC]+)(?![\w])\s*[.:\-–]?\s*(.*)$")
_SECTION = re.compile(r"(?:Mục|MỤC)\s+(\d{1,2})(?![\w])\s*[.:\-–]?\s*(.*)$")
_ARTICLE = re.compile(r"(?:Điều|ĐIỀU)\s+(\d{1,3})\s*[.:]\s*(\S.*)$")
_NUMBERED = re.compile(r"(\d{1,3})\.(?![\d.])\s*(\S.*)$")
_POINT = re.compile(r"([a-zđ])\)\s*(\S.*)$")
_PART = re.compile(r"([IVXLC]+)[.:]\s*(\S.*)$")
_CLOSING = re.compile(r"Nơi\s+nhận\b")
_TERMINAL = tuple('.:;!?…)”"’')
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
_ROMAN_STEPS: tuple[tuple[int, str], ...] = tuple(
    zip((100, 90, 50, 40, 10, 9, 5, 4, 1), "C XC L XL X IX V IV I".split(), strict=True)
)

# Split boundaries, best first. Group 1 ends the piece (a non-space), group 2 is the gap.
_CLOSERS = '"”’)\\]'
_BOUNDARIES: tuple[tuple[re.Pattern[str], bool], ...] = (
    # paragraph: closing punctuation at a line end, the next line opening a sentence; blank lines
    (re.compile(rf"([.:;!?…][{_CLOSERS}]*)([ \t]*[\n\f]\s*)"), True),
    (re.compile(r"(\S)([ \t]*\n[ \t]*\n\s*)"), False),
    # sentence
    (re.compile(rf"([.!?…][{_CLOSERS}]*)(\s+)"), True),
    # ";" and ":"
    (re.compile(rf"([;:][{_CLOSERS}]*)(\s+)"), False),
    # line
    (re.compile(r"(\S)([ \t]*[\n\f]\s*)"), False),
    # word
    (re.compile(r"(\S)(\s+)"), False),
)

_WORD = re.compile(r"[^\W_]+")
_SYMBOL = re.compile(r"[^\w\s]|_")


@dataclass(frozen=True)
class Chunk:
    ordinal: int  # 0.. in document order
    heading: str  # "Chương II › Mục 1 › Điều 8 › khoản 2"; "" when none
    text: str  # exactly document_text(pages)[start:end]
    start: int
    end: int
    page_start: int  # 1-based
    page_end: int
    article: str  # "Điều 8" or ""
    clause: str  # "2" or ""
    point: str  # "a", "a–c" or ""
    context: str  # the article's title line (+ clause opening), prepended when embedding


def approx_tokens(text: str) -> int:
    """A cheap, deliberately high estimate of subword tokens for Vietnamese text.

    Every letter/digit run counts one unit per 6 characters (a Vietnamese syllable is one unit;
    long numbers and foreign words count more); tokens = ceil(1.6 × units) + one per punctuation
    or symbol character. On Decree 30/2020 it is 1.27–1.73× what the multilingual-e5 tokenizer
    counts (prompt included), so a chunk within budget by this estimate is within budget for the model.
    """
    units = sum(-(-len(word) // 6) for word in _WORD.findall(text))
    return math.ceil(1.6 * units) + len(_SYMBOL.findall(text))


def document_text(pages: Sequence[str]) -> str:
    """NFC of every page (line ends unified, no stray form feeds) joined with PAGE_BREAK."""
    cleaned = []
    for page in pages:
        text = unicodedata.normalize("NFC", page)
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace(PAGE_BREAK, "\n")
        cleaned.append(text)
    return PAGE_BREAK.join(cleaned)


def page_of(offset: int, text: str) -> int:
    """1-based page of a character offset in a document_text() string."""
    return text.count(PAGE_BREAK, 0, max(offset, 0)) + 1


# --- Markers ---------------------------------------------------------------------------------


@dataclass
class _Line:
    start: int  # first non-space character
    end: int
    text: str  # stripped


@dataclass
class _Marker:
    kind: str  # chapter | section | article | clause | part | direction | point | closing
    pos: int
    label: str  # "II", "1", "8", "a"
    title: str = ""  # the opening line (articles: title with its wrapped continuation)


def _lines(text: str) -> list[_Line]:
    result = []
    for match in re.finditer(r"[^\n\f]+", text):
        content = match.group()
        stripped = content.strip()
        if stripped:
            start = match.start() + len(content) - len(content.lstrip())
            result.append(_Line(start, start + len(stripped), stripped))
    return result


def _roman(value: str) -> int | None:
    total = 0
    for i, ch in enumerate(value):
        number = _ROMAN[ch]
        following = _ROMAN[value[i + 1]] if i + 1 < len(value) else 0
        total += -number if number < following else number
    return total if total > 0 and _to_roman(total) == value else None


def _to_roman(number: int) -> str:
    result = ""
    for value, symbol in _ROMAN_STEPS:
        while number >= value:
            result += symbol
            number -= value
    return result


def _is_caps(line: str) -> bool:
    letters = [ch for ch in line if ch.isalpha()]
    return bool(letters) and all(ch.isupper() for ch in letters)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _opens_item(previous: _Line | None, rest: str) -> bool:
    """A numbered line is an item unless it reads as a wrapped sentence: the line before has no
    closing punctuation and this one continues in lower case."""
    if previous is None or previous.text.endswith(_TERMINAL):
        return True
    first = rest[0]
    return first.isupper() or first.isdigit() or first in "“\"'(‘[-"


def _next_points(letter: str) -> set[str]:
    if not letter:
        return {"a"}
    index = POINT_LETTERS.find(letter)
    if index < 0 or index + 1 >= len(POINT_LETTERS):
        return set()
    following = POINT_LETTERS[index + 1]
    return {following, "e"} if following == "đ" else {following}


def _heading_title(lines: list[_Line], index: int, inline: str) -> tuple[str, int]:
    """A chapter/section title: on the same line, or the capitalised lines under it."""
    if inline:
        return inline, index
    parts: list[str] = []
    while index + 1 < len(lines) and len(parts) < 3 and _is_caps(lines[index + 1].text):
        if _ARTICLE.match(lines[index + 1].text) or _SECTION.match(lines[index + 1].text):
            break
        index += 1
        parts.append(lines[index].text)
    return " ".join(parts), index


def _legal_markers(lines: list[_Line]) -> list[_Marker]:
    markers: list[_Marker] = []
    chapter = section = article = clause = 0
    in_article = False  # clauses and points only inside an article
    closed = False  # past a "Nơi nhận": what follows may be the regulation the decision issues
    point = ""
    previous: _Line | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        text = line.text
        restarts = (
            article > 0
            and (
                ((m := _CHAPTER.match(text)) and _roman(m.group(1)) == 1)
                or ((m := _ARTICLE.match(text)) and int(m.group(1)) == 1)
            )
            and (closed or _annex_title(lines, i) is not None)
        )
        if restarts:
            # "Quyết định ban hành Quy chế ...": after the decision's own articles and its
            # signature comes the regulation, numbered from Chương I / Điều 1 again, under a
            # title in capitals ("QUY CHẾ"): its articles are told apart by that title.
            title = _annex_title(lines, i) or "Văn bản kèm theo"
            markers.append(_Marker("annex", line.start, title, title))
            chapter = section = article = clause = 0
            closed, in_article, point = False, False, ""
        if (m := _CHAPTER.match(text)) and _roman(m.group(1)) == chapter + 1:
            title, last = _heading_title(lines, i, m.group(2))
            if title and _is_caps(title):
                markers.append(_Marker("chapter", line.start, m.group(1), title))
                chapter, section, in_article = chapter + 1, 0, False
                previous, i = lines[last], last + 1
                continue
        if (m := _SECTION.match(text)) and int(m.group(1)) == section + 1:
            title, last = _heading_title(lines, i, m.group(2))
            if title and _is_caps(title):
                markers.append(_Marker("section", line.start, m.group(1), title))
                section, in_article = section + 1, False
                previous, i = lines[last], last + 1
                continue
        m = _ARTICLE.match(text)
        if m and (article == 0 or int(m.group(1)) == article + 1) and m.group(2)[0].isupper():
            title = m.group(2).rstrip()
            # A title wrapped by pypdf continues in lower case on the next line(s).
            while (
                i + 1 < len(lines)
                and not title.endswith(_TERMINAL)
                and lines[i + 1].text[0].islower()
                and not _POINT.match(lines[i + 1].text)
                and len(title) < 200
            ):
                i += 1
                title += " " + lines[i].text
            markers.append(
                _Marker("article", line.start, m.group(1), f"Điều {m.group(1)}. {title}")
            )
            article, clause, point, in_article = int(m.group(1)), 0, "", True
            previous, i = lines[i], i + 1
            continue
        if in_article and _CLOSING.match(text):
            markers.append(_Marker("closing", line.start, ""))
            closed, in_article = True, False
        if in_article:
            m = _NUMBERED.match(text)
            if m and int(m.group(1)) == clause + 1 and _opens_item(previous, m.group(2)):
                markers.append(_Marker("clause", line.start, m.group(1), text))
                clause, point = clause + 1, ""
            elif (
                (m := _POINT.match(text))
                and m.group(1) in _next_points(point)
                and _opens_item(previous, m.group(2))
            ):
                markers.append(_Marker("point", line.start, m.group(1), text))
                point = m.group(1)
        previous = line
        i += 1
    return markers if any(m.kind == "article" for m in markers) else []


def _annex_title(lines: list[_Line], index: int) -> str | None:
    """The regulation's name: a line in capitals a few lines above ``index`` that names a kind of
    text ("QUY CHẾ", "QUY ĐỊNH", "ĐIỀU LỆ"), as "Quy chế"; None if there is none."""
    for back in range(index - 1, max(-1, index - 8), -1):
        text = lines[back].text.strip().lstrip("#").strip()
        for kind in ("QUY CHẾ", "QUY ĐỊNH", "ĐIỀU LỆ", "QUY TRÌNH"):
            if text == kind or (text.startswith(kind + " ") and _is_caps(text)):
                return kind.capitalize()
    return None


def _directive_markers(lines: list[_Line]) -> list[_Marker]:
    markers: list[_Marker] = []
    part = 0
    direction = 0
    restart = True  # the next direction may be 1 (start, or a new part)
    point = ""
    in_item = False
    previous: _Line | None = None
    for line in lines:
        text = line.text
        if markers and _CLOSING.match(text):
            markers.append(_Marker("closing", line.start, ""))
            break
        m = _PART.match(text)
        if (
            m
            and _roman(m.group(1)) == part + 1
            and m.group(2)[0].isupper()
            and _opens_item(previous, m.group(2))
        ):
            markers.append(_Marker("part", line.start, m.group(1), text))
            part, restart, point, in_item = part + 1, True, "", True
            previous = line
            continue
        m = _NUMBERED.match(text)
        if m:
            number = int(m.group(1))
            expected = {direction + 1, 1} if restart else {direction + 1}
            if number in expected and _opens_item(previous, m.group(2)):
                markers.append(_Marker("direction", line.start, m.group(1), text))
                direction, restart, point, in_item = number, False, "", True
                previous = line
                continue
        m = _POINT.match(text)
        if (
            in_item
            and m
            and m.group(1) in _next_points(point)
            and _opens_item(previous, m.group(2))
        ):
            markers.append(_Marker("point", line.start, m.group(1), text))
            point = m.group(1)
        previous = line
    return markers


# --- Tree ------------------------------------------------------------------------------------


@dataclass
class _Node:
    kind: str  # article | part | body | clause | direction | point
    start: int
    end: int
    path: tuple[str, ...]
    article: str = ""
    clause: str = ""
    point: str = ""
    title: str = ""  # the opening line
    children: list[_Node] = field(default_factory=list)


def _build(markers: list[_Marker], legal: bool, text_end: int) -> tuple[list[_Node], int]:
    """Top-level nodes (with clause and point children) and where the closing part starts."""
    roots: list[_Node] = []
    closing = text_end
    prefix: dict[str, str] = {}
    pending: int | None = None  # a Chương/Mục heading waiting for its first article
    level2: _Node | None = None
    annex: dict[str, str] = {}  # the regulation a decision issues, once past the decision
    for marker in markers:
        if marker.kind == "annex":
            # The decision's part ends here: its signature block (after "Nơi nhận") is not a
            # clause of its last article, and the regulation's headings start with its name.
            if closing != text_end:
                roots.append(_Node("body", closing, text_end, ("Phần ký ban hành",)))
                closing = text_end
            annex = {"annex": marker.label}
            prefix = dict(annex)
            pending = None
        elif marker.kind in ("chapter", "section"):
            if marker.kind == "chapter":
                prefix = {**annex, "chapter": f"Chương {marker.label}"}
            else:
                prefix["section"] = f"Mục {marker.label}"
            pending = marker.pos if pending is None else pending
        elif marker.kind in ("article", "part"):
            label = f"Điều {marker.label}" if legal else f"Mục {marker.label}"
            start = marker.pos if pending is None else pending
            pending = None
            roots.append(
                _Node(
                    marker.kind,
                    start,
                    text_end,
                    (*prefix.values(), label),
                    article=label if legal else "",
                    title=marker.title,
                )
            )
            level2 = None
        elif marker.kind in ("clause", "direction"):
            if not roots:
                roots.append(_Node("body", marker.pos, text_end, ()))
            parent = roots[-1]
            label = f"khoản {marker.label}" if legal else marker.label
            level2 = _Node(
                marker.kind,
                marker.pos,
                text_end,
                (*parent.path, label),
                article=parent.article,
                clause=marker.label,
                title=marker.title,
            )
            parent.children.append(level2)
        elif marker.kind == "point":
            owner = level2 if level2 is not None else roots[-1]
            label = f"điểm {marker.label}" if legal else marker.label
            owner.children.append(
                _Node(
                    "point",
                    marker.pos,
                    text_end,
                    (*owner.path, label),
                    article=owner.article,
                    clause=owner.clause,
                    point=marker.label,
                    title=marker.title,
                )
            )
        elif marker.kind == "closing":
            closing = marker.pos
    _set_ends(roots, closing)
    return roots, closing


def _set_ends(nodes: list[_Node], end: int) -> None:
    for i, node in enumerate(nodes):
        node.end = nodes[i + 1].start if i + 1 < len(nodes) else end
        _set_ends(node.children, node.end)


# --- Splitting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Piece:
    start: int
    end: int
    path: tuple[str, ...]
    article: str
    clause: str
    points: tuple[str, str]  # first and last point letter, ("", "") outside points
    context: str
    legal: bool


class _Chunker:
    def __init__(self, text: str, count_tokens: Callable[[str], int], max_tokens: int) -> None:
        self.text = text
        self.count = count_tokens
        self.max_tokens = max_tokens
        self.tiny = max(1, max_tokens // 8)

    # budget helpers

    def fits(self, start: int, end: int, context: str) -> bool:
        return self.count(context + "\n" + self.text[start:end]) <= self.max_tokens

    def trim(self, start: int, end: int) -> tuple[int, int]:
        text = self.text
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        return start, end

    def context(self, *parts: str) -> str:
        """Join context parts, capped at a quarter of the budget and the column width."""
        joined = SEP.join(_collapse(p) for p in parts if p.strip())
        limit = self.max_tokens // 4
        while joined and (len(joined) > CONTEXT_MAX_CHARS or self.count(joined) > limit):
            joined = _shorten(joined, min(len(joined) - 1, CONTEXT_MAX_CHARS))
        return joined

    def split(self, start: int, end: int, context: str) -> list[tuple[int, int]]:
        """Cut a span into pieces that fit, at the best boundary available."""
        spans = []
        start, end = self.trim(start, end)
        while start < end:
            if self.fits(start, end, context):
                spans.append((start, end))
                break
            piece_end, next_start = self._cut(start, end, context)
            spans.append((start, piece_end))
            start, end = self.trim(next_start, end)
        return spans

    def _cut(self, start: int, end: int, context: str) -> tuple[int, int]:
        window = max(256, self.max_tokens * 8)
        while start + window < end and self.fits(start, start + window, context):
            window *= 2
        limit = min(end, start + window)
        for pattern, needs_opening in _BOUNDARIES:
            cuts = [
                (m.end(1), m.end(2))
                for m in pattern.finditer(self.text, start, limit)
                if m.end(2) < end and (not needs_opening or _opens_sentence(self.text[m.end(2)]))
            ]
            best = self._farthest(start, cuts, context)
            if best is not None:
                return best
        # Last resort: a run without any space longer than the budget.
        low, high = 1, limit - start
        while low < high:
            middle = (low + high + 1) // 2
            if self.fits(start, start + middle, context):
                low = middle
            else:
                high = middle - 1
        if not self.fits(start, start + low, context):
            raise ValueError(f"max_tokens={self.max_tokens} cannot hold any text with its context")
        return start + low, start + low

    def _farthest(
        self, start: int, cuts: list[tuple[int, int]], context: str
    ) -> tuple[int, int] | None:
        low, high = 0, len(cuts) - 1
        found = -1
        while low <= high:
            middle = (low + high) // 2
            if self.fits(start, cuts[middle][0], context):
                found, low = middle, middle + 1
            else:
                high = middle - 1
        # A tokenizer need not be monotonic: confirm, walking back if needed.
        while found >= 0 and not self.fits(start, cuts[found][0], context):
            found -= 1
        return cuts[found] if found >= 0 else None

    # pieces

    def pieces(self, start: int, end: int, template: _Piece) -> list[_Piece]:
        return [
            replace(template, start=s, end=e) for s, e in self.split(start, end, template.context)
        ]

    def paragraphs(self, start: int, end: int, template: _Piece) -> list[_Piece]:
        """Paragraph by paragraph (split further when too long), tiny ones merged."""
        result: list[_Piece] = []
        for s, e in _paragraphs(self.text, start, end):
            result.extend(self.pieces(s, e, template))
        return self.merge(result)

    def merge(self, pieces: list[_Piece]) -> list[_Piece]:
        """Merge a tiny piece with its predecessor (same clause) when both fit together."""
        result: list[_Piece] = []
        for piece in pieces:
            if result and (self.is_tiny(result[-1]) or self.is_tiny(piece)):
                merged = _combine(result[-1], piece)
                if self.fits(merged.start, merged.end, merged.context):
                    result[-1] = merged
                    continue
            result.append(piece)
        return result

    def is_tiny(self, piece: _Piece) -> bool:
        return self.count(self.text[piece.start : piece.end]) < self.tiny


def _opens_sentence(ch: str) -> bool:
    return ch.isupper() or ch.isdigit() or ch in "“\"'‘(-+•–"


def _shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary, ending with an ellipsis."""
    if limit < 2:
        return ""
    head = text[: limit - 1]
    if " " in head.strip():
        head = head.rstrip().rsplit(" ", 1)[0]
    head = head.rstrip(" ›…")
    return head + "…" if head else ""


_NEWLINE = re.compile(r"[\n\f]")


def _paragraphs(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Paragraphs of pypdf text: a line ending in closing punctuation before a line opening a
    sentence, or a blank line."""
    begin = start
    for match in _NEWLINE.finditer(text, start, end):
        before = text[begin : match.start()].rstrip()
        following = text[match.end() : end].lstrip(" \t")
        blank = not following or following[0] in "\n\f"
        if before and (blank or (before.endswith(_TERMINAL) and _opens_sentence(following[0]))):
            yield begin, match.start()
            begin = match.end()
    if text[begin:end].strip():
        yield begin, end


def _combine(first: _Piece, second: _Piece) -> _Piece:
    """One piece from two consecutive ones of the same clause."""
    if first.points == ("", "") or second.points == ("", ""):
        # A piece with the clause's lead-in is labelled by the clause itself.
        return replace(first, end=second.end)
    points = (first.points[0], second.points[1])
    letters = points[0] if points[0] == points[1] else f"{points[0]}–{points[1]}"
    path = (*first.path[:-1], f"điểm {letters}" if first.legal else letters)
    return replace(first, end=second.end, path=path, points=points)


# --- Assembly --------------------------------------------------------------------------------


def _node_pieces(chunker: _Chunker, node: _Node, base: str, legal: bool) -> list[_Piece]:
    """Pieces of a clause/direction (or of an article/part without clauses)."""
    template = _Piece(
        node.start, node.end, node.path, node.article, node.clause, ("", ""), base, legal
    )
    if chunker.fits(*chunker.trim(node.start, node.end), base):
        start, end = chunker.trim(node.start, node.end)
        return [replace(template, start=start, end=end)] if start < end else []
    opening = node.title if node.kind in ("clause", "direction") else ""
    sub = chunker.context(base, _shorten_line(opening)) if opening else base
    points = [child for child in node.children if child.kind == "point"]
    lead_end = points[0].start if points else node.end
    result: list[_Piece] = []
    spans = chunker.split(node.start, lead_end, base)
    if spans:
        # The first piece holds the clause's opening line; the rest are reminded of it.
        result.append(replace(template, start=spans[0][0], end=spans[0][1]))
        if len(spans) > 1:
            result += chunker.pieces(spans[1][0], lead_end, replace(template, context=sub))
    for child in points:
        result.extend(
            chunker.pieces(
                child.start,
                child.end,
                replace(template, path=child.path, points=(child.point, child.point), context=sub),
            )
        )
    return chunker.merge(result)


def _shorten_line(line: str) -> str:
    line = _collapse(line)
    return line if len(line) <= OPENING_MAX_CHARS else _shorten(line, OPENING_MAX_CHARS)


def _top_pieces(chunker: _Chunker, node: _Node, legal: bool) -> list[_Piece]:
    base = chunker.context(node.title)
    items = [child for child in node.children if child.kind != "point"]
    if not items:
        return _node_pieces(chunker, node, base, legal)
    result: list[_Piece] = []
    for item in items:
        result.extend(_node_pieces(chunker, item, base, legal))
    intro_start, intro_end = chunker.trim(node.start, items[0].start)
    if intro_start < intro_end:
        first = result[0] if result else None
        if (
            first is not None
            and first.start == chunker.trim(items[0].start, items[0].end)[0]
            and chunker.fits(intro_start, first.end, first.context)
        ):
            result[0] = replace(first, start=intro_start)
        else:
            template = _Piece(
                intro_start, intro_end, node.path, node.article, "", ("", ""), base, legal
            )
            result[:0] = chunker.paragraphs(intro_start, intro_end, template)
    return result


def chunk_document(
    pages: Sequence[str],
    *,
    count_tokens: Callable[[str], int] = approx_tokens,
    max_tokens: int = 480,
) -> list[Chunk]:
    """Chunks of a document's text (see the module docstring for the rules)."""
    text = document_text(pages)
    chunker = _Chunker(text, count_tokens, max_tokens)
    lines = _lines(text)
    markers = _legal_markers(lines)
    legal = bool(markers)
    if not legal:
        markers = _directive_markers(lines)
    roots, closing = _build(markers, legal, len(text))

    pieces: list[_Piece] = []
    first = roots[0].start if roots else len(text)
    empty = _Piece(0, 0, (), "", "", ("", ""), "", legal)
    if roots:
        pieces += chunker.paragraphs(0, first, replace(empty, path=(PREAMBLE,)))
    else:
        pieces += chunker.paragraphs(0, closing, empty)
    for node in roots:
        pieces += _top_pieces(chunker, node, legal)
    if closing < len(text):
        pieces += chunker.paragraphs(closing, len(text), replace(empty, path=(CLOSING,)))

    return [
        Chunk(
            ordinal=i,
            heading=SEP.join(p.path),
            text=text[p.start : p.end],
            start=p.start,
            end=p.end,
            page_start=page_of(p.start, text),
            page_end=page_of(p.end - 1, text),
            article=p.article,
            clause=p.clause,
            point=p.points[0] if p.points[0] == p.points[1] else f"{p.points[0]}–{p.points[1]}",
            context=p.context,
        )
        for i, p in enumerate(pieces)
    ]
