"""What changed between two versions of a paper, compared as one text. Pure functions, no Django.

A paper's text is stored page by page (pypdf), but an edit moves every line and page break after it:
compared page by page, three small edits showed as a dozen "changed" pages with whole paragraphs
struck through. So each version's pages are read as one stream of words, each word remembering the
page it starts on, and what is only layout is left out: line breaks and spacing, a word hyphenated
at the end of a line (or of a page), the page number printed alone at the top or the foot of a page.
The two streams are diffed word by word (patience-style anchors, then difflib), and each change is
reported with a few words of context and the page(s) it is on in each version. The same words laid
out differently compare equal.

Why difflib: its longest-matching-block alignment gives the readable, local diffs this page shows
(a replaced number stays a replaced number) and it ships with Python; it is only given the short
stretches between anchor words, which keeps a long paper fast (see _matching_blocks).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum


class Op(StrEnum):
    EQUAL = "equal"
    INSERT = "insert"
    DELETE = "delete"


# Unchanged words shown on each side of a change.
CONTEXT_WORDS = 8
# Two edits at most this many unchanged words apart read as one change (a rewritten phrase that
# happens to keep a "và" or a "các" in the middle is one change, not three).
MERGE_GAP = 3
# Words highlighted in the viewer when a change's link is followed (the change and what follows,
# enough to find the place on the page).
HIGHLIGHT_WORDS = 8

# Above this many word pairs, a stretch without a single anchor word is not aligned by difflib
# (its time grows with the product); it is shown as replaced.
MAX_DIFFLIB_CELLS = 4_000_000

# Hyphens that may end a line inside a word; the soft hyphen is invisible and always dropped.
_HYPHENS = "-\u2010\u2011"
_SOFT_HYPHEN = "\u00ad"
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
# A hyphen between two letters or digits (e-mail, COVID-19, kinh tế-xã hội) does not decide whether
# two words are the same: a line break at that hyphen cannot be told from hyphenation, so the
# hyphen is kept out of the key the words are matched by.
_INNER_HYPHEN = re.compile(rf"(?<=\w)[{_HYPHENS}](?=\w)")
# A line holding only a page number, as headers and footers print it: "3", "- 3 -", "Trang 3",
# "3/12", "Page 3 of 12".
_PAGE_NUMBER_LINE = re.compile(
    r"^[\s\-–—.]*(?:(?:trang|page)\s*)?(\d{1,4})(?:\s*(?:/|of|trên)\s*\d{1,4})?[\s\-–—.]*$",
    re.IGNORECASE,
)
# A printed page number may lag the page's position by the unnumbered cover pages.
_MAX_NUMBERING_OFFSET = 2


@dataclass(frozen=True)
class Words:
    """A document's words in reading order, in parallel lists (a long paper has hundreds of
    thousands of words: no object per word)."""

    shown: list[str]  # as the reader sees them
    keys: list[str]  # as they are matched
    pages: list[int]  # the page each starts on, from 1

    def __len__(self) -> int:
        return len(self.shown)


@dataclass(frozen=True)
class Segment:
    op: Op
    text: str


@dataclass(frozen=True)
class Change:
    """One change: `segments` (deleted, inserted and the few unchanged words between them) between
    `before` and `after`, unchanged context; `*_cut` says the context was shortened."""

    before: str
    segments: tuple[Segment, ...]
    after: str
    before_cut: bool
    after_cut: bool
    old_pages: tuple[int, ...]
    new_pages: tuple[int, ...]

    @property
    def inserted_words(self) -> int:
        return sum(len(s.text.split()) for s in self.segments if s.op == Op.INSERT)

    @property
    def deleted_words(self) -> int:
        return sum(len(s.text.split()) for s in self.segments if s.op == Op.DELETE)

    @property
    def kind(self) -> str:
        """ "insert", "delete" or "replace": what the change did, for its label."""
        ops = {s.op for s in self.segments} - {Op.EQUAL}
        return (
            Op.INSERT.value
            if ops == {Op.INSERT}
            else Op.DELETE.value
            if ops == {Op.DELETE}
            else "replace"
        )

    @property
    def new_page(self) -> int | None:
        return self.new_pages[0] if self.new_pages else None

    @property
    def old_page(self) -> int | None:
        return self.old_pages[0] if self.old_pages else None

    @property
    def new_span(self) -> str:
        return _span(self.new_pages)

    @property
    def old_span(self) -> str:
        return _span(self.old_pages)

    @property
    def highlight(self) -> str:
        """The start of the passage to highlight in the new version: what was inserted or kept
        there, then what follows, so a short change ("150") is found at its own place."""
        shown = [s.text for s in self.segments if s.op != Op.DELETE]
        return " ".join(" ".join([*shown, self.after]).split()[:HIGHLIGHT_WORDS])


@dataclass(frozen=True)
class Comparison:
    changes: tuple[Change, ...]
    old_page_count: int
    new_page_count: int
    old_word_count: int
    new_word_count: int

    @property
    def identical(self) -> bool:
        return not self.changes

    @property
    def without_text(self) -> bool:
        """One version has no text layer (a scan): comparing it says nothing about its content."""
        return not self.old_word_count or not self.new_word_count

    @property
    def inserted_words(self) -> int:
        return sum(change.inserted_words for change in self.changes)

    @property
    def deleted_words(self) -> int:
        return sum(change.deleted_words for change in self.changes)


def document_words(pages: list[str]) -> Words:
    """The words of a document whose page n (from 1) has the text pages[n-1], in reading order."""
    shown: list[str] = []
    on_page: list[int] = []
    # A word cut by a hyphen at the end of a line continues on the next line (maybe next page).
    cut = False
    for number, text in enumerate(pages, 1):
        for line in _body_lines(text, number):
            tokens = line.split()
            if cut and tokens[0][0].isalnum():
                head = shown[-1]
                # "hyphen-" + "ation" was hyphenation; "COVID-" + "19" keeps its hyphen.
                shown[-1] = head[:-1] + tokens[0] if tokens[0][0].islower() else head + tokens[0]
                tokens = tokens[1:]
            shown.extend(tokens)
            on_page.extend([number] * len(tokens))
            last = shown[-1] if shown else ""
            cut = len(last) >= 2 and last[-1] in _HYPHENS and last[-2].isalnum()
    return Words(shown, [_key(word) for word in shown], on_page)


def _key(word: str) -> str:
    if "-" in word or "\u2010" in word or "\u2011" in word:
        return _INNER_HYPHEN.sub("", word)
    return word


def _body_lines(text: str, number: int) -> list[str]:
    """The page's lines without the page number printed alone above or below the text."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    lines = [line for line in text.splitlines() if not line.isspace() and line]
    for index in (0, -1):
        if lines and _is_page_number(lines[index], number):
            lines.pop(index)
    return lines


