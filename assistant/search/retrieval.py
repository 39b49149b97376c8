"""Retrieval for a user: what they may see, filtered, ranked (assistant/search/index.py does the ranking).

Access is decided here, from the database, before anything is ranked:
- a directive is READY and public, or restricted to units or users that include the asker; the
  library's managers see every directive;
- a meeting paper's chunks are searched only by that meeting's participants who may read that
  paper (cabinet.meetings.selectors.papers_for: guests only their items' papers, drafts only organizers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
from django.db.models import Q

from assistant.models import Chunk, Directive, DirectiveStatus, Visibility
from assistant.permissions import can_manage_library
from assistant.search import text as vt
from assistant.search.embedding.encoder import get_encoder
from assistant.search.index import LibraryIndex, current_index
from cabinet.core.permissions import AnyUser
from cabinet.core.text import fold
from cabinet.meetings.selectors import meetings_for, papers_for
from cabinet.models import Paper, Participant, User


@dataclass(frozen=True)
class Scope:
    """Where to look. ``meeting_id`` limits the search to that meeting's papers (the meeting
    page's panel); the filters narrow the directives."""

    directives: bool = True
    papers: bool = True
    meeting_id: int | None = None
    doc_types: tuple[str, ...] = ()
    issuer: str = ""
    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def meeting(cls, meeting_id: int) -> Scope:
        return cls(directives=False, papers=True, meeting_id=meeting_id)


@dataclass
class Passage:
    chunk: Chunk
    score: float  # fused rank score
    dense_score: float  # cosine between the question and the passage
    rank: int


