"""What changed between two versions of a paper, page by page. Pure functions, no Django.

Pages are aligned first (difflib over the pages' texts without whitespace, so an inserted page shifts the
rest instead of marking every following page changed), then each changed pair is diffed word by
word. Texts come from pypdf, so line breaks and spacing are not meaningful: they are ignored when
deciding whether a page changed and collapsed in what is shown.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from enum import StrEnum


class PageStatus(StrEnum):
    UNCHANGED = "unchanged"
    CHANGED = "changed"
    ADDED = "added"
    REMOVED = "removed"


class Op(StrEnum):
    EQUAL = "equal"
    INSERT = "insert"
    DELETE = "delete"
    SKIP = "skip"  # a long unchanged stretch left out of the display


# Two pages in a replaced block are paired as "the same page, changed" when their words overlap
# at least this much; otherwise one counts as removed and the other as added.
PAIR_THRESHOLD = 0.3
# Above this many pages on either side of a replaced block, pair them in order without scoring.
MAX_PAIRING_BLOCK = 60
# Unchanged words kept around each change; longer unchanged stretches are elided.
CONTEXT_WORDS = 12


@dataclass(frozen=True)
class Segment:
    op: Op
    text: str


@dataclass
class PageDiff:
    status: PageStatus
    old_number: int | None
    new_number: int | None
    segments: list[Segment] = field(default_factory=list)

    @property
    def inserted_words(self) -> int:
        return sum(len(s.text.split()) for s in self.segments if s.op == Op.INSERT)

    @property
    def deleted_words(self) -> int:
        return sum(len(s.text.split()) for s in self.segments if s.op == Op.DELETE)


@dataclass
class Comparison:
    pages: list[PageDiff]

    def count(self, status: PageStatus) -> int:
        return sum(1 for page in self.pages if page.status == status)

    @property
    def changed(self) -> int:
        return self.count(PageStatus.CHANGED)

    @property
    def added(self) -> int:
        return self.count(PageStatus.ADDED)

    @property
    def removed(self) -> int:
        return self.count(PageStatus.REMOVED)

    @property
    def unchanged(self) -> int:
        return self.count(PageStatus.UNCHANGED)

    @property
    def differences(self) -> list[PageDiff]:
        """The pages worth showing: everything but the unchanged ones, in reading order."""
        return [page for page in self.pages if page.status != PageStatus.UNCHANGED]

    @property
    def identical(self) -> bool:
        return not self.differences


def words(text: str) -> list[str]:
    return unicodedata.normalize("NFC", text).split()


def compare_pages(old_pages: list[str], new_pages: list[str]) -> Comparison:
    """Align the pages of two versions and diff the ones that changed."""
    old_words = [words(text) for text in old_pages]
    new_words = [words(text) for text in new_pages]
    # Spacing is an artefact of extraction; everything else (case included) is content.
    old_keys = ["".join(page) for page in old_words]
    new_keys = ["".join(page) for page in new_words]
    result: list[PageDiff] = []
    matcher = SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            result.extend(
                PageDiff(PageStatus.UNCHANGED, i + 1, j + 1)
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            )
            continue
        pairs = _pair_pages(old_words, new_words, range(i1, i2), range(j1, j2))
        paired_old = {i for i, _ in pairs}
        paired_new = {j for _, j in pairs}
        # Walk both sides in order, emitting removals and additions between the pairs.
        i, j = i1, j1
        for pi, pj in [*pairs, (i2, j2)]:
            while i < pi:
                if i not in paired_old:
                    result.append(
                        PageDiff(
                            PageStatus.REMOVED,
                            i + 1,
                            None,
                            [Segment(Op.DELETE, _text(old_words[i]))],
                        )
                    )
                i += 1
            while j < pj:
                if j not in paired_new:
                    result.append(
                        PageDiff(
                            PageStatus.ADDED, None, j + 1, [Segment(Op.INSERT, _text(new_words[j]))]
                        )
                    )
                j += 1
            if pi < i2 and pj < j2:
                if old_keys[pi] == new_keys[pj]:
                    result.append(PageDiff(PageStatus.UNCHANGED, pi + 1, pj + 1))
                else:
                    segments = diff_words(old_words[pi], new_words[pj])
                    result.append(PageDiff(PageStatus.CHANGED, pi + 1, pj + 1, segments))
                i, j = pi + 1, pj + 1
    return Comparison(result)


def _text(page_words: list[str]) -> str:
    return " ".join(page_words)


def _similarity(a: list[str], b: list[str]) -> float:
    if not a and not b:
        return 1.0
    return SequenceMatcher(None, a, b, autojunk=False).quick_ratio()


def _pair_pages(
    old_words: list[list[str]], new_words: list[list[str]], olds: range, news: range
) -> list[tuple[int, int]]:
    """Pairs (old index, new index), increasing on both sides.

    As many pages on each side: they pair in order (page 2 was replaced by a new page 2). Otherwise
    the pairs maximise the total similarity of the paired pages, and pages too different to pair
    are left out (removed / added).
    """
    if len(olds) == len(news) or len(olds) > MAX_PAIRING_BLOCK or len(news) > MAX_PAIRING_BLOCK:
        return list(zip(olds, news, strict=False))
    n, m = len(olds), len(news)
    sim = [[_similarity(old_words[i], new_words[j]) for j in news] for i in olds]
    # best[a][b]: the best total for olds[a:] and news[b:].
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for a in range(n - 1, -1, -1):
        for b in range(m - 1, -1, -1):
            options = [best[a + 1][b], best[a][b + 1]]
            if sim[a][b] >= PAIR_THRESHOLD:
                options.append(sim[a][b] + best[a + 1][b + 1])
            best[a][b] = max(options)
    pairs: list[tuple[int, int]] = []
    a = b = 0
    while a < n and b < m:
        if sim[a][b] >= PAIR_THRESHOLD and best[a][b] == sim[a][b] + best[a + 1][b + 1]:
            pairs.append((olds[a], news[b]))
            a, b = a + 1, b + 1
        elif best[a][b] == best[a + 1][b]:
            a += 1
        else:
            b += 1
    return pairs


def diff_words(old: list[str], new: list[str], context: int = CONTEXT_WORDS) -> list[Segment]:
    """A word-level inline diff: EQUAL, DELETE and INSERT segments in reading order (a replaced
    passage is its deletion followed by its insertion), long unchanged stretches shortened to
    `context` words on each side of a change with a SKIP segment in between."""
    segments: list[Segment] = []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    opcodes = matcher.get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            segments.extend(
                _equal_run(old[i1:i2], context, first=index == 0, last=index == len(opcodes) - 1)
            )
            continue
        if tag in ("delete", "replace"):
            segments.append(Segment(Op.DELETE, " ".join(old[i1:i2])))
        if tag in ("insert", "replace"):
            segments.append(Segment(Op.INSERT, " ".join(new[j1:j2])))
    return segments


def _equal_run(run: list[str], context: int, *, first: bool, last: bool) -> list[Segment]:
    head = 0 if first else context
    tail = 0 if last else context
    if len(run) <= head + tail + 1:
        return [Segment(Op.EQUAL, " ".join(run))]
    out = []
    if head:
        out.append(Segment(Op.EQUAL, " ".join(run[:head])))
    out.append(Segment(Op.SKIP, "…"))
    if tail:
        out.append(Segment(Op.EQUAL, " ".join(run[-tail:])))
    return out
