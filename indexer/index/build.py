"""Build a new index generation from a corpus directory and publish it: plan, embed, publish.

Builds are incremental (see `indexer.index.plan`): only new or changed chunks are embedded, the
others keep their vectors. The new generation is written into a staging directory and published
only once complete (see `indexer.index.generations`).
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.documents.chunking import ChunkerSettings
from indexer.documents.corpus import DEFAULT_MAX_FILE_BYTES, load_corpus
from indexer.documents.sandbox import ParseBudget
from indexer.embedding.batching import embed_batches
from indexer.embedding.model import Embedder
from indexer.errors import EmptyCorpusError, IndexWriteError
from indexer.index.generations import build_lock, new_generation_name, prune, publish, remove_orphans, staging_dir
from indexer.index.layout import GRAPH_FILE
from indexer.index.loading import IndexGeneration
from indexer.index.plan import BuildPlan, plan_build, reusable_generation
from indexer.index.vectors import VectorIndexKind, VectorIndexSpec, choose_index, index_kind
from indexer.index.write import GenerationContents, write_generation
from indexer.models import Document, SkippedFile

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
class _Job:
    """One build's settings, once defaults are filled in."""

    corpus_dir: Path
    index_root: Path
    embedder: Embedder
    chunker: ChunkerSettings
    kind: VectorIndexKind
    full: bool
    progress: Progress | None


@dataclass(frozen=True, eq=False)
class _Embedded:
    """What the plan and embed steps hand to the publish step."""

    plan: BuildPlan
    vectors: np.ndarray
    vector_index: VectorIndexSpec
    graph_from: Path | None  # the previous generation's graph, when it indexes exactly these vectors
    full_reason: str | None


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
    job = _Job(corpus_dir, index_root, embedder, chunker, kind, full, progress)
    with build_lock(index_root):
        remove_orphans(index_root)
        loaded = load_corpus(corpus_dir, max_file_bytes, parse_budget)
        if not loaded.documents:
            raise EmptyCorpusError(_empty_message(corpus_dir, loaded.skipped))
        embedded = _plan_and_embed(job, loaded.documents)
        contents = _contents(job, new_generation_name(index_root), embedded, loaded.skipped)
        final = _publish(index_root, contents)
        prune(index_root)
    return _summary(contents, final, embedded, time.perf_counter() - started)


def _plan_and_embed(job: _Job, documents: Sequence[Document]) -> _Embedded:
    """Plan against the current generation, if it can be reused, and embed what it does not hold."""
    previous, full_reason = reusable_generation(job.index_root, job.embedder, job.chunker, job.full)
    try:
        plan = plan_build(documents, previous, job.embedder, job.chunker)
        if not plan.chunks:
            raise EmptyCorpusError(
                f"the documents in {job.corpus_dir} hold headings only, no text to search: add text to them"
            )
        vectors = embed_plan(plan, previous, job.embedder, job.progress)
        spec = choose_index(len(plan.chunks), job.kind)
        return _Embedded(plan, vectors, spec, reused_graph(plan, previous, spec), full_reason)
    finally:
        if previous is not None:
            previous.close()


def embed_plan(
    plan: BuildPlan, previous: IndexGeneration | None, embedder: Embedder, progress: Progress | None
) -> np.ndarray:
    """Every planned chunk's vector: copied from `previous` where the plan reuses it, else embedded."""
    vectors = np.zeros((len(plan.chunks), embedder.dim), dtype=np.float32)
    rows = np.asarray(plan.old_rows, dtype=np.int64)
    reuse = rows >= 0
    if previous is not None and reuse.any():
        vectors[reuse] = previous.vectors.rows(rows[reuse])
    todo = np.flatnonzero(~reuse)
    texts = [plan.chunks[i].embed_text for i in todo]
    vectors[todo] = embed_batches(embedder.embed, texts, PROGRESS_STEP, embedder.dim, progress)
    return vectors


def reused_graph(plan: BuildPlan, previous: IndexGeneration | None, spec: VectorIndexSpec) -> Path | None:
    """The previous generation's graph file if it indexes exactly the planned vectors, row for row."""
    if previous is None or spec.kind is not VectorIndexKind.HNSW or previous.manifest.vector_index != spec:
        return None
    if plan.old_rows != tuple(range(previous.vectors.ntotal)):
        return None
    return previous.path / GRAPH_FILE


def _contents(job: _Job, name: str, embedded: _Embedded, skipped: tuple[SkippedFile, ...]) -> GenerationContents:
    plan = embedded.plan
    return GenerationContents(
        name=name,
        model_name=job.embedder.name,
        model_dim=job.embedder.dim,
        chunker=job.chunker,
        documents=plan.documents,
        chunks=plan.chunks,
        hashes=plan.hashes,
        vectors=embedded.vectors,
        skipped=skipped,
        vector_index=embedded.vector_index,
        graph_from=embedded.graph_from,
    )


def _publish(index_root: Path, contents: GenerationContents) -> Path:
    """Write the generation into a staging directory and publish it; a failed write leaves nothing behind."""
    staging = staging_dir(index_root, contents.name)
    try:
        write_generation(staging, contents)
        return publish(index_root, staging, contents.name)
    except (OSError, sqlite3.Error) as exc:
        error = _write_error(index_root, exc)  # before the staging dir gives its space back
        shutil.rmtree(staging, ignore_errors=True)
        raise error from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _summary(contents: GenerationContents, final: Path, embedded: _Embedded, seconds: float) -> BuildSummary:
    plan = embedded.plan
    return BuildSummary(
        generation=contents.name,
        path=final,
        documents=len(plan.documents),
        chunks=len(plan.chunks),
        embedded=len(plan.chunks) - plan.reused,
        reused=plan.reused,
        removed=plan.removed,
        skipped=contents.skipped,
        full_reason=embedded.full_reason,
        seconds=seconds,
    )


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
