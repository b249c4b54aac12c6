"""Write the files of one generation: SQLite store, vectors (and HNSW graph), BM25, and the manifest last."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from indexer.documents.chunking import ChunkerSettings
from indexer.index.layout import LEXICAL_DIR, MANIFEST_FILE, STORE_FILE
from indexer.index.lexical import LexicalIndex
from indexer.index.manifest import DocumentEntry, Manifest
from indexer.index.store import write_store
from indexer.index.vectors import VectorIndexSpec, write_vectors
from indexer.models import Chunk, Document, SkippedFile


@dataclass(frozen=True, eq=False)  # eq=False: a numpy array has no single truth value
class GenerationContents:
    """Everything a generation's files hold: row i of `vectors` and of the store is chunk i.

    `graph_from`: the previous generation's HNSW graph, when it indexes exactly these vectors.
    """

    name: str
    model_name: str
    model_dim: int
    chunker: ChunkerSettings
    documents: tuple[Document, ...]
    chunks: tuple[Chunk, ...]
    hashes: tuple[str, ...]
    vectors: np.ndarray
    skipped: tuple[SkippedFile, ...]
    vector_index: VectorIndexSpec
    graph_from: Path | None = None


def write_generation(path: Path, contents: GenerationContents) -> None:
    """Write a complete generation into `path`; the manifest goes last."""
    write_store(path / STORE_FILE, contents.documents, contents.chunks, contents.hashes)
    write_vectors(path, contents.vectors, contents.vector_index, contents.graph_from)
    LexicalIndex.build([c.embed_text for c in contents.chunks]).save(path / LEXICAL_DIR)
    (path / MANIFEST_FILE).write_text(_manifest(contents).to_json(), encoding="utf-8")


def _manifest(contents: GenerationContents) -> Manifest:
    per_doc = dict.fromkeys((d.id for d in contents.documents), 0)
    for c in contents.chunks:
        per_doc[c.document_id] += 1
    return Manifest(
        generation=contents.name,
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        model_name=contents.model_name,
        model_dim=contents.model_dim,
        chunker=contents.chunker,
        index_type=contents.vector_index.describe(),
        vector_index=contents.vector_index,
        chunk_count=len(contents.chunks),
        documents=tuple(
            DocumentEntry(d.id, d.title, d.content_hash, per_doc[d.id], d.unreadable_pages) for d in contents.documents
        ),
        skipped=contents.skipped,
    )
