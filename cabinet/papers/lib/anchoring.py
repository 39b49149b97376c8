"""Find a quoted passage again in another version of a paper. Pure functions, no Django.

A note is anchored by the text it highlights (plus a little text on each side), not by offsets:
offsets come from pdf.js in the browser, page texts from pypdf on the server, and the two disagree
on line breaks and spaces. So matching ignores whitespace altogether (and case and compatibility
forms such as ligatures), and page and offset only break ties between equally good candidates.

Search order: exact occurrences of the normalised quote first, the one whose prefix/suffix context
matches best and which lies nearest the hinted page/offset winning; failing that, a fuzzy match
(difflib ratio >= FUZZY_THRESHOLD) for a quote of which a few characters changed. The fuzzy pass
only examines regions where pieces of the quote occur verbatim, so it stays fast on long papers.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

FUZZY_THRESHOLD = 0.9
# Characters that never count for matching: whitespace, controls, and invisible format characters
# (soft hyphen, zero-width space) that PDF extractors leave in or drop at will.
_IGNORED_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})
# Limits that keep a search bounded whatever the input.
MAX_EXACT_SCAN = 5000
MAX_EXACT_CANDIDATES = 500
MAX_SEED_HITS = 300
MAX_VOTED_REGIONS = 200
MAX_COMPARED_REGIONS = 5
EDGE_TRIM = 8
# A match within FUZZY_THRESHOLD shares most of the quote's trigrams (each edit breaks at most 3).
MIN_TRIGRAM_CONTAINMENT = 0.5
# How much the hints weigh against the context (which scores up to 2.0).
PAGE_WEIGHT = 0.15
OFFSET_WEIGHT = 0.05


@dataclass(frozen=True)
class NormalisedText:
    """Text reduced for matching, with `offsets[i]` the index in the NFC original of `text[i]`."""

    text: str
    offsets: tuple[int, ...]
    original_length: int

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The [start, end) span in the original text covering normalised text[start:end]."""
        if start >= end:
            at = self.offsets[start] if start < len(self.offsets) else self.original_length
            return at, at
        return self.offsets[start], self.offsets[end - 1] + 1


def normalise(text: str) -> NormalisedText:
    """NFC, then drop whitespace and invisible characters, fold compatibility forms and case."""
    nfc = unicodedata.normalize("NFC", text)
    chars: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(nfc):
        if char.isspace() or unicodedata.category(char) in _IGNORED_CATEGORIES:
            continue
        folded = char if char.isascii() else unicodedata.normalize("NFKC", char)
        for piece in folded.lower():
            if piece.isspace():
                continue
            chars.append(piece)
            offsets.append(index)
    return NormalisedText("".join(chars), tuple(offsets), len(nfc))


def normalise_key(text: str) -> str:
    """Just the comparable form of a text (see normalise)."""
    return normalise(text).text


def collapse_whitespace(text: str) -> str:
    """NFC with every run of whitespace turned into one space, trimmed: for display."""
    return " ".join(unicodedata.normalize("NFC", text).split())


class Pages:
    """A version's page texts normalised once, to search many quotes in them.

    The normalised pages are also joined into one string, so that a quote running over a page
    break is found like any other, and context is read across page boundaries.
    """

    def __init__(self, pages: Sequence[str]) -> None:
        self.originals = [unicodedata.normalize("NFC", page) for page in pages]
        self.normalised = [normalise(page) for page in self.originals]
        self.joined = "".join(page.text for page in self.normalised)
        self.starts: list[int] = []
        position = 0
        for page in self.normalised:
            self.starts.append(position)
            position += len(page.text)

    def __len__(self) -> int:
        return len(self.normalised)

    def page_of(self, position: int) -> int:
        """The index of the page holding joined[position] (of the last page for the very end)."""
        return max(0, bisect_right(self.starts, position) - 1)

    def original_offset(self, position: int, *, end: bool = False) -> tuple[int, int]:
        """(page index, offset in that page's NFC text) of a position in the joined text; with
        `end`, position is an exclusive end and maps to just after the previous character."""
        if end:
            index = self.page_of(position - 1) if position > 0 else 0
            local = position - self.starts[index]
            return index, self.normalised[index].original_span(local - 1, local)[1]
        index = self.page_of(position)
        local = position - self.starts[index]
        return index, self.normalised[index].original_span(local, local + 1)[0]


@dataclass(frozen=True)
class Anchor:
    """Where a quote was found: page number (from 1) and [start, end) in that page's NFC text.

    A quote running over a page break ends on `end_page`, and `end` is then an offset in that
    page's text.
    """

    page: int
    start: int
    end_page: int
    end: int
    similarity: float  # 1.0 for an exact (normalised) match
    score: float

    @property
    def exact(self) -> bool:
        return self.similarity >= 1.0


def _context_similarity(expected: str, actual: str) -> float:
    if not expected:
        return 1.0
    if not actual:
        return 0.0
    if expected == actual:
        return 1.0
    return SequenceMatcher(None, expected, actual, autojunk=False).ratio()


