"""Open a published generation and check that its parts agree with each other and the model."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from indexer.errors import IndexCorruptError
from indexer.generations import current_dir
from indexer.lexical import LEXICAL_DIR, LexicalIndex
from indexer.manifest import Manifest, check_model, read_manifest
from indexer.store import Store
from indexer.vectors import VectorIndex, read_vectors, vector_files

STORE_FILE = "chunks.sqlite3"


@dataclass(frozen=True)
class IndexGeneration:
    """A loaded generation: its manifest, vectors, BM25 index and SQLite store."""

    path: Path
    manifest: Manifest
    vectors: VectorIndex
    lexical: LexicalIndex
    store: Store
    titles: dict[str, str]

    @property
    def name(self) -> str:
        return self.manifest.generation

    def close(self) -> None:
        self.store.close()


def open_generation(path: Path, model_name: str | None = None, dim: int | None = None) -> IndexGeneration:
    """Load a generation directory; with a model name and dim, refuse a mismatch."""
    manifest = read_manifest(path)
    if model_name is not None and dim is not None:
        check_model(manifest, path, model_name, dim)
    for part in (*vector_files(manifest.vector_index), STORE_FILE, LEXICAL_DIR):
        if not (path / part).exists():
            raise IndexCorruptError(f"{path} has no {part}: run `askreport index --full` to rebuild the index")
    try:
        vectors = read_vectors(path, manifest.vector_index, manifest.model_dim)
        lexical = LexicalIndex.load(path / LEXICAL_DIR)
        store = Store(path / STORE_FILE)
        rows = store.chunk_count()
    except (
        RuntimeError,
        sqlite3.Error,
        OSError,
        ValueError,
        KeyError,
    ) as exc:  # faiss raises RuntimeError for a damaged file
        raise IndexCorruptError(
            f"{path} cannot be read ({exc}): run `askreport index --full` to rebuild the index"
        ) from exc
    if not vectors.ntotal == lexical.size == rows == manifest.chunk_count:
        store.close()
        raise IndexCorruptError(
            f"{path} is inconsistent: {vectors.ntotal} vectors, {lexical.size} BM25 rows, "
            f"{rows} chunk rows, manifest says "
            f"{manifest.chunk_count}: run `askreport index --full` to rebuild the index"
        )
    return IndexGeneration(path, manifest, vectors, lexical, store, store.titles())


def open_current(root: Path, model_name: str | None = None, dim: int | None = None) -> IndexGeneration:
    """Load the generation that `root/CURRENT` points at."""
    return open_generation(current_dir(root), model_name, dim)
