"""Write the files of one generation: SQLite store, vectors (and HNSW graph), BM25, and the manifest last."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from indexer.documents.chunking import ChunkerSettings
from indexer.embedding.model import Embedder
from indexer.index.lexical import LEXICAL_DIR, LexicalIndex
from indexer.index.loading import STORE_FILE
from indexer.index.manifest import MANIFEST_FILE, DocumentEntry, Manifest
from indexer.index.store import write_store
from indexer.index.vectors import VectorIndexSpec, write_vectors
from indexer.models import Chunk, Document, SkippedFile


def chunk_hash(model_name: str, chunk: Chunk) -> str:
    """Content hash of a chunk: what was embedded and by which model."""
    return hashlib.sha256(f"{model_name}\n{chunk.embed_text}".encode()).hexdigest()


def write_generation(
    path: Path,
    name: str,
    embedder: Embedder,
    chunker: ChunkerSettings,
    documents: Sequence[Document],
    chunks: Sequence[Chunk],
    hashes: Sequence[str],
    vectors: np.ndarray,
    skipped: Sequence[SkippedFile],
    vector_index: VectorIndexSpec,
    graph_from: Path | None = None,
) -> None:
    """Write a complete generation into `path`; the manifest goes last.

    `graph_from`: the previous generation's HNSW graph, when it indexes exactly these vectors.
    """
    write_store(path / STORE_FILE, documents, chunks, hashes)
    write_vectors(path, vectors, vector_index, graph_from)
    LexicalIndex.build([c.embed_text for c in chunks]).save(path / LEXICAL_DIR)
    per_doc = dict.fromkeys((d.id for d in documents), 0)
    for c in chunks:
        per_doc[c.document_id] += 1
    manifest = Manifest(
        generation=name,
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        model_name=embedder.name,
        model_dim=embedder.dim,
        chunker=chunker,
        index_type=vector_index.describe(),
        vector_index=vector_index,
        chunk_count=len(chunks),
        documents=tuple(DocumentEntry(d.id, d.title, d.content_hash, per_doc[d.id]) for d in documents),
        skipped=tuple(skipped),
    )
    (path / MANIFEST_FILE).write_text(manifest.to_json(), encoding="utf-8")
