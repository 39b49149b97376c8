"""Figures for the assistant: ingest speed and query latency at 10k and 100k chunks.

    .venv/bin/python bench/assistant.py [--sizes 10000,100000] [--queries 200] [--skip-ingest]

- ingest: the real decree (../shared/data/directives/nd-30-2020-cong-tac-van-thu.pdf) read by the
  sandboxed PDF probe, chunked with the model's token counter and embedded on ONE torch thread,
  as the task worker does: chunks per second per core, each stage timed; the same for 300 ALQAC
  articles given as text (short statute clauses, the typical directive chunk).
- query: a synthetic library made from the ALQAC corpus cut into the library's chunks (about
  10,000) and repeated to the size asked, each copy's texts marked and its vectors jittered
  (flat search costs the same whatever the vectors say); 200 dev questions, their embeddings
  computed once. Per question: the access mask (half of the documents visible, np.isin as in
  retrieval.allowed_mask), BM25 on both fields and FAISS over the visible rows, fusion. Printed:
  p50/p95 of that search, the question's embedding on one thread, their sum, and the ratio to a
  BM25-only search of the same library in the same run (the baseline).
Daphne is not running: these are the costs a request adds on an idle server.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # imported in the functions, after django.setup()
    from assistant.search.embedding.encoder import Encoder

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cabinet.settings")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
SHARED = ROOT.parent / "shared" / "data"
ALQAC = SHARED / "alqac"
DECREE = SHARED / "directives" / "nd-30-2020-cong-tac-van-thu.pdf"


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q)) if values else 0.0


def encoder_one_thread() -> Encoder:
    from django.conf import settings

    from assistant.search.embedding.encoder import Encoder

    encoder = Encoder(settings.EMBEDDING_MODEL, threads=1)
    encoder.encode_passages(["khởi động"])  # load outside the timings
    return encoder


def ingest(encoder: Encoder) -> None:
    from assistant.search import chunking
    from assistant.search.evaluation import load_corpus
    from cabinet.papers.lib.sandbox import parse_json_line
    from cabinet.papers.services.processing import run_pdf_probe

    def embed(pieces: list[chunking.Chunk]) -> float:
        started = time.perf_counter()
        for first in range(0, len(pieces), 128):
            batch = pieces[first : first + 128]
            encoder.encode_passages([f"{c.context}\n{c.text}" for c in batch])
        return time.perf_counter() - started

    if DECREE.is_file():
        pages: list[str] = []
        started = time.perf_counter()
        run_pdf_probe(
            DECREE,
            on_line=lambda line: (
                pages.append(str(message.get("text", "")))
                if (message := parse_json_line(line)) and "page" in message
                else None
            ),
        )
        read = time.perf_counter() - started
        started = time.perf_counter()
        pieces = chunking.chunk_document(
            pages, count_tokens=encoder.count_tokens, max_tokens=encoder.max_tokens
        )
        chunked = time.perf_counter() - started
        embedded = embed(pieces)
        total = read + chunked + embedded
        print(
            f"ingest, Decree 30 PDF ({len(pages)} pages → {len(pieces)} chunks): "
            f"read {read:.2f} s, chunk {chunked:.2f} s, embed {embedded:.2f} s on 1 thread → "
            f"{len(pieces) / total:.1f} chunks/s/core ({len(pieces) / embedded:.1f} embedding only)"
        )
    if (ALQAC / "corpus.jsonl").is_file():
        docs = load_corpus(ALQAC / "corpus.jsonl")[:300]
        started = time.perf_counter()
        pieces = [
            c
            for d in docs
            for c in chunking.chunk_document(
                [d.text], count_tokens=encoder.count_tokens, max_tokens=encoder.max_tokens
            )
        ]
        chunked = time.perf_counter() - started
        embedded = embed(pieces)
        print(
            f"ingest, 300 ALQAC articles as text ({len(pieces)} chunks): chunk {chunked:.2f} s, "
            f"embed {embedded:.2f} s on 1 thread → "
            f"{len(pieces) / (chunked + embedded):.1f} chunks/s/core"
        )


def base_chunks() -> list[tuple[int, str]]:
    """(article number, chunk text) for the ALQAC corpus cut as the library cuts documents."""
    from assistant.search import chunking
    from assistant.search.evaluation import load_corpus

    chunks = []
    for number, doc in enumerate(load_corpus(ALQAC / "corpus.jsonl"), 1):
        for c in chunking.chunk_document([doc.text]):
            chunks.append((number, f"{doc.title}\n{c.context}\n{c.text}"))
    return chunks


def query_latency(encoder: Encoder, sizes: list[int], query_count: int) -> None:
    from assistant.search.evaluation import load_queries
    from assistant.search.index import LibraryIndex, Row
    from cabinet.core.text import fold

    base = base_chunks()
    queries = [q.text for q in load_queries(ALQAC / "queries_dev.jsonl")[:query_count]]
    started = time.perf_counter()
    query_vectors = encoder.encode_queries(queries)
    embed_ms = []
    for text in queries[:50]:
        t0 = time.perf_counter()
        encoder.encode_queries([text])
        embed_ms.append((time.perf_counter() - t0) * 1000)
    print(
        f"question embedding on 1 thread: p50 {percentile(embed_ms, 50):.1f} ms, "
        f"p95 {percentile(embed_ms, 95):.1f} ms ({time.perf_counter() - started:.0f} s)"
    )
    rng = np.random.default_rng(7)
    dim = query_vectors.shape[1]
    # One direction per article, so that chunks of one article sit together as real ones do.
    article_vectors = rng.normal(size=(max(a for a, _ in base) + 1, dim)).astype(np.float32)
    for size in sizes:
        rows: list[Row] = []
        texts: list[str] = []
        vectors: list[np.ndarray] = []
        copy = 0
        while len(rows) < size:
            for article, text in base:
                if len(rows) >= size:
                    break
                document = copy * 10_000 + article
                rows.append(Row(len(rows) + 1, document, 0, 0))
                texts.append(text if copy == 0 else f"{text} (bản {copy})")
                vectors.append(article_vectors[article] + rng.normal(scale=0.3, size=dim))
            copy += 1
        matrix = np.asarray(vectors, dtype=np.float32)
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
        started = time.perf_counter()
        index = LibraryIndex.build(rows=rows, texts=texts, vectors=matrix, generation="bench")
        build = time.perf_counter() - started
        documents = np.unique(index.directive_ids)
        visible = documents[rng.random(len(documents)) < 0.5]
        hybrid_ms, bm25_ms, folded_ms = [], [], []
        # The tone restorer is built on a reader's first question typed without marks, from the
        # rows they may read (here the visible half); the first also lays out the syllables.
        t0 = time.perf_counter()
        index.text_for_model("so hoa", readable=None)
        restorer_ms = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        index.text_for_model("so hoa", readable=np.isin(index.directive_ids, visible))
        reader_ms = (time.perf_counter() - t0) * 1000
        for i, question in enumerate(queries):
            t0 = time.perf_counter()
            mask = np.isin(index.directive_ids, visible)
            index.search(question, query_vector=query_vectors[i], allowed=mask, limit=8)
            hybrid_ms.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            index.search(
                question,
                query_vector=None,
                allowed=mask,
                limit=8,
                weights={"bm25": 1.0, "folded": 0.0, "dense": 0.0},
            )
            bm25_ms.append((time.perf_counter() - t0) * 1000)
            # Typed without tone marks: restore them (for the model), then search both ways. The
            # vector stands in for the restored question's embedding (timed above).
            folded = fold(question)
            t0 = time.perf_counter()
            readable = index.text_for_model(folded, readable=mask)
            vector = query_vectors[i] if readable else None
            index.search(folded, query_vector=vector, allowed=mask, limit=8)
            folded_ms.append((time.perf_counter() - t0) * 1000)
        p50, p95 = percentile(hybrid_ms, 50), percentile(hybrid_ms, 95)
        print(
            f"{size:>7} chunks (index built in {build:.0f} s): search p50 {p50:.1f} ms, "
            f"p95 {p95:.1f} ms; with the question's embedding p95 "
            f"{p95 + percentile(embed_ms, 95):.1f} ms; BM25-only baseline p95 "
            f"{percentile(bm25_ms, 95):.1f} ms (hybrid/baseline {p95 / percentile(bm25_ms, 95):.2f})"
        )
        print(
            f"{size:>7} chunks, typed without tone marks (restored, then searched): p50 "
            f"{percentile(folded_ms, 50):.1f} ms, p95 {percentile(folded_ms, 95):.1f} ms; "
            f"the whole library's restorer built in {restorer_ms:.0f} ms, one reader's "
            f"(half the documents) in {reader_ms:.0f} ms"
        )
        del index, rows, texts, vectors, matrix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--skip-ingest", action="store_true")
    args = parser.parse_args()
    import django

    django.setup()
    if not (ALQAC / "corpus.jsonl").is_file():
        raise SystemExit(f"needs the shared data at {SHARED}")
    encoder = encoder_one_thread()
    if not args.skip_ingest:
        ingest(encoder)
    query_latency(encoder, [int(s) for s in args.sizes.split(",")], args.queries)


if __name__ == "__main__":
    main()
