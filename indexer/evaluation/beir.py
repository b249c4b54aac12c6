"""Evaluate retrieval on a BEIR-layout collection: index its corpus, rank documents by best chunk."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from indexer.documents.corpus import document_id
from indexer.embedding.model import Embedder
from indexer.evaluation.questions import BeirMetrics, beir_metrics, read_beir
from indexer.index.build import Progress, build_index
from indexer.index.loading import IndexGeneration, open_current
from indexer.retrieval.search import Fusion, SearchMode, rank

CHUNK_DEPTH = 300
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
DEFAULT_NAME = "doc-{position:07d}-{safe_id}.md"  # unique whatever the ids look like


def write_beir_corpus(
    rows: Iterable[Mapping[str, object]],
    corpus_dir: Path,
    *,
    name: str = DEFAULT_NAME,
    untitled: str = "",
    start: int = 0,
) -> dict[Path, str]:
    """One Markdown file per BEIR document (`# title`, a blank line, the text); each file written -> its BEIR id.

    Args:
        rows: BEIR corpus rows (`_id`, `title`, `text`), written in order.
        corpus_dir: the folder the files go to (created if missing; other files in it are left alone).
        name: the file name, formatted with `position` (the row's place, counting from `start`), `id` (the
            BEIR id) and `safe_id` (the id with characters unsafe in a file name replaced, cut to 40).
        untitled: the title of a row without one, formatted with `id`; empty writes no heading.
        start: the position of the first row.
    """
    corpus_dir.mkdir(parents=True, exist_ok=True)
    written: dict[Path, str] = {}
    for position, row in enumerate(rows, start=start):
        beir_id = str(row["_id"])
        safe_id = _UNSAFE.sub("_", beir_id)[:40]
        path = corpus_dir / name.format(position=position, id=beir_id, safe_id=safe_id)
        title = " ".join(str(row.get("title") or "").split()) or untitled.format(id=beir_id)
        text = str(row.get("text") or "").strip() or title or beir_id
        path.write_text(f"# {title}\n\n{text}\n" if title else f"{text}\n", encoding="utf-8")
        written[path] = beir_id
    return written


def evaluate_beir(
    directory: Path,
    embedder: Embedder,
    work_dir: Path,
    modes: Sequence[SearchMode] = tuple(SearchMode),
    fusion: Fusion | None = None,
    progress: Progress | None = None,
) -> dict[SearchMode, BeirMetrics]:
    """Index the collection under `work_dir` (reused if already built) and score each mode."""
    corpus, queries, qrels = read_beir(directory)
    for stale in (work_dir / "corpus").glob("*.md"):  # a work dir reused across versions must not keep old files
        stale.unlink()
    written = write_beir_corpus(corpus, work_dir / "corpus")  # the default names are unique whatever the ids are
    ids = {document_id(Path(path.name)): beir_id for path, beir_id in written.items()}
    build_index(work_dir / "corpus", work_dir / "index", embedder, progress=progress)
    generation = open_current(work_dir / "index", embedder.name, embedder.dim)
    chunk_docs = _chunk_documents(generation, ids)
    qids = list(queries)
    vectors = embedder.embed([queries[q] for q in qids])
    depth = min(CHUNK_DEPTH, len(chunk_docs))
    fusion = fusion or Fusion()
    wide = Fusion(fusion.method, fusion.alpha, fusion.rrf_k, max(fusion.candidates, depth))
    results: dict[SearchMode, BeirMetrics] = {}
    for mode in modes:
        rankings = {}
        for qid, vector in zip(qids, vectors, strict=True):
            scored = rank(generation, vector[None, :], queries[qid], depth, mode, wide)
            rankings[qid] = _documents_by_best_chunk(scored.ids, chunk_docs)
        results[mode] = beir_metrics(rankings, {q: qrels[q] for q in qids})
    generation.close()
    return results


def _chunk_documents(generation: IndexGeneration, ids: dict[str, str]) -> list[str]:
    """The BEIR document id of every chunk row."""
    return [ids[doc] for doc in generation.store.chunk_documents()]


def _documents_by_best_chunk(chunk_ids: np.ndarray, chunk_docs: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for chunk_id in chunk_ids:
        seen.setdefault(chunk_docs[int(chunk_id)], None)
    return list(seen)
