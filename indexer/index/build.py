"""Build a new index generation from a corpus directory and publish it.

Builds are incremental: a chunk whose content hash (model + embedded text) is
already in the current generation keeps its vector, and a document whose file
did not change keeps its chunks. Only new or changed chunks are embedded.
"""

from __future__ import annotations

import errno
import logging
import shutil
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.documents.chunking import ChunkerSettings, chunk_document
from indexer.documents.corpus import DEFAULT_MAX_FILE_BYTES, load_corpus
from indexer.documents.sandbox import ParseBudget
from indexer.embedding.model import Embedder
from indexer.errors import AskreportError, EmptyCorpusError, IndexNotFoundError, IndexWriteError
from indexer.index.generations import (
    build_lock,
    new_generation_name,
    prune,
    publish,
    remove_orphans,
    staging_dir,
)
from indexer.index.loading import IndexGeneration, open_current
from indexer.index.vectors import GRAPH_FILE, VectorIndexKind, VectorIndexSpec, choose_index, index_kind
from indexer.index.write import chunk_hash, write_generation
from indexer.models import Chunk, Document, SkippedFile

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
"""Called as `progress(done, total)` while chunks are embedded."""

PROGRESS_STEP = 64  # texts per embed call, so the progress bar moves; the model batches inside


@dataclass(frozen=True)
class BuildSummary:
    """What a build produced; `full_reason` says why nothing was reused, if so."""

    generation: str
    path: Path
    documents: int
    chunks: int
    embedded: int
    reused: int
    removed: int
    skipped: tuple[SkippedFile, ...]
    full_reason: str | None
    seconds: float


@dataclass(frozen=True)
class _Plan:
    documents: tuple[Document, ...]
    chunks: list[Chunk]
    hashes: list[str]
    old_rows: list[int]  # row in the previous generation to reuse, or -1 to embed
    removed: int  # chunks of the previous generation that no new chunk matches


def build_index(
    corpus_dir: Path,
    index_root: Path,
    embedder: Embedder,
    chunker: ChunkerSettings | None = None,
    progress: Progress | None = None,
    *,
    full: bool = False,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    parse_budget: ParseBudget | None = None,
    vector_index: VectorIndexKind | str = VectorIndexKind.AUTO,
) -> BuildSummary:
    """Load, chunk and embed the corpus into a new generation, then publish it.

    `vector_index` picks the search structure: `auto` (flat up to `FLAT_MAX_VECTORS` chunks, HNSW
    beyond), `flat` or `hnsw`. It never forces re-embedding: vectors are reused whatever it is.

    Raises:
        ValueError: `vector_index` is not auto, flat or hnsw.
        CorpusNotFoundError: the corpus directory does not exist.
        EmptyCorpusError: no file in it could be indexed (the live generation stays).
        BuildInProgressError: another build is running on the same index.
    """
    started = time.perf_counter()
    kind = index_kind(vector_index)
    chunker = chunker or ChunkerSettings(max_tokens=embedder.max_tokens)
    with build_lock(index_root):
        remove_orphans(index_root)
        loaded = load_corpus(corpus_dir, max_file_bytes, parse_budget)
        if not loaded.documents:
            raise EmptyCorpusError(_empty_message(corpus_dir, loaded.skipped))
        previous, full_reason = _previous(index_root, embedder, chunker, full)
        try:
            plan = _plan(loaded.documents, previous, embedder, chunker)
            if not plan.chunks:
                raise EmptyCorpusError(
                    f"the documents in {corpus_dir} hold headings only, no text to search: add text to them"
                )
            vectors = _vectors(plan, previous, embedder, progress)
            spec = choose_index(len(plan.chunks), kind)
            graph_from = _same_graph(plan, previous, spec)
        finally:
            if previous is not None:
                previous.close()
        name = new_generation_name(index_root)
        staging = staging_dir(index_root, name)
        try:
            write_generation(
                staging,
                name,
                embedder,
                chunker,
                plan.documents,
                plan.chunks,
                plan.hashes,
                vectors,
                loaded.skipped,
                spec,
                graph_from,
            )
            final = publish(index_root, staging, name)
        except (OSError, sqlite3.Error) as exc:
            error = _write_error(index_root, exc)  # before the staging dir gives its space back
            shutil.rmtree(staging, ignore_errors=True)
            raise error from exc
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        prune(index_root)
    reused = sum(1 for row in plan.old_rows if row >= 0)
    return BuildSummary(
        generation=name,
        path=final,
        documents=len(plan.documents),
        chunks=len(plan.chunks),
        embedded=len(plan.chunks) - reused,
        reused=reused,
        removed=plan.removed,
        skipped=loaded.skipped,
        full_reason=full_reason,
        seconds=time.perf_counter() - started,
    )


