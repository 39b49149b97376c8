"""Question → passages → an extractive answer with exact citations, or "not found".

    result = answer("Thời hạn ban hành thông báo kết luận?", user=user, scope=Scope())

The answer is made of sentences quoted verbatim from the best passages, each cited (số ký hiệu,
Điều/khoản/điểm, page) with a link that opens the document in the viewer at that page with the
quote highlighted. Its confidence combines how much of the question the best passage covers
(IDF-weighted syllables and pairs) with the embedding similarity; below
settings.ASSISTANT_MIN_CONFIDENCE (calibrated on the dev questions) the assistant says it did
not find the information and shows the nearest passages instead of guessing. A question typed
without tone marks is read by the model with its marks restored from the words of what the asker
may read (LibraryIndex.text_for_model) and is judged the same way; one the model cannot read is
judged by its terms alone, against ASSISTANT_MIN_CONFIDENCE_FOLDED.

When an LLM endpoint is configured, it may rewrite the answer from the same passages; its answer
is used only if every citation and quotation checks out (assistant/answers/llm.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TypedDict
from urllib.parse import quote as urlquote

import numpy as np
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from assistant.answers import llm
from assistant.answers.task_questions import TaskAnswerJSON, answer_task_question
from assistant.models import Chunk, Question
from assistant.search import text as vt
from assistant.search.chunking import PAGE_BREAK, PREAMBLE
from assistant.search.embedding.encoder import get_encoder
from assistant.search.index import LibraryIndex, current_index
from assistant.search.retrieval import (
    Passage,
    Scope,
    coverage,
    embed_query,
    readable_mask,
    retrieve,
    term_weights,
)
from cabinet.core.permissions import AnyUser
from cabinet.models import User

NOT_FOUND = gettext_noop("Không tìm thấy thông tin trong thư viện văn bản")
MAX_QUOTES = 3
SENTENCE_CANDIDATES = 8  # sentences compared with the question by the embedding (~10 ms each)
PASSAGES_SHOWN = 5
HIGHLIGHT_CHARS = 400  # the viewer highlights as much of it as the page holds
# Cosines of multilingual-e5 sit between ~0.75 (unrelated) and ~0.92 (the answer): mapped to 0–1.
DENSE_LOW, DENSE_HIGH = 0.78, 0.90
# The share of the term coverage in the confidence of a question with tone marks (the rest is the
# embedding's); chosen with the threshold by `evaluate_retrieval --calibrate`.
COVERAGE_SHARE = 0.1


@dataclass(frozen=True)
class Citation:
    source: str  # "directive" or "paper"
    document: str  # "Nghị định số 30/2020/NĐ-CP" or the paper's title
    title: str
    location: str  # "Điều 8, khoản 2" ("" when the passage has no article)
    page: int
    label: str  # the whole citation as shown
    url: str  # the viewer at that page with the quote highlighted
    chunk_id: int


@dataclass(frozen=True)
class Quote:
    text: str  # verbatim from the document (whitespace as extracted)
    citation: Citation
    start: int  # offsets in the document's text (pages joined by form feeds)
    end: int
    # A quoted point's clause opening ("4. Sở Tài chính" before "a) Chủ trì ..."), shown before it
    lead: str = ""


@dataclass(frozen=True)
class ShownPassage:
    text: str
    heading: str
    citation: Citation
    score: float


@dataclass
class Answer:
    question: str
    found: bool
    confidence: float
    quotes: list[Quote] = field(default_factory=list)
    passages: list[ShownPassage] = field(default_factory=list)
    message: str = ""
    llm_text: str = ""  # a checked LLM answer, when one was configured and passed the checks
    # A question typed without tone marks, as the model read it (marks restored from the library)
    read_as: str = ""
    typed_without_marks: bool = False  # a refusal then suggests typing the question with them
    # A question about the tasks' follow-up, answered from the Task table
    # (assistant.answers.task_questions.TaskAnswer.as_json()); None for the library's answers.
    tasks: TaskAnswerJSON | None = None

    def as_json(self) -> AnswerJSON:
        return {
            "question": self.question,
            "found": self.found,
            "confidence": self.confidence,
            "quotes": [
                {
                    "text": q.text,
                    "citation": _citation_json(q.citation),
                    "start": q.start,
                    "end": q.end,
                    "lead": q.lead,
                }
                for q in self.quotes
            ],
            "passages": [
                {
                    "text": p.text,
                    "heading": p.heading,
                    "citation": _citation_json(p.citation),
                    "score": p.score,
                }
                for p in self.passages
            ],
            "message": self.message,
            "llm_text": self.llm_text,
            "read_as": self.read_as,
            "typed_without_marks": self.typed_without_marks,
            "tasks": self.tasks,
        }


# --- The answer as JSON: the page's script reads it, and the question history keeps it
# (Question.answer). ---------------------------------------------------------------------------


class CitationJSON(TypedDict):
    source: str
    document: str
    title: str
    location: str
    page: int
    label: str
    url: str
    chunk_id: int


class QuoteJSON(TypedDict):
    text: str
    citation: CitationJSON
    start: int
    end: int
    lead: str


class PassageJSON(TypedDict):
    text: str
    heading: str
    citation: CitationJSON
    score: float


class AnswerJSON(TypedDict):
    question: str
    found: bool
    confidence: float
    quotes: list[QuoteJSON]
    passages: list[PassageJSON]
    message: str
    llm_text: str
    read_as: str
    typed_without_marks: bool
    tasks: TaskAnswerJSON | None


def _citation_json(c: Citation) -> CitationJSON:
    return {
        "source": c.source,
        "document": c.document,
        "title": c.title,
        "location": c.location,
        "page": c.page,
        "label": c.label,
        "url": c.url,
        "chunk_id": c.chunk_id,
    }


_ROMAN_PART = re.compile(r"^Mục ([IVXLC]+)\b")
_ANNEX = re.compile(r"^(Quy chế|Quy định|Điều lệ|Quy trình|Văn bản kèm theo) ›")


def location_of(chunk: Chunk) -> str:
    """Where the passage is, as a citation says it: "Điều 8, khoản 2, điểm a" in a legal text;
    "mục 3" (a numbered direction), "phần II, mục 3" under roman-numbered parts, in a chỉ thị,
    kế hoạch or thông báo."""
    parts = []
    annex = _ANNEX.match(chunk.heading)
    if annex:  # the regulation a decision issues ("Quy chế › Chương II › Điều 8 › khoản 2")
        issued_with = _("ban hành kèm theo")
        parts.append(f"{annex.group(1)} {issued_with}")
    if chunk.article:
        parts.append(chunk.article)
        if chunk.clause:
            parts.append(f"khoản {chunk.clause}")
    elif chunk.clause:
        part = _ROMAN_PART.match(chunk.heading)
        if part:
            parts.append(f"phần {part.group(1)}")
        parts.append(f"mục {chunk.clause}")
    if chunk.point:
        parts.append(f"điểm {chunk.point}")
    return ", ".join(parts)


def cite(chunk: Chunk, *, page: int, highlight: str = "") -> Citation:
    location = location_of(chunk)
    fragment = f"#page={page}"
    if highlight:
        fragment += "&hl=" + urlquote(_highlight_text(highlight), safe="")
    if chunk.directive_id:
        directive = chunk.directive
        assert directive is not None
        document, title = directive.label, directive.title
        if directive.issued_on:
            dated = _("ngày")
            document += f" {dated} {directive.issued_on:%d/%m/%Y}"
        url = reverse("assistant:directive_view", args=[directive.pk]) + fragment
        source = "directive"
    else:
        version = chunk.paper_version
        assert version is not None
        assert chunk.paper is not None
        document, title = chunk.paper.title, chunk.meeting.title if chunk.meeting else ""
        url = reverse("cabinet:paper_view", args=[chunk.paper.pk, version.number]) + fragment
        source = "paper"
    label = ", ".join(p for p in (document, location) if p)
    page_word = _("trang")
    label += f" ({page_word} {page})"
    return Citation(
        source=source,
        document=document,
        title=title,
        location=location,
        page=page,
        label=label,
        url=url,
        chunk_id=chunk.pk,
    )


def _highlight_text(quote: str) -> str:
    """The start of the quote, on one line: what the viewer looks for in the page's text layer."""
    flat = re.sub(r"\s+", " ", quote).strip()
    if len(flat) <= HIGHLIGHT_CHARS:
        return flat
    return flat[:HIGHLIGHT_CHARS].rsplit(" ", 1)[0]