def _is_page_number(line: str, number: int) -> bool:
    match = _PAGE_NUMBER_LINE.match(line)
    return match is not None and 0 <= number - int(match.group(1)) <= _MAX_NUMBERING_OFFSET


def compare_texts(
    old_pages: list[str],
    new_pages: list[str],
    *,
    context: int = CONTEXT_WORDS,
    merge_gap: int = MERGE_GAP,
) -> Comparison:
    """The changes from the old version's text to the new one's, in reading order."""
    old = document_words(old_pages)
    new = document_words(new_pages)
    groups = _merged(_edits(old.keys, new.keys), merge_gap)
    changes = tuple(_change(old, new, group, context) for group in groups)
    return Comparison(changes, len(old_pages), len(new_pages), len(old), len(new))


# An edit: (i1, i2, j1, j2), old[i1:i2] replaced by new[j1:j2] (one side may be empty).
Edit = tuple[int, int, int, int]


def _edits(old: list[str], new: list[str]) -> list[Edit]:
    """The non-equal stretches between the matching words of the two texts."""
    edits: list[Edit] = []
    i = j = 0
    for a, b, size in [*_matching_blocks(old, new), (len(old), len(new), 0)]:
        if a > i or b > j:
            edits.append((i, a, j, b))
        i, j = a + size, b + size
    return edits


def _matching_blocks(old: list[str], new: list[str]) -> list[tuple[int, int, int]]:
    """(i, j, n): old[i:i+n] == new[j:j+n], increasing on both sides.

    difflib alone is too slow on a long paper: each of its passes scans every occurrence of the
    words it meets, and "và", "các", "thành phố" occur thousands of times (a 50-page paper took
    9 s). So the texts are first cut at anchors, as patience diff does: the common start and end,
    then words found exactly once in each text, kept in an order both texts agree on; difflib
    only aligns the short stretches between anchors (see _anchors).
    """
    blocks: list[tuple[int, int, int]] = []
    todo = [(0, len(old), 0, len(new))]
    while todo:
        a0, a1, b0, b1 = todo.pop()
        while a0 < a1 and b0 < b1 and old[a0] == new[b0]:
            blocks.append((a0, b0, 1))
            a0, b0 = a0 + 1, b0 + 1
        while a0 < a1 and b0 < b1 and old[a1 - 1] == new[b1 - 1]:
            a1, b1 = a1 - 1, b1 - 1
            blocks.append((a1, b1, 1))
        if a0 == a1 or b0 == b1:
            continue
        anchors = _anchors(old, new, a0, a1, b0, b1)
        if anchors:
            i, j = a0, b0
            for a, b in anchors:
                todo.append((i, a, j, b))
                blocks.append((a, b, 1))
                i, j = a + 1, b + 1
            todo.append((i, a1, j, b1))
        elif (a1 - a0) * (b1 - b0) <= MAX_DIFFLIB_CELLS:
            matcher = SequenceMatcher(None, old[a0:a1], new[b0:b1], autojunk=False)
            blocks.extend((a0 + a, b0 + b, n) for a, b, n in matcher.get_matching_blocks() if n)
        # else: a long stretch of recurring words only, shown as replaced rather than wait for it.
    blocks.sort()
    return blocks


