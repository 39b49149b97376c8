"""Retrieval evaluation on a JSONL corpus and questions (used by `manage.py evaluate_retrieval`).

The corpus (`id`, `title`, `text`) is chunked like a directive and indexed in a throwaway
in-memory index (the database is not touched); a document's rank is that of its best chunk.
Embeddings are cached on disk by model and text hash, so a second run only embeds the questions.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.search import chunking
from assistant.search import text as vt
from assistant.search.index import LibraryIndex, Row
from cabinet.core.text import fold

BASELINE_WEIGHTS = {"bm25": 1.0, "folded": 0.0, "dense": 0.0}
BASELINE_FOLDED_WEIGHTS = {"bm25": 0.0, "folded": 1.0, "dense": 0.0}
# The baseline is BM25 over syllables + pairs with bm25s' own defaults (Lucene's k1 and b).
BASELINE_BM25_PARAMS = (1.5, 0.75)


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    text: str


@dataclass(frozen=True)
class Query:
    id: str
    text: str
    relevant: frozenset[str]


@dataclass
class EvalIndex:
    index: LibraryIndex
    doc_of_row: list[str]
    docs: dict[str, Document]
    embed_seconds: float = 0.0
    chunk_count: int = 0


@dataclass
class Report:
    name: str
    ranks: dict[str, int | None] = field(default_factory=dict)  # query id → rank of 1st relevant

    def _share(self, k: int) -> float:
        if not self.ranks:
            return 0.0
        return sum(1 for r in self.ranks.values() if r is not None and r <= k) / len(self.ranks)

    @property
    def mrr10(self) -> float:
        if not self.ranks:
            return 0.0
        total = sum(1 / r for r in self.ranks.values() if r is not None and r <= 10)
        return total / len(self.ranks)

    def summary(self) -> dict[str, float]:
        return {
            "mrr@10": round(self.mrr10, 4),
            "r@1": round(self._share(1), 4),
            "r@5": round(self._share(5), 4),
            "r@10": round(self._share(10), 4),
            "queries": len(self.ranks),
        }


def read_jsonl(path: Path) -> Iterable[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def load_corpus(path: Path) -> list[Document]:
    return [
        Document(id=str(r["id"]), title=vt.nfc(str(r.get("title", ""))), text=vt.nfc(r["text"]))
        for r in read_jsonl(path)
    ]


def load_queries(path: Path) -> list[Query]:
    return [
        Query(
            id=str(r["id"]),
            text=vt.nfc(str(r["text"])),
            relevant=frozenset(str(x) for x in r["relevant_ids"]),
        )
        for r in read_jsonl(path)
    ]


class EmbeddingCache:
    """float32 vectors on disk, one .npy per (model, text) hash bucket file."""

    def __init__(self, folder: Path | None, model_key: str) -> None:
        self.folder = folder
        self.model_key = model_key
        self.memory: dict[str, np.ndarray] = {}
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            store = folder / f"{model_key}.npz"
            if store.exists():
                with np.load(store) as data:
                    self.memory = {key: data[key] for key in data.files}

    @staticmethod
    def key(text: str, role: str = "passage") -> str:
        # A question embeds with another prompt than a passage of the same text, so the role is
        # part of the key (passages keep the plain text hash: existing caches stay valid).
        keyed = text if role == "passage" else f"\x00{role}\x00{text}"
        return hashlib.sha256(keyed.encode()).hexdigest()[:32]

    def save(self) -> None:
        if self.folder is not None:
            target = self.folder / f"{self.model_key}.npz"
            np.savez(target.with_suffix(".tmp.npz"), **self.memory)  # type: ignore[arg-type]
            target.with_suffix(".tmp.npz").replace(target)


def model_key(model_path: Path) -> str:
    config = (model_path / "config.json").read_bytes() if model_path.is_dir() else b""
    weights = sorted(model_path.glob("*.safetensors")) if model_path.is_dir() else []
    digest = hashlib.sha256(config + b"".join(str(w.stat().st_size).encode() for w in weights))
    return digest.hexdigest()[:16]


def embed_cached(
    texts: Sequence[str],
    encode: Callable[[list[str]], np.ndarray],
    cache: EmbeddingCache,
    *,
    batch: int = 64,
    progress: Callable[[int, int], None] | None = None,
    role: str = "passage",
) -> np.ndarray:
    """``texts`` embedded by ``encode`` ("passage" or "query": ``role`` says which prompt it
    uses), from the cache where it has them."""
    keys = [cache.key(t, role) for t in texts]
    missing = [i for i, k in enumerate(keys) if k not in cache.memory]
    for first in range(0, len(missing), batch):
        part = missing[first : first + batch]
        vectors = encode([texts[i] for i in part])
        for i, vector in zip(part, vectors, strict=True):
            cache.memory[keys[i]] = vector.astype(np.float32)
        if progress:
            progress(first + len(part), len(missing))
        if (first // batch) % 20 == 19:
            cache.save()
    if missing:
        cache.save()
    return np.stack([cache.memory[k] for k in keys]) if keys else np.zeros((0, 384), np.float32)


def build_eval_index(
    docs: Sequence[Document],
    *,
    encode_passages: Callable[[list[str]], np.ndarray],
    count_tokens: Callable[[str], int],
    max_tokens: int,
    cache: EmbeddingCache,
    progress: Callable[[int, int], None] | None = None,
    granularity: str = "clause",
) -> EvalIndex:
    """``granularity``: "article" (a document whole when it fits), "clause" (the library's own
    chunks, as directives are indexed), or "both" (a document ranks by its best passage)."""
    rows: list[Row] = []
    texts: list[str] = []
    doc_of_row: list[str] = []
    for number, doc in enumerate(docs, 1):
        pieces: list[str] = []
        if granularity in ("article", "both"):
            pieces += article_pieces(doc, count_tokens=count_tokens, max_tokens=max_tokens)
        if granularity in ("clause", "both"):
            pieces += clause_pieces(doc, count_tokens=count_tokens, max_tokens=max_tokens)
        for piece in pieces:
            rows.append(Row(chunk_id=len(rows) + 1, directive_id=number, paper_id=0, meeting_id=0))
            texts.append(piece)
            doc_of_row.append(doc.id)
    started = time.perf_counter()
    vectors = embed_cached(texts, encode_passages, cache, progress=progress)
    embed_seconds = time.perf_counter() - started
    index = LibraryIndex.build(rows=rows, texts=texts, vectors=vectors, generation="eval")
    return EvalIndex(
        index=index,
        doc_of_row=doc_of_row,
        docs={d.id: d for d in docs},
        embed_seconds=embed_seconds,
        chunk_count=len(rows),
    )


def article_pieces(
    doc: Document, *, count_tokens: Callable[[str], int], max_tokens: int
) -> list[str]:
    """The document whole (with its title) when it fits the model, else the library's chunks
    merged back together, in order, as far as the model's limit allows.

    A corpus of articles is indexed a whole article to a passage (as its labels are), so that
    3,238 articles cost ~3,600 embeddings rather than one per clause (~10,000).
    """
    whole = f"{doc.title}\n{doc.text}" if doc.title else doc.text
    if count_tokens(whole) <= max_tokens:
        return [whole]
    pieces: list[str] = []
    current = doc.title
    for chunk in chunking.chunk_document([doc.text], count_tokens=count_tokens, max_tokens=400):
        candidate = f"{current}\n{chunk.text}" if current else chunk.text
        if current and current != doc.title and count_tokens(candidate) > max_tokens:
            pieces.append(current)
            candidate = f"{doc.title}\n{chunk.text}" if doc.title else chunk.text
        current = candidate
    if current:
        pieces.append(current)
    return pieces


def documents_baseline(docs: Sequence[Document]) -> EvalIndex:
    """The bigram-BM25 baseline as the corpus gives it: one BM25 document per corpus document
    (title and text), syllables + adjacent pairs, bm25s' default parameters, no chunking."""
    rows = [
        Row(chunk_id=n, directive_id=n, paper_id=0, meeting_id=0) for n in range(1, len(docs) + 1)
    ]
    texts = [f"{doc.title}\n{doc.text}" if doc.title else doc.text for doc in docs]
    index = LibraryIndex.build(
        rows=rows,
        texts=texts,
        vectors=np.zeros((len(docs), 1), dtype=np.float32),  # BM25 only: no dense field
        generation="documents-baseline",
        bm25_params=BASELINE_BM25_PARAMS,
    )
    return EvalIndex(
        index=index,
        doc_of_row=[d.id for d in docs],
        docs={d.id: d for d in docs},
        chunk_count=len(docs),
    )