def page_at(chunk: Chunk, offset_in_chunk: int) -> int:
    """The page an offset of the chunk's text is on (pages are joined by form feeds)."""
    return chunk.page_start + chunk.text.count(PAGE_BREAK, 0, offset_in_chunk)


def confidence_of(
    text: str,
    dense_score: float | None,
    weights: dict[str, float],
    *,
    folded: bool,
    coverage_share: float = COVERAGE_SHARE,
) -> float:
    """0–1: how much of the question the best passage's ``text`` covers, with the embedding's
    similarity ``dense_score`` (None when the model could not read the question: typed without
    tone marks that could not be restored; the terms alone then)."""
    covered = coverage(text, weights, folded=folded)
    if dense_score is None:
        return round(covered, 4)
    dense = _dense_share(dense_score)
    return round(coverage_share * covered + (1 - coverage_share) * dense, 4)


def _best_sentences(
    passages: list[Passage],
    weights: dict[str, float],
    *,
    folded: bool,
    query_vector: np.ndarray | None,
) -> list[tuple[Passage, int, int, float]]:
    """Sentences (passage, start, end, score) that answer best, best first.

    Every sentence of the top passages is scored by the question's words it contains; the best
    few are then also compared with the question by the embedding (a sentence that answers in
    other words: "chậm nhất 05 ngày làm việc" for "thời hạn ... bao lâu"), when the model could
    read the question (``query_vector``). A lead-in ("... chỉ thị:") introduces the answer
    rather than being it, and so does the preamble of a document (its grounds and situation):
    they count for half."""
    scored = []
    for passage in passages[:5]:
        for start, end in vt.sentences(passage.chunk.text):
            if _is_heading(passage.chunk.text[start:end], passage.chunk):
                continue
            start = _after_title_lines(passage.chunk, start, end)
            sentence = passage.chunk.text[start:end]
            if len(vt.syllables(sentence)) < 3:
                continue
            score = coverage(sentence, weights, folded=folded)
            if _is_lead_in(sentence):
                score /= 2
            if passage.chunk.heading == PREAMBLE:
                score /= 2
            score /= 1 + 0.08 * (passage.rank - 1)
            scored.append((passage, start, end, score))
    if not scored:
        return []
    scored.sort(key=lambda item: -item[3])
    scored = scored[:SENTENCE_CANDIDATES]
    if query_vector is not None:
        texts = [item[0].chunk.text[item[1] : item[2]] for item in scored]
        similarity = get_encoder().encode_passages(texts) @ query_vector
        scored = [
            (passage, start, end, score * (0.5 + 0.5 * _dense_share(float(cosine))))
            for (passage, start, end, score), cosine in zip(scored, similarity, strict=True)
        ]
        scored.sort(key=lambda item: -item[3])
    best = scored[0][3]
    return [item for item in scored if item[3] >= 0.6 * best and item[3] > 0][:MAX_QUOTES]