def _previous(
    root: Path, embedder: Embedder, chunker: ChunkerSettings, full: bool
) -> tuple[IndexGeneration | None, str | None]:
    """The current generation to reuse from, or None and the reason for a full build."""
    if full:
        return None, "a full rebuild was requested"
    try:
        previous = open_current(root)
    except IndexNotFoundError:
        return None, "there is no previous index"
    except AskreportError as exc:
        log.warning("rebuilding everything: the current index cannot be reused (%s)", exc)
        return None, f"the current index cannot be reused ({exc})"
    manifest = previous.manifest
    reason = None
    if (manifest.model_name, manifest.model_dim) != (embedder.name, embedder.dim):
        reason = f"the model changed from {manifest.model_name} to {embedder.name}"
    elif manifest.chunker != chunker:
        reason = "the chunker settings changed"
    if reason is not None:
        previous.close()
        log.warning("rebuilding everything: %s", reason)
        return None, reason
    return previous, None


def _plan(
    documents: Sequence[Document],
    previous: IndexGeneration | None,
    embedder: Embedder,
    chunker: ChunkerSettings,
) -> _Plan:
    old_hashes = {d.id: d.content_hash for d in previous.manifest.documents} if previous else {}
    old_hashes_by_row = previous.store.chunk_hashes() if previous else []
    old_rows = {h: i for i, h in enumerate(old_hashes_by_row)}
    chunks: list[Chunk] = []
    hashes: list[str] = []
    for doc in documents:
        if previous is not None and old_hashes.get(doc.id) == doc.content_hash and _same_text(previous, doc):
            pairs = previous.store.chunks_of(doc.id)
        else:
            pairs = [(c, chunk_hash(embedder.name, c)) for c in chunk_document(doc, embedder.count_tokens, chunker)]
        chunks.extend(c for c, _ in pairs)
        hashes.extend(h for _, h in pairs)
    kept = set(hashes)
    removed = sum(1 for h in old_hashes_by_row if h not in kept)
    return _Plan(tuple(documents), chunks, hashes, [old_rows.get(h, -1) for h in hashes], removed)


def _same_text(previous: IndexGeneration, doc: Document) -> bool:
    """Whether the stored document has the same canonical text and sections (a renamed file or a
    changed reader can turn the same bytes into different text)."""
    stored = previous.store.document(doc.id)
    return stored.text == doc.text and stored.sections == doc.sections


def _vectors(
    plan: _Plan, previous: IndexGeneration | None, embedder: Embedder, progress: Progress | None
) -> np.ndarray:
    vectors = np.zeros((len(plan.chunks), embedder.dim), dtype=np.float32)
    rows = np.asarray(plan.old_rows, dtype=np.int64)
    reuse = rows >= 0
    if previous is not None and reuse.any():
        vectors[reuse] = previous.vectors.rows(rows[reuse])
    todo = np.flatnonzero(~reuse)
    vectors[todo] = embed_all(embedder, [plan.chunks[i].embed_text for i in todo], progress)
    return vectors


def _same_graph(plan: _Plan, previous: IndexGeneration | None, spec: VectorIndexSpec) -> Path | None:
    """The previous generation's graph file if it indexes exactly the planned vectors, row for row."""
    if previous is None or spec.kind != VectorIndexKind.HNSW or previous.manifest.vector_index != spec:
        return None
    if plan.old_rows != list(range(previous.vectors.ntotal)):
        return None
    return previous.path / GRAPH_FILE


def embed_all(embedder: Embedder, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
    """Embed texts in batches, reporting progress after each batch."""
    parts = [np.zeros((0, embedder.dim), dtype=np.float32)]
    if progress is not None:
        progress(0, len(texts))
    for start in range(0, len(texts), PROGRESS_STEP):
        parts.append(embedder.embed(texts[start : start + PROGRESS_STEP]))
        if progress is not None:
            progress(min(start + PROGRESS_STEP, len(texts)), len(texts))
    return np.vstack(parts)


def _empty_message(corpus_dir: Path, skipped: Sequence[SkippedFile]) -> str:
    base = f"no document in {corpus_dir} could be indexed: add .txt, .md, .html, .pdf or .docx files"
    if not skipped:
        return base
    reasons = "; ".join(f"{s.path}: {s.reason}" for s in skipped[:5])
    return f"{base} (skipped {reasons})"


def _write_error(index_root: Path, exc: Exception) -> IndexWriteError:
    """A failed write, said in a user's words; a full disk is named as such (whatever layer noticed it)."""
    free = shutil.disk_usage(index_root).free if index_root.exists() else None
    full = (
        getattr(exc, "errno", None) == errno.ENOSPC
        or "disk is full" in str(exc)
        or "No space left" in str(exc)
        or ("requested and" in str(exc) and "written" in str(exc))  # numpy's short write
        or (free is not None and free < 1024 * 1024)
    )
    if full:
        left = f" ({free // 1024} KB left)" if free is not None else ""
        return IndexWriteError(
            f"the disk is full: no space left on the disk holding {index_root}{left}: free some space (or point "
            "ASKREPORT_INDEX_DIR elsewhere) and build again; the current generation is unchanged and still served"
        )
    return IndexWriteError(
        f"writing the new generation into {index_root} failed ({exc}); the current generation is unchanged "
        "and still served: check the directory's permissions and space, then build again"
    )
