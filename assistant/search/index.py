"""Hybrid retrieval over the Chunks: BM25 (accented and folded fields) + dense vectors, fused.

    index = current_index()                        # built from the database, rebuilt when stale
    hits = index.search("câu hỏi", allowed=mask)   # [(row, fused score, ranks)], best first

- Lexical: BM25 over syllables and adjacent syllable pairs (assistant/search/text.py), in two fields:
  diacritics kept, and folded for questions typed without tone marks.
- Dense: the embedding of each chunk (stored with it, computed at indexing) in a FAISS flat
  inner-product index: exact search; flat stays fast enough up to ~200k chunks on one core.
- Fusion: each ranking's scores standardised over its own top candidates, then weighted and
  added (beat reciprocal-rank fusion on the dev questions). A question typed without any
  diacritics uses the folded field alone (the model cannot read such text: MRR@10 0.018).
- Filters (access, type, issuer, dates, meeting) are a boolean mask over the rows applied before
  ranking: BM25 scores of hidden rows are dropped before the top-k, and FAISS searches only the
  allowed ids (an IDSelectorBitmap), so a hidden chunk can never push a visible one out.

The database is the record: each process keeps one in-memory index per generation
(IndexState.token changes in the transaction that changes any Chunk) and rebuilds on the
next search after it moved. A build reads the stored vectors; nothing is re-embedded.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from django.utils import timezone

from assistant.models import Chunk, IndexState
from assistant.search import text as vt
from assistant.search.diacritics import MIN_KNOWN_SHARE, ToneRestorer

logger = logging.getLogger(__name__)

# Fusion weights and BM25 parameters, tuned on the ALQAC dev questions only (python manage.py
# evaluate_retrieval; 3,238 articles cut into the library's chunks, 696 questions). MRR@10 there:
# BM25 pairs with bm25s' defaults (k1 1.5, b 0.75) 0.933; with k1 0.8, b 0.6 0.941; standardised
# fusion with dense weight 0.4 → 0.955, 0.6 → 0.958, 1.0 → 0.959, 1.5 → 0.957 (reciprocal-rank
# fusion stayed at or below BM25 alone whatever the weight, on whole articles). 0.6, not 1.0: the
# difference is within noise, and on whole articles 0.6 was the best. "accented"
# applies when the question has any diacritics. Without tone marks the model is blind
# (weighting it dragged the folded field from 0.923 to 0.716): the model reads the question with
# its tone marks restored from the library's words instead (assistant/search/diacritics.py): folded BM25
# 0.939 → 0.956 with that dense weight 0.3 (0.6: 0.955); when too few of the question's syllables
# are known to restore it, the folded field ranks alone. The restored question is searched as one
# with tone marks (the accented field and the model, as above), with the folded field at 0.25 for
# the syllables restored wrongly: 0.956 too (every mix of the three fields measured 0.953–0.957),
# and a question whose marks are restored right then ranks as if typed with them.
BM25_K1, BM25_B = 0.8, 0.6
WEIGHTS_ACCENTED = {"bm25": 1.0, "folded": 0.0, "dense": 0.6}
WEIGHTS_RESTORED = {"bm25": 1.0, "folded": 0.25, "dense": 0.6}
WEIGHTS_FOLDED = {"bm25": 0.0, "folded": 1.0, "dense": 0.0}
DEPTH = 100  # candidates taken from each ranking before fusion
# Tone restorers kept per process and index: one per set of readable rows, so per official with
# meeting papers, one for all those who read only the public library. Each holds its readings
# (0.23 MB over the ALQAC library's 2,400 syllables) and takes some 45 ms to build at 100,000
# chunks (bench/assistant.py).
RESTORERS_KEPT = 64


@dataclass(frozen=True)
class Row:
    """What the index knows of a chunk, besides its text, to filter and cite it."""

    chunk_id: int
    directive_id: int  # 0 for a paper's chunk
    paper_id: int  # 0 for a directive's chunk
    meeting_id: int


@dataclass(frozen=True)
class _Syllables:
    """The accented field's syllables, for counting them in a reader's rows."""

    terms: list[str]
    rows: np.ndarray  # the rows holding terms[0], then those holding terms[1], ...
    starts: np.ndarray  # where each term's rows start in ``rows``
    slot: np.ndarray  # term id → its position in ``terms`` (-1: a pair)
    indptr: np.ndarray  # the field's postings, by term id: rows indices[indptr[i]:indptr[i + 1]]
    indices: np.ndarray
    everywhere: np.ndarray  # each syllable's count in all rows


def _rows_key(rows: np.ndarray) -> bytes:
    return hashlib.blake2b(np.packbits(rows).tobytes(), digest_size=16).digest()


@dataclass(frozen=True)
class Hit:
    row: int
    score: float  # fused (standardised scores, weighted)
    bm25_rank: int | None
    dense_rank: int | None
    dense_score: float


@dataclass
class LibraryIndex:
    rows: list[Row]
    texts: list[str]  # context + text, as BM25 indexes them
    vectors: np.ndarray  # float32 [n, dim]
    generation: str = ""
    bm25: Any = None
    bm25_folded: Any = None
    faiss_index: Any = None
    chunk_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    directive_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    paper_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    build_seconds: float = 0.0
    # The tone restorers of the readers seen lately, by the rows they may read (tone_restorer)
    _restorers: OrderedDict[bytes, ToneRestorer] = field(default_factory=OrderedDict, repr=False)
    _restorers_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def build(
        cls,
        *,
        rows: Sequence[Row],
        texts: Sequence[str],
        vectors: np.ndarray,
        generation: str = "",
        bm25_params: tuple[float, float] = (BM25_K1, BM25_B),
    ) -> LibraryIndex:
        # Both take a few tenths of a second to import: only once an index is built.
        import bm25s  # noqa: PLC0415 (heavy)
        import faiss  # noqa: PLC0415 (heavy)

        started = time.perf_counter()
        index = cls(rows=list(rows), texts=list(texts), vectors=vectors, generation=generation)
        index.chunk_ids = np.array([r.chunk_id for r in rows], dtype=np.int64)
        index.directive_ids = np.array([r.directive_id for r in rows], dtype=np.int64)
        index.paper_ids = np.array([r.paper_id for r in rows], dtype=np.int64)
        if rows:
            index.bm25 = bm25s.BM25(k1=bm25_params[0], b=bm25_params[1])
            index.bm25.index([vt.terms(t) for t in texts], show_progress=False)
            index.bm25_folded = bm25s.BM25(k1=bm25_params[0], b=bm25_params[1])
            index.bm25_folded.index([vt.terms(t, folded=True) for t in texts], show_progress=False)
            index.faiss_index = faiss.IndexFlatIP(vectors.shape[1])
            index.faiss_index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        index.build_seconds = time.perf_counter() - started
        return index

    def __len__(self) -> int:
        return len(self.rows)

    @cached_property
    def _syllables(self) -> _Syllables:
        """The accented field's syllables and the rows holding each, laid end to end: a reader's
        counts are then one pass over them (built on the first question typed without marks)."""
        vocabulary = self.bm25.vocab_dict
        indptr = np.asarray(self.bm25.scores["indptr"], dtype=np.int64)
        indices = np.asarray(self.bm25.scores["indices"])
        terms = [term for term, term_id in vocabulary.items() if term and "_" not in term]
        ids = np.fromiter((vocabulary[term] for term in terms), dtype=np.int64, count=len(terms))
        # A term in no row ("" for an empty text) is no reading.
        held = indptr[ids + 1] > indptr[ids]
        terms = [term for term, keep in zip(terms, held.tolist(), strict=True) if keep]
        ids = ids[held]
        lengths = indptr[ids + 1] - indptr[ids]
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
        positions = np.arange(int(lengths.sum()), dtype=np.int64) + np.repeat(
            indptr[ids] - starts, lengths
        )
        slot = np.full(len(indptr) - 1, -1, dtype=np.int64)
        slot[ids] = np.arange(len(ids))
        return _Syllables(
            terms=terms,
            rows=indices[positions],
            starts=starts,
            slot=slot,
            indptr=indptr,
            indices=indices,
            everywhere=lengths,
        )

    def tone_restorer(self, readable: np.ndarray | None) -> ToneRestorer | None:
        """The restorer for a reader who may read the rows ``readable`` (None: every row; the
        evaluation's and the bench's whole public library): built from those rows' words only,
        so that it never restores a word that only a document hidden from them holds. Kept per
        set of rows (officials with the same access share one) until the index is rebuilt."""
        if self.bm25 is None:
            return None
        key = b"" if readable is None or readable.all() else _rows_key(readable)
        with self._restorers_lock:
            restorer = self._restorers.get(key)
            if restorer is not None:
                self._restorers.move_to_end(key)
                return restorer
        restorer = self._restorer_for(None if key == b"" else readable)
        with self._restorers_lock:
            self._restorers[key] = restorer
            while len(self._restorers) > RESTORERS_KEPT:
                self._restorers.popitem(last=False)
        return restorer

    def _restorer_for(self, readable: np.ndarray | None) -> ToneRestorer:
        known = self._syllables
        if readable is None:
            return ToneRestorer(
                self.bm25.vocab_dict,
                lambda term_id: int(known.indptr[term_id + 1] - known.indptr[term_id]),
                syllables=known.terms,
            )
        counts = (
            np.add.reduceat(readable[known.rows], known.starts, dtype=np.int64)
            if len(known.starts)
            else known.everywhere
        )
        pairs: dict[int, int] = {}

        def frequency(term_id: int) -> int:
            position = int(known.slot[term_id])
            if position >= 0:
                return int(counts[position])
            found = pairs.get(term_id)
            if found is None:  # a pair: counted when a question first needs it
                held = known.indices[known.indptr[term_id] : known.indptr[term_id + 1]]
                found = pairs[term_id] = int(np.count_nonzero(readable[held]))
            return found

        return ToneRestorer(
            self.bm25.vocab_dict,
            frequency,
            syllables=[known.terms[i] for i in np.flatnonzero(counts).tolist()],
        )

    def text_for_model(self, query: str, *, readable: np.ndarray | None) -> str | None:
        """What the embedding model should read for ``query``: the question itself; without
        tone marks, the question with them restored from the words of the rows ``readable``
        (what the asker may read; None: every row), or None when too little of it is known to
        restore (the model cannot read folded Vietnamese)."""
        if vt.has_diacritics(query):
            return query
        restorer = self.tone_restorer(readable)
        if restorer is None:
            return None
        restored, known_share = restorer.restore(query)
        if known_share < MIN_KNOWN_SHARE or not vt.has_diacritics(restored):
            return None
        return restored

    def _bm25_scores(
        self, model: Any, terms: list[str], allowed: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(candidate rows best first, every row's score) for one BM25 field; hidden rows score 0
        and are never candidates."""
        scores = (
            np.asarray(model.get_scores(terms), dtype=np.float32)
            if terms
            else np.zeros(len(self.rows), dtype=np.float32)
        )
        if allowed is not None:
            scores = np.where(allowed, scores, np.float32(0.0))
        candidates = np.flatnonzero(scores > 0)
        if len(candidates) > DEPTH:
            top = np.argpartition(-scores[candidates], DEPTH)[:DEPTH]
            candidates = candidates[top]
        return candidates[np.argsort(-scores[candidates], kind="stable")], scores

    def _dense_ranking(
        self, query_vector: np.ndarray, allowed: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        import faiss  # noqa: PLC0415 (heavy)

        count = len(self.rows) if allowed is None else int(allowed.sum())
        k = min(DEPTH, count)
        if k == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        params = None
        if allowed is not None and count < len(self.rows):
            # The selector reads the bitmap through a raw pointer: keep ``bitmap`` referenced
            # until the search returns.
            bitmap = np.packbits(allowed, bitorder="little")
            selector = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bitmap))
            params = faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
        scores, ids = self.faiss_index.search(
            query_vector.reshape(1, -1).astype(np.float32), k, params=params
        )
        keep = ids[0] >= 0
        return ids[0][keep].astype(np.int64), scores[0][keep]

    def default_weights(
        self, query: str, *, has_vector: bool, readable: np.ndarray | None
    ) -> dict[str, float]:
        """The fusion weights for ``query``: accented; folded with the model reading the
        restored question; or the folded field alone."""
        if vt.has_diacritics(query):
            return WEIGHTS_ACCENTED
        if has_vector and self.text_for_model(query, readable=readable) is not None:
            return WEIGHTS_RESTORED
        return WEIGHTS_FOLDED

    def search(
        self,
        query: str,
        *,
        query_vector: np.ndarray | None,
        allowed: np.ndarray | None = None,
        limit: int = 10,
        weights: dict[str, float] | None = None,
        readable: np.ndarray | None = None,
    ) -> list[Hit]:
        """The best ``limit`` rows among ``allowed`` (a boolean mask; None: all), best first.
        ``query_vector`` is the embedding of ``text_for_model(query, readable=readable)`` (None
        when that is None); ``readable``: the rows the asker may read, whose words restore a
        question typed without tone marks (None: the rows ``allowed``, never more).

        Each ranking's scores are standardised by the mean and spread of its own top ``DEPTH``
        (so a BM25 score and a cosine become comparable "how far above the crowd" figures), then
        added with their weights over the union of the rankings' candidates.
        """
        if not self.rows or (allowed is not None and not allowed.any()):
            return []
        if readable is None:
            readable = allowed
        if weights is None:
            weights = self.default_weights(
                query, has_vector=query_vector is not None, readable=readable
            )
        # Typed without tone marks and read by the model with them restored: the accented field
        # reads the same restored question (folding it gives the question back).
        accented = query
        if query_vector is not None and not vt.has_diacritics(query):
            accented = self.text_for_model(query, readable=readable) or query
        fields: list[tuple[float, np.ndarray, Any]] = []  # (weight, candidates, score of a row)
        bm25_rank: dict[int, int] = {}
        for name, model, text, folded in (
            ("bm25", self.bm25, accented, False),
            ("folded", self.bm25_folded, query, True),
        ):
            if weights.get(name):
                candidates, scores = self._bm25_scores(
                    model, vt.terms(text, folded=folded), allowed
                )
                fields.append((weights[name], candidates, scores.__getitem__))
                for rank, row in enumerate(candidates.tolist(), 1):
                    bm25_rank.setdefault(row, rank)
        dense_rank: dict[int, int] = {}
        if query_vector is not None:
            ids, _scores = self._dense_ranking(query_vector, allowed)
            dense_rank = {row: rank for rank, row in enumerate(ids.tolist(), 1)}
            if weights.get("dense"):
                fields.append((weights["dense"], ids, lambda row: self._cosine(row, query_vector)))
        union = sorted({int(row) for _w, candidates, _f in fields for row in candidates})
        if not union:
            return []
        fused = np.zeros(len(union), dtype=np.float64)
        for weight, candidates, score_of in fields:
            if len(candidates) == 0:
                continue
            top = np.array([score_of(int(row)) for row in candidates], dtype=np.float64)
            mean, spread = top.mean(), top.std() + 1e-9
            fused += weight * (np.array([score_of(row) for row in union]) - mean) / spread
        best = np.argsort(-fused, kind="stable")[:limit]
        return [
            Hit(
                row=union[i],
                score=float(fused[i]),
                bm25_rank=bm25_rank.get(union[i]),
                dense_rank=dense_rank.get(union[i]),
                dense_score=self._cosine(union[i], query_vector),
            )
            for i in best.tolist()
        ]

    def _cosine(self, row: int, query_vector: np.ndarray | None) -> float:
        if query_vector is None:
            return 0.0
        return float(self.vectors[row] @ query_vector)