class _Search:
    def __init__(
        self,
        pages: Pages,
        quote: str,
        prefix: str,
        suffix: str,
        page_hint: int | None,
        start_hint: int | None,
    ) -> None:
        self.pages = pages
        self.needle = normalise_key(quote)
        self.prefix = normalise_key(prefix)
        self.suffix = normalise_key(suffix)
        self.page_hint = page_hint
        self.start_hint = start_hint

    def distance(self, start: int) -> tuple[int, int]:
        """How far a match starting at `start` (joined text) is from the hints: (pages, chars)."""
        page, offset = self.pages.original_offset(start)
        if self.page_hint is None:
            return 0, 0
        pages = abs(page + 1 - self.page_hint)
        chars = abs(offset - self.start_hint) if self.start_hint is not None and not pages else 0
        return pages, chars

    def score(self, start: int, end: int) -> float:
        """Context (prefix and suffix, up to 2.0) minus a small penalty for distance from hints."""
        joined = self.pages.joined
        before = joined[max(0, start - len(self.prefix)) : start]
        after = joined[end : end + len(self.suffix)]
        context = _context_similarity(self.prefix, before) + _context_similarity(self.suffix, after)
        pages, chars = self.distance(start)
        penalty = PAGE_WEIGHT * (1 - 1 / (1 + pages)) + OFFSET_WEIGHT * (1 - 1 / (1 + chars / 200))
        return context - penalty

    def exact(self) -> list[int]:
        """Starts of the needle's occurrences, nearest the hints first, at most a bounded number."""
        joined, needle = self.pages.joined, self.needle
        found: list[int] = []
        position = joined.find(needle)
        while position != -1 and len(found) < MAX_EXACT_SCAN:
            found.append(position)
            position = joined.find(needle, position + 1)
        found.sort(key=self.distance)
        return found[:MAX_EXACT_CANDIDATES]

    def fuzzy(self) -> list[tuple[int, int, float]]:
        """(start, end, similarity) of regions resembling the needle with a ratio of at least
        FUZZY_THRESHOLD, most similar first.

        Pieces of the quote (seeds) that occur verbatim vote for where the quote would start; the
        most voted places are filtered by shared trigrams, a cheap test, before difflib compares
        the few that are left.
        """
        joined, needle = self.pages.joined, self.needle
        max_edits = int(len(needle) * (1 - FUZZY_THRESHOLD)) + 1
        seeds = _seeds(needle, max_edits)
        bucket = max(8, len(needle) // 4)
        votes: Counter[int] = Counter()
        for offset, seed in seeds:
            hits: set[int] = set()
            position = joined.find(seed)
            while position != -1 and len(hits) <= MAX_SEED_HITS:
                hits.add(max(0, position - offset) // bucket)
                position = joined.find(seed, position + 1)
            if len(hits) <= MAX_SEED_HITS:  # a piece found everywhere says nothing
                votes.update(hits)
        # An acceptable match keeps most seeds intact; its votes may straddle a few buckets.
        min_votes = max(1, (len(seeds) - max_edits) // 3)
        slack = max(4, len(needle) // 10 + 2)
        needle_grams = _trigrams(needle)
        regions: list[tuple[float, int, int]] = []
        for start_bucket, count in votes.most_common(MAX_VOTED_REGIONS):
            if count < min_votes:
                break
            low = max(0, start_bucket * bucket - slack)
            high = min(len(joined), start_bucket * bucket + bucket + len(needle) + slack)
            shared = _containment(needle_grams, _trigrams(joined[low:high]))
            if shared >= MIN_TRIGRAM_CONTAINMENT:
                regions.append((shared, low, high))
        regions.sort(reverse=True)

        matcher = SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(needle)  # difflib caches its index of the second sequence
        results: dict[tuple[int, int], float] = {}
        for _shared, low, high in regions[:MAX_COMPARED_REGIONS]:
            span = _best_span(matcher, needle, joined, low, high)
            if span is not None and span[2] >= FUZZY_THRESHOLD:
                results[(span[0], span[1])] = span[2]
        return sorted(
            ((start, end, sim) for (start, end), sim in results.items()), key=lambda r: -r[2]
        )


def _seeds(needle: str, max_edits: int) -> list[tuple[int, str]]:
    """Disjoint pieces of the needle, one more than the edits an acceptable match may contain:
    at least one of them survives intact in any such match (pigeonhole)."""
    size = max(4, len(needle) // (max_edits + 1))
    return [(at, needle[at : at + size]) for at in range(0, len(needle) - size + 1, size)]


def _trigrams(text: str) -> Counter[str]:
    return Counter(text[i : i + 3] for i in range(max(1, len(text) - 2)))


def _containment(needle: Counter[str], region: Counter[str]) -> float:
    total = sum(needle.values())
    return sum((needle & region).values()) / total if total else 0.0


def _best_span(
    matcher: SequenceMatcher[str], needle: str, joined: str, low: int, high: int
) -> tuple[int, int, float] | None:
    """The part of joined[low:high] that lines up with the needle, and difflib's ratio for it."""
    region = joined[low:high]
    matcher.set_seq1(region)
    blocks = [block for block in matcher.get_matching_blocks() if block.size]
    if not blocks:
        return None
    # Keep the blocks on the passage's own diagonal (region offset minus needle offset, give or take
    # the edits allowed): difflib also pairs stray pieces with similar text around the passage.
    weighted = sorted((block.a - block.b, block.size) for block in blocks)
    half, seen, diagonal = sum(size for _, size in weighted) / 2, 0, weighted[-1][0]
    for offset, size in weighted:
        seen += size
        if seen >= half:
            diagonal = offset
            break
    drift = int(len(needle) * (1 - FUZZY_THRESHOLD)) + 2
    blocks = [block for block in blocks if abs(block.a - block.b - diagonal) <= drift]
    if not blocks:
        return None
    # Leading and trailing blocks may still be stray: drop as many (a few at most) as improves the
    # ratio. A span is extended by the needle's unmatched ends, so that a changed first or last
    # character counts against the match instead of being trimmed away.
    best: tuple[float, int, int] | None = None
    edge = min(len(blocks), EDGE_TRIM + 1)
    for first_index in range(edge):
        for last_index in range(len(blocks) - 1, max(first_index, len(blocks) - edge) - 1, -1):
            first, last = blocks[first_index], blocks[last_index]
            start = max(0, first.a - first.b)
            end = min(len(region), last.a + last.size + (len(needle) - last.b - last.size))
            matched = sum(block.size for block in blocks[first_index : last_index + 1])
            similarity = 2 * matched / (len(needle) + end - start)
            if best is None or similarity > best[0]:
                best = (similarity, start, end)
    assert best is not None
    similarity, start, end = best
    return low + start, low + end, similarity


def find_anchor(
    pages: Sequence[str] | Pages,
    quote: str,
    prefix: str = "",
    suffix: str = "",
    page_hint: int | None = None,
    start_hint: int | None = None,
) -> Anchor | None:
    """Where `quote` is in `pages` (page texts, first page first), or None if it is gone.

    `prefix` and `suffix` are the text just before and after the quote where it was written (any
    length; compared after normalisation); `page_hint` (from 1) and `start_hint` (an offset in that
    page's text) say where it was. Returned offsets index the NFC page text.
    """
    prepared = pages if isinstance(pages, Pages) else Pages(pages)
    search = _Search(prepared, quote, prefix, suffix, page_hint, start_hint)
    if not search.needle or not prepared.joined:
        return None

    best: Anchor | None = None
    for start in search.exact():
        end = start + len(search.needle)
        score = search.score(start, end)
        if best is None or score > best.score:
            best = _anchor(prepared, start, end, 1.0, score)
    if best is not None:
        return best

    for start, end, similarity in search.fuzzy():
        # Similarity first: a closer copy of the quote beats a better context.
        score = 4 * similarity + search.score(start, end)
        if best is None or score > best.score:
            best = _anchor(prepared, start, end, similarity, score)
    return best


def _anchor(pages: Pages, start: int, end: int, similarity: float, score: float) -> Anchor:
    page, original_start = pages.original_offset(start)
    end_page, original_end = pages.original_offset(end, end=True)
    return Anchor(
        page=page + 1,
        start=original_start,
        end_page=end_page + 1,
        end=original_end,
        similarity=round(similarity, 4),
        score=score,
    )


def text_at(pages: Pages, anchor: Anchor) -> str:
    """The original text an anchor covers (pages joined by a line break), whitespace collapsed."""
    if anchor.page == anchor.end_page:
        return collapse_whitespace(pages.originals[anchor.page - 1][anchor.start : anchor.end])
    parts = [pages.originals[anchor.page - 1][anchor.start :]]
    parts.extend(pages.originals[anchor.page : anchor.end_page - 1])
    parts.append(pages.originals[anchor.end_page - 1][: anchor.end])
    return collapse_whitespace("\n".join(parts))


def context_of(pages: Pages, anchor: Anchor, length: int = 64) -> tuple[str, str]:
    """Up to `length` characters of text before and after an anchor (whitespace collapsed), read
    across page breaks: the prefix and suffix to store with it."""
    before = "\n".join([*pages.originals[: anchor.page - 1], ""])[-4 * length :]
    before += pages.originals[anchor.page - 1][: anchor.start]
    after = pages.originals[anchor.end_page - 1][anchor.end :]
    after += "\n" + "\n".join(pages.originals[anchor.end_page :])[: 4 * length]
    # Keep the space next to the quote: it says whether the quote starts or ends a word.
    prefix = collapse_whitespace(before[-4 * length :] + "|")[:-1]
    suffix = collapse_whitespace("|" + after[: 4 * length])[1:]
    return prefix[-length:], suffix[:length]