def _anchors(
    old: list[str], new: list[str], a0: int, a1: int, b0: int, b1: int
) -> list[tuple[int, int]]:
    """Anchor pairs (i, j) for old[a0:a1] and new[b0:b1]: the rarest words found as often on
    both sides (once, as patience diff does; failing that, the fewest times, for a paper that
    repeats itself), their n-th occurrences paired, then the longest run of pairs in the same
    order on both sides."""
    where_old: dict[str, list[int]] = {}
    for i in range(a0, a1):
        where_old.setdefault(old[i], []).append(i)
    where_new: dict[str, list[int]] = {}
    for j in range(b0, b1):
        if new[j] in where_old:
            where_new.setdefault(new[j], []).append(j)
    counts = {
        word: len(places)
        for word, places in where_new.items()
        if len(places) == len(where_old[word])
    }
    if not counts:
        return []
    rarest = min(counts.values())
    pairs = sorted(
        pair
        for word, count in counts.items()
        if count == rarest
        for pair in zip(where_old[word], where_new[word], strict=True)
    )
    return _longest_increasing(pairs)


def _longest_increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest subsequence of pairs (sorted by i) whose j also increase (patience sorting)."""
    tails: list[int] = []  # tails[k]: the smallest j ending an increasing run of length k + 1
    tail_index: list[int] = []  # ... and the index in pairs of that pair
    previous: list[int] = [-1] * len(pairs)
    for index, (_, j) in enumerate(pairs):
        k = bisect_left(tails, j)
        if k == len(tails):
            tails.append(j)
            tail_index.append(index)
        else:
            tails[k] = j
            tail_index[k] = index
        previous[index] = tail_index[k - 1] if k else -1
    run: list[tuple[int, int]] = []
    at = tail_index[-1] if tail_index else -1
    while at != -1:
        run.append(pairs[at])
        at = previous[at]
    return run[::-1]


def _merged(edits: list[Edit], gap: int) -> list[list[Edit]]:
    groups: list[list[Edit]] = []
    for edit in edits:
        if groups and edit[0] - groups[-1][-1][1] <= gap:
            groups[-1].append(edit)
        else:
            groups.append([edit])
    return groups


def _change(old: Words, new: Words, group: list[Edit], context: int) -> Change:
    i1, j1 = group[0][0], group[0][2]
    i2, j2 = group[-1][1], group[-1][3]
    segments: list[Segment] = []
    for index, (a1, a2, b1, b2) in enumerate(group):
        if index:
            previous = group[index - 1]
            segments.append(Segment(Op.EQUAL, _text(new, previous[3], b1)))
        if a2 > a1:
            segments.append(Segment(Op.DELETE, _text(old, a1, a2)))
        if b2 > b1:
            segments.append(Segment(Op.INSERT, _text(new, b1, b2)))
    # Context is read from the new version: it is what the reader will find on the page.
    before_start = max(0, j1 - context)
    after_end = min(len(new), j2 + context)
    return Change(
        before=_text(new, before_start, j1),
        segments=tuple(segments),
        after=_text(new, j2, after_end),
        before_cut=before_start > 0,
        after_cut=after_end < len(new),
        old_pages=_pages(old, i1, i2),
        new_pages=_pages(new, j1, j2),
    )


def _pages(words: Words, start: int, end: int) -> tuple[int, ...]:
    """The pages of words[start:end]; for nothing (the other side's pure insertion or deletion),
    the page of the place it happened: the next word's, or the last word's at the very end."""
    if end > start:
        return tuple(sorted(set(words.pages[start:end])))
    if start < len(words):
        return (words.pages[start],)
    if len(words):
        return (words.pages[-1],)
    return ()


def _span(pages: tuple[int, ...]) -> str:
    """ "4", or "4–5" for a change running over a page break."""
    if not pages:
        return ""
    return str(pages[0]) if len(pages) == 1 else f"{pages[0]}–{pages[-1]}"


def _text(words: Words, start: int, end: int) -> str:
    return " ".join(words.shown[start:end])