def _after_title_lines(chunk: Chunk, start: int, end: int) -> int:
    """Where the sentence at ``start`` really begins: an article's title is a line of its own
    without a full stop ("Điều 1. Phạm vi điều chỉnh" ⏎ "Quy chế này quy định ..."), so the
    sentence splitter joins it to the provision under it; the quote starts after it."""
    text = chunk.text
    titles = {line.strip() for line in chunk.context.splitlines()}
    titles |= {_LABEL.sub("", title) for title in titles}
    while True:
        line_end = text.find("\n", start, end)
        if line_end < 0:
            return start
        line = text[start:line_end].strip()
        if line not in titles and not _is_title_line(line):
            return start
        start = line_end + 1
        while start < end and text[start].isspace():
            start += 1


_POINT_START = re.compile(r"[a-zđ]\)\s")
_CLAUSE_START = re.compile(r"^[ \t]*\d+\.\s", re.M)
_POINT_LINE = re.compile(r"\n[ \t]*[a-zđ]\)\s")
LEAD_CHARS = 200


def clause_lead(text: str, start: int) -> str:
    """The opening of the clause that the point quoted at ``start`` belongs to, up to its first
    point, whitespace collapsed: "4. Sở Tài chính" says whom "a) Chủ trì thẩm định ..." is
    for, which the point alone does not. Empty when the quote is not a point or its clause
    opens in another chunk."""
    if not _POINT_START.match(text, start):
        return ""
    clauses = list(_CLAUSE_START.finditer(text, 0, start))
    if not clauses:
        return ""
    opening = clauses[-1].start()
    first_point = _POINT_LINE.search(text, opening)
    end = first_point.start() if first_point and first_point.start() < start else start
    lead = " ".join(text[opening:end].split())
    if len(lead) > LEAD_CHARS:
        lead = lead[:LEAD_CHARS].rsplit(" ", 1)[0] + " …"
    return lead


