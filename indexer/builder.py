"""Build a new index generation from a corpus directory and publish it."""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from indexer.chunking import ChunkerSettings, chunk_document
from indexer.embedding import Embedder
from indexer.errors import EmptyCorpusError
from indexer.generations import new_generation_name, publish, staging_dir
from indexer.index import STORE_FILE
from indexer.loaders import load_corpus
from indexer.manifest import MANIFEST_FILE, DocumentEntry, Manifest
from indexer.models import Chunk, Document, SkippedFile
from indexer.store import write_store
from indexer.vectors import INDEX_TYPE, VECTORS_FILE, build_vectors, write_vectors

Progress = Callable[[int, int], None]
"""Called as `progress(done, total)` while chunks are embedded."""

EMBED_BATCH = 64


@dataclass(frozen=True)
class BuildSummary:
    """What a build produced."""

    generation: str
    path: Path
    documents: int
    chunks: int
    skipped: tuple[SkippedFile, ...]
    seconds: float


def chunk_hash(model_name: str, chunk: Chunk) -> str:
    """Content hash of a chunk: what was embedded and by which model."""
    return hashlib.sha256(f"{model_name}\n{chunk.embed_text}".encode()).hexdigest()


def build_index(
    corpus_dir: Path,
    index_root: Path,
    embedder: Embedder,
    chunker: ChunkerSettings | None = None,
    progress: Progress | None = None,
) -> BuildSummary:
    """Load, chunk and embed the corpus into a new generation, then publish it.

    Raises:
        CorpusNotFoundError: the corpus directory does not exist.
        EmptyCorpusError: no file in it could be indexed (the live generation stays).
    """
    started = time.perf_counter()
    chunker = chunker or ChunkerSettings(max_tokens=embedder.max_tokens)
    loaded = load_corpus(corpus_dir)
    if not loaded.documents:
        raise EmptyCorpusError(_empty_message(corpus_dir, loaded.skipped))
    chunks = [c for d in loaded.documents for c in chunk_document(d, embedder.count_tokens, chunker)]
    vectors = embed_all(embedder, [c.embed_text for c in chunks], progress)
    name = new_generation_name()
    staging = staging_dir(index_root, name)
    try:
        _write_generation(staging, name, embedder, chunker, loaded.documents, chunks, vectors, loaded.skipped)
        final = publish(index_root, staging, name)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BuildSummary(
        name, final, len(loaded.documents), len(chunks), loaded.skipped, time.perf_counter() - started
    )


def embed_all(embedder: Embedder, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
    """Embed texts in batches, reporting progress after each batch."""
    parts = [np.zeros((0, embedder.dim), dtype=np.float32)]
    if progress is not None:
        progress(0, len(texts))
    for start in range(0, len(texts), EMBED_BATCH):
        parts.append(embedder.embed(texts[start : start + EMBED_BATCH]))
        if progress is not None:
            progress(min(start + EMBED_BATCH, len(texts)), len(texts))
    return np.vstack(parts)


def _write_generation(
    path: Path,
    name: str,
    embedder: Embedder,
    chunker: ChunkerSettings,
    documents: Sequence[Document],
    chunks: Sequence[Chunk],
    vectors: np.ndarray,
    skipped: Sequence[SkippedFile],
) -> None:
    hashes = [chunk_hash(embedder.name, c) for c in chunks]
    write_store(path / STORE_FILE, documents, chunks, hashes)
    write_vectors(build_vectors(vectors, embedder.dim), path / VECTORS_FILE)
    per_doc = {d.id: 0 for d in documents}
    for c in chunks:
        per_doc[c.document_id] += 1
    manifest = Manifest(
        generation=name,
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        model_name=embedder.name,
        model_dim=embedder.dim,
        chunker=chunker,
        index_type=INDEX_TYPE,
        chunk_count=len(chunks),
        documents=tuple(DocumentEntry(d.id, d.title, d.content_hash, per_doc[d.id]) for d in documents),
        skipped=tuple(skipped),
    )
    (path / MANIFEST_FILE).write_text(manifest.to_json(), encoding="utf-8")


def _empty_message(corpus_dir: Path, skipped: Sequence[SkippedFile]) -> str:
    base = f"no document in {corpus_dir} could be indexed: add .txt or .md files"
    if not skipped:
        return base
    reasons = "; ".join(f"{s.path}: {s.reason}" for s in skipped[:5])
    return f"{base} (skipped {reasons})"