def visible_directives(user: AnyUser) -> Q:
    """The directives ``user`` may read, as a filter on Directive."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if can_manage_library(user):
        return Q()
    assert isinstance(user, User)
    return (
        Q(visibility=Visibility.PUBLIC)
        | Q(allowed_users=user)
        | (Q(allowed_units=user.unit_id) if user.unit_id else Q(pk__in=[]))
    )


# Meetings whose paper filters go into one query: a flat OR of subqueries, kept well below
# SQLite's expression depth limit (1,000).
MEETINGS_PER_QUERY = 200


def visible_paper_ids(user: AnyUser, meeting_id: int | None = None) -> set[int]:
    """Papers whose chunks ``user`` may search: those they may read in their meetings (the same
    rule as opening them, cabinet.meetings.selectors.papers_for), in one query per 200 meetings."""
    meetings = meetings_for(user)
    if meeting_id is not None:
        meetings = meetings.filter(pk=meeting_id)
    participants = list(Participant.objects.filter(meeting__in=meetings, user_id=user.pk))
    ids: set[int] = set()
    for first in range(0, len(participants), MEETINGS_PER_QUERY):
        readable = Q(pk__in=[])
        for participant in participants[first : first + MEETINGS_PER_QUERY]:
            readable |= Q(pk__in=papers_for(participant).values("pk"))
        ids.update(Paper.objects.filter(readable).values_list("pk", flat=True))
    return ids


def allowed_mask(index: LibraryIndex, *, user: AnyUser, scope: Scope) -> np.ndarray:
    """True for the rows ``user`` may see within ``scope``: the filter applied before ranking."""
    mask = np.zeros(len(index), dtype=bool)
    if scope.directives and scope.meeting_id is None:
        directives = Directive.objects.filter(status=DirectiveStatus.READY).filter(
            visible_directives(user)
        )
        if scope.doc_types:
            directives = directives.filter(doc_type__in=scope.doc_types)
        if scope.issuer:
            directives = directives.filter(issuer__icontains=scope.issuer)
        if scope.date_from:
            directives = directives.filter(issued_on__gte=scope.date_from)
        if scope.date_to:
            directives = directives.filter(issued_on__lte=scope.date_to)
        ids = np.fromiter(directives.values_list("pk", flat=True).distinct(), dtype=np.int64)
        mask |= np.isin(index.directive_ids, ids) & (index.directive_ids > 0)
    if scope.papers and not scope.doc_types and not scope.issuer:
        papers = np.fromiter(visible_paper_ids(user, scope.meeting_id), dtype=np.int64)
        mask |= np.isin(index.paper_ids, papers) & (index.paper_ids > 0)
    return mask


def readable_mask(index: LibraryIndex, *, user: AnyUser) -> np.ndarray:
    """True for every row ``user`` may read, whatever the scope asked: the words a question typed
    without tone marks is restored from (a meeting's few papers alone would restore little)."""
    return allowed_mask(index, user=user, scope=Scope())


def embed_query(
    question: str, index: LibraryIndex, *, readable: np.ndarray | None
) -> np.ndarray | None:
    """The question's embedding for ``index.search``: of the question as typed or, typed without
    tone marks, as restored from the words of the rows ``readable`` (what the asker may read);
    None when the model cannot read it."""
    text = index.text_for_model(question, readable=readable)
    return get_encoder().encode_queries([text])[0] if text else None


def retrieve(
    question: str,
    *,
    user: AnyUser,
    scope: Scope | None = None,
    limit: int = 8,
    index: LibraryIndex | None = None,
    query_vector: np.ndarray | None = None,
    readable: np.ndarray | None = None,
) -> list[Passage]:
    """The best passages for ``question`` that ``user`` may see, best first, with their rows
    (``query_vector``: the question's embedding, and ``readable``: readable_mask(), when the
    caller has them already)."""
    question = vt.nfc(question).strip()
    if not question:
        return []
    scope = scope or Scope()
    index = index or current_index()
    whole = scope == Scope()  # then what is searched is all the user may read
    mask = (
        readable if whole and readable is not None else allowed_mask(index, user=user, scope=scope)
    )
    if not mask.any():
        return []
    if readable is None and not vt.has_diacritics(question):
        readable = mask if whole else readable_mask(index, user=user)
    if query_vector is None:
        query_vector = embed_query(question, index, readable=readable)
    hits = index.search(
        question, query_vector=query_vector, allowed=mask, limit=limit, readable=readable
    )
    ids = [index.rows[hit.row].chunk_id for hit in hits]
    chunks = Chunk.objects.select_related("directive", "paper", "paper_version", "meeting").in_bulk(
        ids
    )
    passages = []
    for rank, hit in enumerate(hits, 1):
        chunk = chunks.get(index.rows[hit.row].chunk_id)
        if chunk is None:  # deleted since the index was built; the next search rebuilds it
            continue
        passages.append(
            Passage(chunk=chunk, score=hit.score, dense_score=hit.dense_score, rank=rank)
        )
    return passages


# Words that make a sentence a question ("... là bao lâu?", "ai có thẩm quyền ...?", "... có được
# không?") and never appear in the passage that answers it: left out of the coverage.
QUESTION_WORDS = frozenset(
    "ai gì nào đâu sao bao lâu nhiêu mấy thế như nào không chăng hả à ạ vậy hay là có "
    "phải được những các".split()
)
QUESTION_WORDS_FOLDED = frozenset(fold(w) for w in QUESTION_WORDS)


def term_weights(
    question: str, index: LibraryIndex, *, readable: np.ndarray | None
) -> dict[str, float]:
    """IDF of the question's syllables in the rows ``readable`` (what the asker may read; None:
    every row), folded when the question has no tone marks, for scoring sentences and the
    answer's confidence. Syllables rather than pairs: a passage that answers in other words
    shares the question's syllables more than its pairs. Counted in the whole library, a word
    that only hidden documents hold would weigh less, and the confidence would tell them so."""
    folded = not vt.has_diacritics(question)
    model = index.bm25_folded if folded else index.bm25
    ignored = QUESTION_WORDS_FOLDED if folded else QUESTION_WORDS
    terms = set(vt.syllables(fold(question) if folded else question)) - ignored
    weights: dict[str, float] = {}
    if model is None:
        return dict.fromkeys(terms, 1.0)
    total = len(index) if readable is None else int(np.count_nonzero(readable))
    vocab = model.vocab_dict
    indptr = model.scores["indptr"]
    indices = model.scores["indices"]
    for term in terms:
        token = vocab.get(term)
        if token is None:
            df = 0
        elif readable is None:
            df = int(indptr[token + 1] - indptr[token])
        else:
            df = int(np.count_nonzero(readable[indices[indptr[token] : indptr[token + 1]]]))
        weights[term] = math.log(1 + (total - df + 0.5) / (df + 0.5))
    return weights


def coverage(text: str, weights: dict[str, float], *, folded: bool) -> float:
    """Share of the question's IDF mass that ``text`` contains (0–1)."""
    total = sum(weights.values())
    if not total:
        return 0.0
    present = set(vt.terms(text, folded=folded))
    return sum(w for term, w in weights.items() if term in present) / total
