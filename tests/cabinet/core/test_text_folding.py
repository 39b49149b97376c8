"""One source for Vietnamese folding (cabinet/core/text.py): every caller that had its own copy
gets, on Vietnamese text, exactly what its copy gave.

The ``old_*`` functions below are the copies as they were before issue 18, frozen here verbatim:
each caller's current function is compared with its old copy over the same samples.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

import pytest

from assistant.search import text as assistant_text
from assistant.search.embedding import verify
from cabinet.followup import sentences
from cabinet.models import Meeting
from cabinet.papers.selectors import search_pages
from cabinet.papers.views import viewer
from cabinet.records.views import comments, records

# --- The copies before issue 18 ---------------------------------------------------------------


def old_assistant_fold(text: str) -> str:  # assistant/search/text.py
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", stripped)


def old_strip_accents(text: str) -> str:  # assistant/search/embedding/verify.py
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _old_sentences_fold_char(char: str) -> str:  # cabinet/followup/sentences.py
    if char in "đĐ":
        return "d"
    decomposed = unicodedata.normalize("NFD", char)
    base = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    if len(base) == 1:
        return base
    lower = char.lower()
    return lower if len(lower) == 1 else char


def old_sentences_fold(text: str) -> str:
    return "".join(_old_sentences_fold_char(c) for c in text)


def old_normalize_for_match(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    return re.sub(r"\s+", " ", old_sentences_fold(text)).strip()


def _old_viewer_fold_char(char: str) -> str:  # cabinet/papers/views/viewer.py
    if char in "đĐ":
        return "d"
    base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    return base.lower()[:1] if base else ""


def old_viewer_fold(text: str) -> str:
    return "".join(_old_viewer_fold_char(c) for c in unicodedata.normalize("NFC", text))


def _old_viewer_fold_aligned(text: str) -> str:
    return "".join(_old_viewer_fold_char(c) or " " for c in text)


@dataclass(frozen=True)
class OldHit:
    page: int
    snippet: str
    match: str


def old_search_pages(pages: list[tuple[int, str]], query: str, *, limit: int) -> list[OldHit]:
    words = old_viewer_fold(query).split()
    pattern = re.compile(r"\s+".join(re.escape(w) for w in words))
    hits: list[OldHit] = []
    for number, raw in pages:
        text = unicodedata.normalize("NFC", raw)
        for found in pattern.finditer(_old_viewer_fold_aligned(text)):
            start, end = found.span()
            left = max(0, start - 60)
            right = min(len(text), end + 60)
            snippet = " ".join(text[left:right].split())
            hits.append(
                OldHit(
                    page=number,
                    snippet=("…" if left else "") + snippet + ("…" if right < len(text) else ""),
                    match=text[start:end],
                )
            )
            if len(hits) >= limit:
                return hits
    return hits


def old_ascii_slug(text: str) -> str:  # records/views/records.py and records/views/comments.py
    folded = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


# --- Samples ----------------------------------------------------------------------------------

PRECOMPOSED = [
    "Đầu tư CÔNG ở Đường Láng",
    "đ Đ ư Ư ơ Ơ ă Ă â Â ê Ê ô Ô",
    "Thuỷ lợi, thủy lợi; Hoà Bình, Hòa Bình; Quý, qúy",
    "Ủy ban nhân dân TP. Hồ Chí Minh – Sở Tài chính",
    "Nghị định 30/2020/NĐ-CP ngày 05/3/2020 (Điều 8, khoản 2)",
    "  Giao  Sở Kế hoạch\tvà Đầu tư\nchủ trì, phối hợp với STC  ",
    "ĐẨY MẠNH GIẢI NGÂN VỐN ĐẦU TƯ CÔNG NĂM 2026",
    "Người dân, doanh nghiệp được hưởng lợi ở mức tối đa",
    "Ð (U+00D0, the look-alike of Đ in PDFs) and ð",
    "“Trích yếu” — «tài liệu» 100% ½ ﬁle ＡＢＣ №5",
    "",
    "   ",
    "x",
]
# The same texts typed with combining marks (NFD), as some keyboards and PDFs give them.
SAMPLES = PRECOMPOSED + [unicodedata.normalize("NFD", s) for s in PRECOMPOSED[:9]]
SAMPLE_IDS = [f"nfc-{i}" for i in range(len(PRECOMPOSED))] + [f"nfd-{i}" for i in range(9)]


def _records_slug(text: str) -> str:
    # An unsaved meeting: the file name needs only its title and pk.
    return records._filename("bien-ban", Meeting(title=text, pk=7), "pdf")


def _old_records_slug(text: str) -> str:
    return f"bien-ban-{old_ascii_slug(text)[:60].strip('-') or 'cuoc-hop'}-7.pdf"


def called_by(module: ModuleType, name: str) -> Callable[[str], str]:
    """The function ``module`` calls under ``name``, looked up in the caller itself (so a local
    copy there would be the one tested). The callers import these names from cabinet.core.text
    without re-exporting them, which mypy's strict mode refuses as ``module.name``."""
    function: Callable[[str], str] = getattr(module, name)
    return function


