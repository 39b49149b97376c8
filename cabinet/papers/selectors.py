"""Reads of the papers context: the search over a version's page texts.

Who may read the version is decided before (cabinet.meetings.selectors.paper_version_for); these
take the version they are given.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from cabinet.core.text import fold, fold_aligned
from cabinet.models import PageText, PaperVersion

SNIPPET_CONTEXT = 60


@dataclass(frozen=True)
class SearchHit:
    page: int
    snippet: str
    match: str


def search_pages(pages: list[tuple[int, str]], query: str, *, limit: int) -> list[SearchHit]:
    """Every occurrence of the query's words, in order, separated by any whitespace; folded on both
    sides so that "dau tu" finds "đầu tư". Snippets and matches are cut from the page's NFC text."""
    words = fold(query).split()
    pattern = re.compile(r"\s+".join(re.escape(w) for w in words))
    hits: list[SearchHit] = []
    for number, raw in pages:
        text = unicodedata.normalize("NFC", raw)
        for found in pattern.finditer(fold_aligned(text)):
            start, end = found.span()
            left = max(0, start - SNIPPET_CONTEXT)
            right = min(len(text), end + SNIPPET_CONTEXT)
            snippet = " ".join(text[left:right].split())
            hits.append(
                SearchHit(
                    page=number,
                    snippet=("…" if left else "") + snippet + ("…" if right < len(text) else ""),
                    match=text[start:end],
                )
            )
            if len(hits) >= limit:
                return hits
    return hits


def search_version(version: PaperVersion, query: str, *, limit: int) -> list[SearchHit]:
    """``search_pages`` over the version's page texts, page by page."""
    pages = list(
        PageText.objects.filter(version=version).order_by("number").values_list("number", "text")
    )
    return search_pages(pages, query, limit=limit)