def vector_to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def vectors_from_bytes(blobs: Sequence[bytes], dim: int) -> np.ndarray:
    if not blobs:
        return np.zeros((0, dim), dtype=np.float32)
    joined = b"".join(bytes(b) for b in blobs)
    return np.frombuffer(joined, dtype="<f4").reshape(len(blobs), -1).astype(np.float32)


# --- The process's index, kept in step with the database ------------------------------------------

_current: LibraryIndex | None = None
_lock = threading.Lock()


def current_generation() -> str:
    return IndexState.objects.filter(pk=1).values_list("token", flat=True).first() or ""


def mark_changed() -> None:
    """Call inside the transaction that changes Chunks: every process rebuilds on its next search."""
    IndexState.objects.update_or_create(
        pk=1, defaults={"token": uuid.uuid4().hex, "changed_at": timezone.now()}
    )


def load_from_database(generation: str) -> LibraryIndex:
    rows: list[Row] = []
    texts: list[str] = []
    blobs: list[bytes] = []
    query = Chunk.objects.order_by("pk").values_list(
        "pk", "directive_id", "paper_id", "meeting_id", "context", "text", "vector"
    )
    for pk, directive_id, paper_id, meeting_id, context, body, vector in query.iterator(
        chunk_size=2000
    ):
        rows.append(Row(pk, directive_id or 0, paper_id or 0, meeting_id or 0))
        # BM25 reads the heading context and the text; the document's name goes into the
        # embedding only: in BM25 it would match every chunk of the document alike and dilute
        # the words that tell its clauses apart.
        texts.append(f"{context}\n{body}" if context else body)
        blobs.append(bytes(vector))
    dim = len(bytes(blobs[0])) // 4 if blobs else 384
    index = LibraryIndex.build(
        rows=rows, texts=texts, vectors=vectors_from_bytes(blobs, dim), generation=generation
    )
    logger.info("assistant index: %d chunks built in %.2f s", len(rows), index.build_seconds)
    return index


def current_index() -> LibraryIndex:
    """This process's index for the database's current generation (rebuilt if it moved)."""
    global _current
    generation = current_generation()
    index = _current
    if index is not None and index.generation == generation:
        return index
    with _lock:
        if _current is None or _current.generation != generation:
            _current = load_from_database(generation)
        return _current


def forget_index() -> None:
    """Drop this process's index (tests switch databases under it)."""
    global _current
    with _lock:
        _current = None
