"""Evaluate retrieval on a BEIR-layout collection: index its corpus, rank documents by best chunk."""

from __future__ import annotations

import re
from collections.abc import Sequence
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


def write_beir_corpus(rows: Sequence[dict[str, str]], corpus_dir: Path) -> dict[str, str]:
    """One Markdown file per BEIR document; returns askreport document id -> BEIR id."""
    corpus_dir.mkdir(parents=True, exist_ok=True)
    for stale in corpus_dir.glob("*.md"):  # a work dir reused across versions must not keep old files
        stale.unlink()
    ids: dict[str, str] = {}
    for position, row in enumerate(rows):
        beir_id = str(row["_id"])
        name = f"doc-{position:07d}-{_UNSAFE.sub('_', beir_id)[:40]}.md"  # unique whatever the ids look like
        title = " ".join(str(row.get("title") or "").split())
        text = str(row.get("text") or "").strip() or title or beir_id
        (corpus_dir / name).write_text(f"# {title}\n\n{text}\n" if title else f"{text}\n", encoding="utf-8")
        ids[document_id(Path(name))] = beir_id
    return ids


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
    ids = write_beir_corpus(corpus, work_dir / "corpus")
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