def _dense_share(cosine: float) -> float:
    return min(1.0, max(0.0, (cosine - DENSE_LOW) / (DENSE_HIGH - DENSE_LOW)))


# Lead-ins that announce the provisions: "... Chủ tịch UBND Thành phố chỉ thị:", "... như sau:".
_LEAD_IN = re.compile(r"(chỉ thị|quyết định|yêu cầu|như sau|kết luận)\s*:\s*$", re.IGNORECASE)


def _is_lead_in(sentence: str) -> bool:
    text = sentence.rstrip()
    return text.endswith(":") and (len(vt.syllables(text)) < 15 or bool(_LEAD_IN.search(text)))


_HEADING = re.compile(r"^\s*(Chương|Mục|Phần)\s+[IVXLC\d]+\.?\s*$|^\s*Điều\s+\d+\.", re.I)
_TITLE_MAX_SYLLABLES = 15
_LABEL = re.compile(r"^(Chương|Mục|Phần|Điều)\s+[IVXLC\d]+[a-z]?\.?\s*", re.I)  # "Điều 1. "


def _is_heading(sentence: str, chunk: Chunk) -> bool:
    """A title ("Điều 9. Thẩm quyền ký văn bản", "II. TỔ CHỨC THỰC HIỆN") names the topic; the
    answer is in the text under it."""
    line = sentence.strip()
    if chunk.context and line in chunk.context:
        return True
    return _is_title_line(line)


def _is_title_line(line: str) -> bool:
    upper = line.upper()
    if "CỘNG HÒA XÃ HỘI CHỦ NGHĨA" in upper or "ĐỘC LẬP - TỰ DO" in upper:  # the national header
        return True
    # "Điều 9. Thẩm quyền ký văn bản" is a title; "Điều 1. Ban hành kèm theo Quyết định này ...
    # ./." on one line is a provision.
    if (
        _HEADING.match(line)
        and "\n" not in line
        and not line.endswith((".", ";", ":"))
        and len(vt.syllables(line)) <= _TITLE_MAX_SYLLABLES
    ):
        return True
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def answer(
    question: str,
    *,
    user: AnyUser,
    scope: Scope | None = None,
    index: LibraryIndex | None = None,
    use_llm: bool = True,
) -> Answer:
    """Answer ``question`` from what ``user`` may read within ``scope``."""
    question = vt.nfc(question).strip()
    scope = scope or Scope()
    about_tasks = _task_answer(question, user=user, scope=scope)
    if about_tasks is not None:
        return about_tasks
    index = index or current_index()
    folded = bool(question) and not vt.has_diacritics(question)
    # What the asker may read: a question typed without tone marks is restored from its words
    # (the reading is shown to them, "Hiểu là: …") and the confidence weighs the question's
    # words by it, never by the whole library.
    readable = readable_mask(index, user=user) if question else None
    query_vector = embed_query(question, index, readable=readable) if question else None
    passages = retrieve(
        question,
        user=user,
        scope=scope,
        limit=PASSAGES_SHOWN,
        index=index,
        query_vector=query_vector,
        readable=readable,
    )
    passages = _distinct(passages)
    if not passages:
        return Answer(
            question=question,
            found=False,
            confidence=0.0,
            message=_(NOT_FOUND),
            typed_without_marks=folded,
        )
    read_by_model = query_vector is not None
    read_as = (index.text_for_model(question, readable=readable) or "") if folded else ""
    understood = judged_reading(question, index, read_by_model=read_by_model, readable=readable)
    understood_folded = not vt.has_diacritics(understood)
    weights = term_weights(understood, index, readable=readable)
    best = passages[0]
    confidence = confidence_of(
        best.chunk.indexed_text,
        best.dense_score if read_by_model else None,
        weights,
        folded=understood_folded,
    )
    shown = [
        ShownPassage(
            text=p.chunk.text,
            # "3" (a chỉ thị's direction) says nothing the citation's "mục 3" does not
            heading="" if p.chunk.heading.isdigit() else p.chunk.heading,
            citation=cite(p.chunk, page=p.chunk.page_start, highlight=p.chunk.text),
            score=round(p.score, 5),
        )
        for p in passages
    ]
    result = Answer(
        question=question,
        found=False,
        confidence=confidence,
        passages=shown,
        read_as=read_as,
        typed_without_marks=folded,
    )
    threshold = (
        settings.ASSISTANT_MIN_CONFIDENCE
        if read_by_model
        else settings.ASSISTANT_MIN_CONFIDENCE_FOLDED
    )
    if confidence < threshold:
        result.message = _(NOT_FOUND)
        return result
    result.found = True
    for passage, start, end, _score in _best_sentences(
        passages, weights, folded=understood_folded, query_vector=query_vector
    ):
        chunk = passage.chunk
        quote_text = chunk.text[start:end]
        result.quotes.append(
            Quote(
                text=quote_text,
                citation=cite(chunk, page=page_at(chunk, start), highlight=quote_text),
                start=chunk.start + start,
                end=chunk.start + end,
                lead=clause_lead(chunk.text, start),
            )
        )
    if use_llm:
        result.llm_text = _llm_answer(question, passages)
    return result