FoldPair = tuple[Callable[[str], str], Callable[[str], str]]

CALLERS: dict[str, FoldPair] = {
    # caller: (what the caller calls now, its copy before issue 18)
    "assistant.search.text.fold": (called_by(assistant_text, "fold"), old_assistant_fold),
    "verify.strip_accents": (called_by(verify, "strip_accents"), old_strip_accents),
    "sentences.normalize_for_match": (sentences.normalize_for_match, old_normalize_for_match),
    "sentences fold_aligned": (called_by(sentences, "fold_aligned"), old_sentences_fold),
    "viewer.fold": (called_by(viewer, "fold"), old_viewer_fold),
    "records filename": (_records_slug, _old_records_slug),
    "comments ascii_slug": (called_by(comments, "ascii_slug"), old_ascii_slug),
}


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("sample", SAMPLES, ids=SAMPLE_IDS)
def test_every_caller_folds_as_its_old_copy_did(caller: str, sample: str) -> None:
    current, old = CALLERS[caller]
    assert current(sample) == old(sample)


@pytest.mark.parametrize(
    "query",
    ["dau tu", "ĐẦU TƯ", "đầu tư", "so tai chinh", "thuy loi", "hoa binh", "nd-cp", "ư", "quy"],
)
def test_the_viewer_search_finds_what_it_found_before(query: str) -> None:
    pages = list(enumerate(SAMPLES, 1))
    found = [(h.page, h.snippet, h.match) for h in search_pages(pages, query, limit=100)]
    assert found == [
        (h.page, h.snippet, h.match) for h in old_search_pages(pages, query, limit=100)
    ]
    assert found  # every query finds something, in precomposed and in combining text


def test_precomposed_and_combining_text_fold_alike() -> None:
    from cabinet.core import text as core_text

    for text in PRECOMPOSED:
        decomposed = unicodedata.normalize("NFD", text)
        assert core_text.fold(decomposed) == core_text.fold(text)
        assert core_text.fold_aligned(text) == core_text.fold(text)  # NFC text: aligned
        assert len(core_text.fold_aligned(decomposed)) == len(decomposed)
    assert (
        core_text.fold("Đầu tư CÔNG ở Đường Láng, Thủy lợi") == "dau tu cong o duong lang, thuy loi"
    )
    assert core_text.ascii_slug("Báo cáo Đề án ＡＢＣ") == "bao-cao-de-an-abc"
    assert core_text.strip_diacritics("Đề án ƯU TIÊN") == "De an UU TIEN"


def test_a_letter_without_a_one_letter_folding_stays_itself() -> None:
    """Not Vietnamese, and where the viewer's old copy was wrong: it folded a Hangul syllable to
    its first letter, so "한국" found "하고" too."""
    from cabinet.core import text as core_text

    assert core_text.fold("한국") == "한국"
    hits = search_pages([(1, "하고 한국")], "한국", limit=10)
    assert [h.match for h in hits] == ["한국"]
    assert [h.match for h in old_search_pages([(1, "하고 한국")], "한국", limit=10)] == [
        "하고",
        "한국",
    ]
