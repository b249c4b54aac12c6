"""Open a published generation and check that its parts agree with each other and the model."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from indexer.errors import IndexCorruptError
from indexer.index.generations import current_dir
from indexer.index.layout import LEXICAL_DIR, STORE_FILE, VECTORS_FILE
from indexer.index.lexical import LexicalIndex
from indexer.index.manifest import Manifest, check_model, read_manifest
from indexer.index.store import Store
from indexer.index.vectors import VectorIndex, read_vectors, vector_files

REBUILD = "run `askreport index --full` to rebuild the index"


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
        """The directory's name, which is what CURRENT names (a copy may differ from the manifest's)."""
        return self.path.name

    def close(self) -> None:
        self.store.close()


def open_generation(path: Path, model_name: str | None = None, dim: int | None = None) -> IndexGeneration:
    """Load a generation directory; with a model name and dim, refuse a mismatch.

    Raises:
        IndexCorruptError: a part is missing, unreadable or disagrees with the others, whatever the cause.
        IndexMismatchError: the generation was built with another model or format version.
    """
    manifest = read_manifest(path)
    if model_name is not None and dim is not None:
        check_model(manifest, path, model_name, dim)
    for part in (*vector_files(manifest.vector_index), STORE_FILE, LEXICAL_DIR):
        if not (path / part).exists():
            raise IndexCorruptError(f"{path} has no {part}: {REBUILD}")
    vectors, lexical, store, titles = _read_parts(path, manifest)
    try:
        _check_agreement(path, manifest, vectors, lexical, store)
    except BaseException:
        store.close()
        raise
    return IndexGeneration(path, manifest, vectors, lexical, store, titles)


def _read_parts(path: Path, manifest: Manifest) -> tuple[VectorIndex, LexicalIndex, Store, dict[str, str]]:
    """Read the vectors, BM25 index, store and titles; any failure becomes an IndexCorruptError naming the file."""
    store: Store | None = None
    part = VECTORS_FILE
    try:
        vectors = read_vectors(path, manifest.vector_index, manifest.model_dim)
        part = LEXICAL_DIR
        lexical = LexicalIndex.load(path / LEXICAL_DIR)
        part = STORE_FILE
        store = Store(path / STORE_FILE)
        titles = store.titles()  # SQLite reads the file only now
    except IndexCorruptError:
        raise
    except Exception as exc:  # numpy, FAISS, bm25s and SQLite raise many types for a damaged file
        if store is not None:
            store.close()
        raise IndexCorruptError(f"{path / part} cannot be read ({type(exc).__name__}: {exc}): {REBUILD}") from exc
    return vectors, lexical, store, titles


def _check_agreement(path: Path, manifest: Manifest, vectors: VectorIndex, lexical: LexicalIndex, store: Store) -> None:
    """IndexCorruptError unless the counts agree with the manifest and every chunk's links resolve."""
    try:
        bm25_rows, rows, documents = lexical.size, store.chunk_count(), store.document_count()
        problems = store.integrity_problems()
    except (sqlite3.Error, KeyError) as exc:  # KeyError: BM25 parameters without their row count
        raise IndexCorruptError(f"{path} cannot be read ({type(exc).__name__}: {exc}): {REBUILD}") from exc
    if not vectors.ntotal == bm25_rows == rows == manifest.chunk_count:
        raise IndexCorruptError(
            f"{path} is inconsistent: {vectors.ntotal} vectors, {bm25_rows} BM25 rows, "
            f"{rows} chunk rows, manifest says {manifest.chunk_count}: {REBUILD}"
        )
    if documents != len(manifest.documents):
        problems.append(f"{documents} document rows, manifest lists {len(manifest.documents)}")
    if problems:
        raise IndexCorruptError(f"{path / STORE_FILE} is inconsistent: {'; '.join(problems)}: {REBUILD}")


def open_current(root: Path, model_name: str | None = None, dim: int | None = None) -> IndexGeneration:
    """Load the generation that `root/CURRENT` points at."""
    return open_generation(current_dir(root), model_name, dim)