def judged_reading(
    question: str, index: LibraryIndex, *, read_by_model: bool, readable: np.ndarray | None
) -> str:
    """The text the confidence and the quotes are judged by: read by the model with its tone
    marks restored (from the rows ``readable``, as for the model), a question is judged as that
    reading, as if typed with them (its bare syllables fold many words together: "hanh" is
    hành, hạnh ...); otherwise as typed."""
    if read_by_model and not vt.has_diacritics(question):
        return index.text_for_model(question, readable=readable) or question
    return question


def _distinct(passages: list[Passage]) -> list[Passage]:
    """The passages without repeats of the same text (one report given to two meetings), the
    best-ranked copy kept."""
    seen: set[str] = set()
    kept = []
    for passage in passages:
        key = " ".join(passage.chunk.text.split())
        if key not in seen:
            seen.add(key)
            kept.append(passage)
    return kept


def _task_answer(question: str, *, user: AnyUser, scope: Scope) -> Answer | None:
    """A question about the tasks' follow-up ("Sở Tài chính còn nhiệm vụ nào quá hạn?") is
    answered from the Task table, within what the user may see; any other question is None."""
    result = answer_task_question(question, user=user, meeting_id=scope.meeting_id)
    if result is None:
        return None
    return Answer(
        question=question,
        found=result.found,
        confidence=1.0 if result.found else 0.0,
        message=result.summary,
        tasks=result.as_json(),
    )


def _llm_answer(question: str, passages: list[Passage]) -> str:
    """The configured LLM's answer if it passes the checks, else "" (the extractive one stands)."""
    endpoint = llm.endpoint_from_settings()
    if endpoint is None:
        return ""
    sources = [
        llm.Source(
            ref=i,
            citation=cite(p.chunk, page=p.chunk.page_start).label,
            text=p.chunk.text,
        )
        for i, p in enumerate(passages, 1)
    ]
    checked = llm.compose(question, sources, endpoint=endpoint)
    return checked.text if checked else ""


def ask(question: str, *, user: AnyUser, scope: Scope | None = None) -> tuple[Answer, Question]:
    """Answer and keep the question in the user's history.

    Deliberately not one transaction: answering only reads, and it is slow (the embedding, maybe
    an index rebuild, maybe an LLM call of up to ASSISTANT_LLM_TIMEOUT). On SQLite every
    transaction takes the database's write lock at BEGIN (IMMEDIATE), so holding one around the
    answer queued every other writer behind it, and twenty members asking at once ran past the
    busy timeout ("database is locked"), the task worker included. The history row is written
    afterwards, in a statement of its own."""
    assert isinstance(user, User), "only a signed-in official asks"
    scope = scope or Scope()
    result = answer(question, user=user, scope=scope)
    row = Question.objects.create(
        user=user,
        meeting_id=scope.meeting_id,
        text=result.question[:1000],
        answer=result.as_json(),
        found=result.found,
    )
    return result, row