def baseline_of(ev: EvalIndex) -> EvalIndex:
    """The same chunks in an index whose BM25 has the baseline's parameters (a stricter baseline
    than ``documents_baseline``: it already has the library's structure-aware chunking)."""
    index = LibraryIndex.build(
        rows=ev.index.rows,
        texts=ev.index.texts,
        vectors=ev.index.vectors,
        generation="baseline",
        bm25_params=BASELINE_BM25_PARAMS,
    )
    return EvalIndex(index=index, doc_of_row=ev.doc_of_row, docs=ev.docs, chunk_count=len(index))


def clause_pieces(
    doc: Document, *, count_tokens: Callable[[str], int], max_tokens: int
) -> list[str]:
    """The library's chunks of the document, each with the document's title and its context."""
    budget = max_tokens - (count_tokens(doc.title) + 1 if doc.title else 0)
    return [
        "\n".join(part for part in (doc.title, chunk.context, chunk.text) if part)
        for chunk in chunking.chunk_document(
            [doc.text], count_tokens=count_tokens, max_tokens=budget
        )
    ]


def query_vectors(
    ev: EvalIndex,
    texts: Sequence[str],
    encode_queries: Callable[[list[str]], np.ndarray],
    cache: EmbeddingCache,
) -> list[np.ndarray | None]:
    """Each question's embedding as the library's search takes it: of what the model should
    read (``LibraryIndex.text_for_model``: tone marks restored when typed without, from the
    whole library: every document of the evaluation is public), or None."""
    model_texts = [ev.index.text_for_model(text, readable=None) for text in texts]
    readable = [text for text in model_texts if text is not None]
    vectors = iter(embed_cached(readable, encode_queries, cache, role="query"))
    return [next(vectors) if text is not None else None for text in model_texts]


def rank_documents(
    ev: EvalIndex,
    query: str,
    query_vector: np.ndarray | None,
    *,
    weights: dict[str, float] | None = None,
    allowed: np.ndarray | None = None,
    depth: int = 50,
) -> list[tuple[str, int]]:
    """Documents in rank order (each by its best chunk), with that chunk's row."""
    hits = ev.index.search(
        query, query_vector=query_vector, allowed=allowed, limit=depth, weights=weights
    )
    seen: dict[str, int] = {}
    for hit in hits:
        seen.setdefault(ev.doc_of_row[hit.row], hit.row)
    return list(seen.items())


def evaluate(
    ev: EvalIndex,
    queries: Sequence[Query],
    vectors: Sequence[np.ndarray | None] | None,
    *,
    name: str,
    weights: dict[str, float] | None = None,
    fold_queries: bool = False,
) -> Report:
    report = Report(name=name)
    for i, query in enumerate(queries):
        text = fold(query.text) if fold_queries else query.text
        vector = vectors[i] if vectors is not None else None
        ranked = rank_documents(ev, text, vector, weights=weights)
        rank = next((n for n, (doc, _) in enumerate(ranked, 1) if doc in query.relevant), None)
        report.ranks[query.id] = rank
    return report
