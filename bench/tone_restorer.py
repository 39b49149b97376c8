"""Figures for the tone restorer: how many syllables of the ALQAC dev questions, typed without tone
marks, it gives back right, and what it costs, for the whole library and for one reader.

    .venv/bin/python bench/tone_restorer.py [--copies 1]

The library is the ALQAC corpus cut into the library's chunks (no embeddings: the restorer reads
the accented BM25 field only), repeated ``--copies`` times to reach 100,000 chunks with 10. Each
question is folded (vt.fold) and restored; a syllable counts as right when it equals the
question's own (lower case, one tone style). Readers:
- the whole library (every document public: the evaluation's case);
- a reader of a random half of the documents (the rows they may read, as retrieval masks them);
- for each question, a reader who may not read the law it is about: its words that only that law
  holds must stay as typed, which is the point, and costs some syllables.
Printed per reader: the share of syllables restored right, the restorer's build time, and the
restoring time per question (p50, p95). Runs on the code before the per-reader restorer too (the
whole library only), for a before/after from the same machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ALQAC = ROOT.parent / "shared" / "data" / "alqac"


def restorer_of(index: Any, readable: Any) -> Any:
    """The restorer for the rows ``readable``; the code before it had one for the whole index
    (untyped: the bench runs against both versions of LibraryIndex)."""
    restorer = index.tone_restorer
    if not callable(restorer):  # before: a property, the whole index only
        assert readable is None
        return restorer
    return restorer(readable)


def score(restorer: Any, questions: list[str]) -> tuple[int, int, list[float]]:
    from assistant.search import text as vt
    from cabinet.core.text import fold

    right = total = 0
    times = []
    for question in questions:
        folded = fold(question)
        started = time.perf_counter()
        restored, _known = restorer.restore(folded)
        times.append((time.perf_counter() - started) * 1000)
        want = vt.syllables(vt.one_tone_style(question.lower()))
        got = vt.syllables(restored)
        total += len(want)
        right += sum(1 for a, b in zip(want, got, strict=False) if a == b)
    return right, total, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=1)
    args = parser.parse_args()
    from assistant.search import chunking
    from assistant.search.evaluation import load_corpus, load_queries
    from assistant.search.index import LibraryIndex, Row

    docs = load_corpus(ALQAC / "corpus.jsonl")
    queries = load_queries(ALQAC / "queries_dev.jsonl")
    law_of = {doc.id: doc.id.split("|", 1)[0] for doc in docs}
    laws = sorted(set(law_of.values()))
    law_number = {law: n for n, law in enumerate(laws, 1)}
    rows: list[Row] = []
    texts: list[str] = []
    for copy in range(args.copies):
        for doc in docs:
            for piece in chunking.chunk_document([doc.text]):
                number = copy * 10_000 + law_number[law_of[doc.id]]
                rows.append(Row(len(rows) + 1, number, 0, 0))
                texts.append(f"{piece.context}\n{piece.text}" if piece.context else piece.text)
    started = time.perf_counter()
    index = LibraryIndex.build(rows=rows, texts=texts, vectors=np.zeros((len(rows), 8), np.float32))
    print(f"{len(rows)} chunks of {len(laws)} laws × {args.copies}, index built in "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip

    def report(name: str, readable: Any, questions: list[str]) -> None:
        started = time.perf_counter()
        restorer = restorer_of(index, readable)
        built = (time.perf_counter() - started) * 1000
        right, total, times = score(restorer, questions)
        print(
            f"{name}: {right / total:.1%} of the syllables restored right; restorer built in "
            f"{built:.0f} ms; restoring p50 {np.percentile(times, 50):.2f} ms, "
            f"p95 {np.percentile(times, 95):.2f} ms per question"
        )

    report("whole library", None, [q.text for q in queries])
    report("whole library, again (kept)", None, [q.text for q in queries])
    if not callable(index.tone_restorer):
        return
    rng = np.random.default_rng(7)
    documents = np.unique(index.directive_ids)
    half = np.isin(index.directive_ids, documents[rng.random(len(documents)) < 0.5])
    report("a reader of half the laws", half, [q.text for q in queries])
    # Each question asked by a reader who may not read its law (every other law readable).
    right = total = 0
    built: dict[bytes, float] = {}
    for query in queries:
        hidden = {law_number[law_of[d]] for d in query.relevant if d in law_of}
        readable = ~np.isin(index.directive_ids % 10_000, list(hidden))
        key = np.packbits(readable).tobytes()
        started = time.perf_counter()
        restorer = restorer_of(index, readable)
        built.setdefault(key, (time.perf_counter() - started) * 1000)  # the first one builds it
        one_right, one_total, _times = score(restorer, [query.text])
        right += one_right
        total += one_total
    print(
        f"a reader who may not read the question's law: {right / total:.1%} of the syllables "
        f"restored right; {len(built)} readers' restorers built in p50 "
        f"{np.percentile(list(built.values()), 50):.0f} ms"
    )


if __name__ == "__main__":
    main()
