"""`manage.py evaluate_retrieval` on a slice of the real ALQAC corpus, with the real model."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from pytest_django.fixtures import Settings

from assistant.search import evaluation
from assistant.search import text as vt

LAWS = ("Luật Cư trú", "Luật Điện ảnh")


@pytest.fixture
def alqac_slice(shared_data: Path, tmp_path: Path) -> tuple[Path, Path, list[dict[str, Any]]]:
    """Two laws' articles and the dev questions whose answer is in them (the first eight)."""
    alqac = shared_data / "alqac"
    corpus = [r for r in evaluation.read_jsonl(alqac / "corpus.jsonl") if r["law"] in LAWS]
    ids = {r["id"] for r in corpus}
    questions = [
        r
        for r in evaluation.read_jsonl(alqac / "queries_dev.jsonl")
        if set(r["relevant_ids"]) <= ids
    ][:8]
    corpus_path, queries_path = tmp_path / "corpus.jsonl", tmp_path / "queries.jsonl"
    for path, records in ((corpus_path, corpus), (queries_path, questions)):
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    return corpus_path, queries_path, questions


@pytest.fixture(scope="module")
def cache_folder(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One embedding cache for the module: the articles are embedded once."""
    return str(tmp_path_factory.mktemp("embeddings"))


def run(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("evaluate_retrieval", *args, "--json", "--per-query", stdout=out)
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


def test_reports_hybrid_and_both_baselines_from_one_run(
    alqac_slice: tuple[Path, Path, list[dict[str, Any]]], cache_folder: str
) -> None:
    corpus, queries, questions = alqac_slice
    assert len(questions) == 8
    result = run("--corpus", str(corpus), "--queries", str(queries), "--cache", cache_folder)

    for name in ("hybrid", "baseline_bm25_pairs", "bm25_pairs_chunks", "bm25_pairs_chunks_tuned"):
        figures = result[name]
        assert figures["queries"] == 8
        assert 0 <= figures["r@1"] <= figures["r@5"] <= figures["r@10"] <= 1
        assert figures["r@1"] <= figures["mrr@10"] <= figures["r@10"]
    # One BM25 document per article for the baseline; the library's chunks for the others.
    assert result["chunks"] > sum(1 for _ in corpus.open())
    ranks = result["per_query"]
    assert set(ranks) == {q["id"] for q in questions}
    # On this small library nearly every question finds its article first.
    assert sum(r["hybrid"] == 1 for r in ranks.values()) >= 6
    assert result["hybrid"]["mrr@10"] == pytest.approx(
        sum(1 / r["hybrid"] for r in ranks.values() if r["hybrid"] and r["hybrid"] <= 10) / 8,
        abs=1e-4,
    )


def test_questions_without_tone_marks(
    alqac_slice: tuple[Path, Path, list[dict[str, Any]]], cache_folder: str
) -> None:
    corpus, queries, _questions = alqac_slice
    accented = run("--corpus", str(corpus), "--queries", str(queries), "--cache", cache_folder)
    folded = run(
        "--corpus", str(corpus), "--queries", str(queries), "--cache", cache_folder,
        "--fold-diacritics",
    )  # fmt: skip
    assert folded["fold_diacritics"] is True
    assert folded["hybrid"]["mrr@10"] >= accented["hybrid"]["mrr@10"] - 0.15
    assert sum(r["hybrid"] == 1 for r in folded["per_query"].values()) >= 5


def test_calibration_proposes_thresholds_and_scores_the_current_settings(
    alqac_slice: tuple[Path, Path, list[dict[str, Any]]], cache_folder: str, settings: Settings
) -> None:
    corpus, queries, _questions = alqac_slice
    args = ("--corpus", str(corpus), "--queries", str(queries), "--cache", cache_folder)
    accented = run(*args, "--calibrate")["calibration"]
    folded = run(*args, "--calibrate", "--fold-diacritics")["calibration"]

    read, terms = folded["read_by_model"], folded["terms_only"]
    for figures in (accented, read, terms):
        assert figures["law_removed"] == 8  # every question asked again with its law taken out
        assert 6 <= figures["answered_correctly"] <= 8
        # Found answers are more confident than answers from a library without their law.
        assert figures["positive_median"] > figures["negative_median"]
        assert 0.5 < figures["accuracy"] <= 1
        assert figures["at_settings"]["accuracy"] <= figures["accuracy"]
    assert accented["at_settings"]["threshold"] == settings.ASSISTANT_MIN_CONFIDENCE
    assert read["at_settings"]["threshold"] == settings.ASSISTANT_MIN_CONFIDENCE
    assert terms["at_settings"]["threshold"] == settings.ASSISTANT_MIN_CONFIDENCE_FOLDED
    assert terms["coverage_share"] == 1.0  # the terms alone


def test_missing_or_empty_input_is_a_clear_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    with pytest.raises(CommandError, match="No such file"):
        call_command("evaluate_retrieval", "--corpus", str(tmp_path / "nope.jsonl"),
                     "--queries", str(empty))  # fmt: skip
    with pytest.raises(CommandError, match="must not be empty"):
        call_command("evaluate_retrieval", "--corpus", str(empty), "--queries", str(empty))


def test_cache_keeps_a_question_apart_from_a_passage_of_the_same_text(tmp_path: Path) -> None:
    """The query prompt and the passage prompt embed the same words differently; the cache must
    not hand a question the passage's vector (it once did)."""
    cache = evaluation.EmbeddingCache(tmp_path, "model")
    text = vt.nfc("Hồ sơ đăng ký thường trú gồm những gì?")
    passage = evaluation.embed_cached([text], lambda b: np.ones((len(b), 3)), cache)
    query = evaluation.embed_cached([text], lambda b: np.zeros((len(b), 3)), cache, role="query")
    assert passage[0].tolist() == [1, 1, 1]
    assert query[0].tolist() == [0, 0, 0]
    reloaded = evaluation.EmbeddingCache(tmp_path, "model")  # from disk

    def not_embedded(batch: list[str]) -> np.ndarray:
        raise AssertionError("the cached vector must be used, not the model")

    again = evaluation.embed_cached([text], not_embedded, reloaded, role="query")
    assert again[0].tolist() == [0, 0, 0]
