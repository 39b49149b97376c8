"""Measure retrieval on a JSONL corpus and questions, against the bigram-BM25 baseline.

    python manage.py evaluate_retrieval --corpus ../shared/data/alqac/corpus.jsonl \\
        --queries ../shared/data/alqac/queries_dev.jsonl [--fold-diacritics] [--json]
        [--calibrate] [--per-query]

Prints MRR@10 and Recall@1/5/10 of the assistant's hybrid retrieval and, from the same run:
- the baseline: BM25 over syllables + adjacent pairs with bm25s' default parameters, each corpus
  document (title and text) one BM25 document, as the corpus gives it;
- the same BM25 over the library's chunks (a stricter baseline: it already has the library's
  structure-aware chunking), with bm25s' defaults and with the library's tuned parameters.
With --fold-diacritics the questions are stripped of their tone marks first (and the lexical
figures use the folded field). --calibrate also measures the answer confidence on found answers
against questions whose documents were taken out of the library, proposes
ASSISTANT_MIN_CONFIDENCE (and, with --fold-diacritics, ASSISTANT_MIN_CONFIDENCE_FOLDED) and
shows how the current settings do. Embeddings are cached under DATA_DIR/cache/evaluation.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from assistant.answers.ask import COVERAGE_SHARE, confidence_of, judged_reading
from assistant.search import evaluation
from assistant.search import text as vt
from assistant.search.embedding.encoder import get_encoder
from assistant.search.retrieval import term_weights
from cabinet.core.text import fold as fold_text

# The confidence's inputs for one question's top hit: the passage's text, its cosine (None:
# the question was not read by the model), the terms' weights, whether the question was folded.
Features = tuple[str, float | None, dict[str, float], bool]


class Command(BaseCommand):
    help = "Evaluate retrieval (MRR@10, Recall@k) on a JSONL corpus and questions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--corpus", type=Path, required=True)
        parser.add_argument("--queries", type=Path, required=True)
        parser.add_argument("--fold-diacritics", action="store_true")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--per-query", action="store_true", help="print every query's rank")
        parser.add_argument("--calibrate", action="store_true")
        parser.add_argument("--limit", type=int, default=0, help="first N queries only")
        parser.add_argument("--weights", help='e.g. \'{"bm25": 1, "dense": 0.8}\' (tuning)')
        parser.add_argument("--cache", type=Path, help="embedding cache folder")
        parser.add_argument(
            "--granularity",
            choices=["article", "clause", "both"],
            default="clause",
            help="index the library's chunks (default), each document whole, or both",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for name in ("corpus", "queries"):
            if not options[name].is_file():
                raise CommandError(f"No such file: {options[name]}")
        docs = evaluation.load_corpus(options["corpus"])
        queries = evaluation.load_queries(options["queries"])
        if options["limit"]:
            queries = queries[: options["limit"]]
        if not docs or not queries:
            raise CommandError("The corpus and the queries must not be empty.")
        quiet = options["json"]

        def say(text: str) -> None:
            if not quiet:
                self.stdout.write(text)

        encoder = get_encoder()
        cache = evaluation.EmbeddingCache(
            options["cache"] or Path(settings.DATA_DIR) / "cache" / "evaluation",
            evaluation.model_key(Path(settings.EMBEDDING_MODEL)),
        )
        say(f"Indexing {len(docs)} documents with {settings.EMBEDDING_MODEL.name} …")
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            if not quiet and (done % 512 < 64 or done == total):
                self.stderr.write(f"  embedded {done}/{total}")

        ev = evaluation.build_eval_index(
            docs,
            encode_passages=lambda texts: encoder.encode_passages(texts),
            count_tokens=lambda text: encoder.count_tokens(text),
            max_tokens=encoder.max_tokens,
            cache=cache,
            progress=progress,
            granularity=options["granularity"],
        )
        say(
            f"  {ev.chunk_count} chunks in {time.perf_counter() - started:.1f} s "
            f"(embedding {ev.embed_seconds:.1f} s, index {ev.index.build_seconds:.1f} s)"
        )
        fold = options["fold_diacritics"]
        texts = [fold_text(q.text) if fold else q.text for q in queries]
        vectors = evaluation.query_vectors(
            ev, texts, lambda batch: encoder.encode_queries(batch), cache
        )
        weights = json.loads(options["weights"]) if options["weights"] else None
        started = time.perf_counter()
        hybrid = evaluation.evaluate(
            ev, queries, vectors, name="hybrid", weights=weights, fold_queries=fold
        )
        query_seconds = (time.perf_counter() - started) / len(queries)
        lexical = evaluation.BASELINE_FOLDED_WEIGHTS if fold else evaluation.BASELINE_WEIGHTS

        def lexical_only(index: evaluation.EvalIndex, name: str) -> evaluation.Report:
            return evaluation.evaluate(
                index, queries, None, name=name, weights=lexical, fold_queries=fold
            )

        baseline = lexical_only(evaluation.documents_baseline(docs), "bm25-pairs")
        chunked = lexical_only(evaluation.baseline_of(ev), "bm25-chunks")
        tuned = lexical_only(ev, "chunks-tuned")
        result: dict[str, Any] = {
            "corpus": str(options["corpus"]),
            "queries": str(options["queries"]),
            "fold_diacritics": fold,
            "chunks": ev.chunk_count,
            "granularity": options["granularity"],
            "hybrid": hybrid.summary(),
            "baseline_bm25_pairs": baseline.summary(),
            "bm25_pairs_chunks": chunked.summary(),
            "bm25_pairs_chunks_tuned": tuned.summary(),
            "ms_per_query": round(query_seconds * 1000, 1),
        }
        if options["calibrate"]:
            result["calibration"] = self.calibrate(ev, queries, vectors, fold=fold)
        if options["per_query"]:
            result["per_query"] = {
                q: {
                    "hybrid": hybrid.ranks[q],
                    "baseline": baseline.ranks[q],
                    "chunks": chunked.ranks[q],
                }
                for q in hybrid.ranks
            }
        if quiet:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=1))
            return
        for report in (hybrid, baseline, chunked, tuned):
            figures = report.summary()
            self.stdout.write(
                f"{report.name:>12}: MRR@10 {figures['mrr@10']:.4f}  R@1 {figures['r@1']:.4f}  "
                f"R@5 {figures['r@5']:.4f}  R@10 {figures['r@10']:.4f}  ({figures['queries']} q)"
            )
        self.stdout.write(
            f"  hybrid − baseline: {100 * (hybrid.mrr10 - baseline.mrr10):+.1f} MRR@10 points "
            f"({100 * (hybrid.mrr10 - chunked.mrr10):+.1f} against BM25 over the same chunks); "
            f"{result['ms_per_query']} ms per question"
        )
        if options["calibrate"]:
            self.stdout.write(json.dumps(result["calibration"], ensure_ascii=False, indent=1))
        if options["per_query"]:
            for q in hybrid.ranks:
                ranks = (hybrid.ranks[q], baseline.ranks[q], chunked.ranks[q])
                self.stdout.write("\t".join([q, *(str(r) for r in ranks)]))

    def calibrate(
        self,
        ev: evaluation.EvalIndex,
        queries: list[evaluation.Query],
        vectors: list[np.ndarray | None],
        *,
        fold: bool,
    ) -> dict[str, Any]:
        """How well the answer confidence separates questions the library answers (top document
        relevant) from the same questions with their law taken out, and the coverage share and
        threshold that separate them best. The questions as the model reads them (with tone
        marks, or typed without and restored) are judged against ASSISTANT_MIN_CONFIDENCE; typed
        without tone marks, the terms alone are measured too (a question the model cannot read),
        for ASSISTANT_MIN_CONFIDENCE_FOLDED."""
        read = self.separate(
            *self.top_hits(ev, queries, vectors, fold=fold),
            shares=[0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0],
            setting=(COVERAGE_SHARE, settings.ASSISTANT_MIN_CONFIDENCE),
        )
        if not fold:
            return read
        terms_only = self.separate(
            *self.top_hits(ev, queries, [None] * len(queries), fold=fold),
            shares=[1.0],
            setting=(1.0, settings.ASSISTANT_MIN_CONFIDENCE_FOLDED),
        )
        return {"read_by_model": read, "terms_only": terms_only}

    @staticmethod
    def top_hits(
        ev: evaluation.EvalIndex,
        queries: list[evaluation.Query],
        vectors: list[np.ndarray | None],
        *,
        fold: bool,
    ) -> tuple[list[Features], list[Features]]:
        """The confidence inputs (passage text, cosine or None, weights, folded) of the top hit,
        for the questions answered and for the same questions with their law taken out."""

        def law(doc_id: str) -> str:
            return doc_id.split("|", 1)[0]

        doc_laws = np.array([law(d) for d in ev.doc_of_row])
        # The law is taken out of the ranking; the tone marks are restored from every document,
        # as for the questions' vectors (query_vectors).
        everything = np.ones(len(ev.index), dtype=bool)
        positives: list[Features] = []
        negatives: list[Features] = []
        for query, vector in zip(queries, vectors, strict=True):
            text = fold_text(query.text) if fold else query.text
            understood = judged_reading(
                text, ev.index, read_by_model=vector is not None, readable=None
            )
            weights = term_weights(understood, ev.index, readable=None)
            folded = not vt.has_diacritics(understood)
            for removed in (False, True):
                allowed = None
                if removed:
                    allowed = ~np.isin(doc_laws, [law(r) for r in query.relevant])
                hits = ev.index.search(
                    text, query_vector=vector, allowed=allowed, limit=1, readable=everything
                )
                if not hits:
                    continue
                hit = hits[0]
                cosine = hit.dense_score if vector is not None else None
                features = (ev.index.texts[hit.row], cosine, weights, folded)
                if removed:
                    negatives.append(features)
                elif ev.doc_of_row[hit.row] in query.relevant:
                    positives.append(features)
        return positives, negatives

    @staticmethod
    def separate(
        positives: list[Features],
        negatives: list[Features],
        *,
        shares: list[float],
        setting: tuple[float, float],
    ) -> dict[str, Any]:
        """The (coverage share, threshold) with the best accuracy, and the accuracy of the
        current ``setting``."""

        def confidences(share: float) -> tuple[list[float], list[float]]:
            def one(f: Features) -> float:
                return confidence_of(*f[:3], folded=f[3], coverage_share=share)

            return [one(f) for f in positives], [one(f) for f in negatives]

        def scores(found: list[float], missing: list[float], threshold: float) -> dict[str, float]:
            kept = sum(c >= threshold for c in found)
            refused = sum(c < threshold for c in missing)
            return {
                "accuracy": round((kept + refused) / max(1, len(found) + len(missing)), 4),
                "found_kept": round(kept / max(1, len(found)), 4),
                "missing_refused": round(refused / max(1, len(missing)), 4),
            }

        best: tuple[float, float, float] = (-1.0, 0.0, 0.0)  # accuracy, threshold, share
        for share in shares:
            found, missing = confidences(share)
            for threshold in np.arange(0.05, 0.96, 0.01):
                accuracy = scores(found, missing, float(threshold))["accuracy"]
                if accuracy > best[0]:
                    best = (accuracy, round(float(threshold), 2), share)
        _accuracy, threshold, share = best
        found, missing = confidences(share)
        current_share, current_threshold = setting
        return {
            "answered_correctly": len(found),
            "law_removed": len(missing),
            "coverage_share": share,
            "threshold": threshold,
            **scores(found, missing, threshold),
            "positive_median": round(float(np.median(found)), 3) if found else None,
            "negative_median": round(float(np.median(missing)), 3) if missing else None,
            "at_settings": {
                "coverage_share": current_share,
                "threshold": current_threshold,
                **scores(*confidences(current_share), current_threshold),
            },
        }
