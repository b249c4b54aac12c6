"""Scoring every configuration: on one BEIR collection, and on the dev question set over an index of the corpus."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.quality.configs import CONFIGS

if TYPE_CHECKING:
    from indexer import Embedder, Fusion, SearchMode


def log(message: str) -> None:
    stamp = datetime.now(UTC).strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", file=sys.stderr, flush=True)


def progress_printer(what: str, embedded: list[int] | None = None) -> Callable[[int, int], None]:
    """A build progress callback that logs about every 10% and appends each build's total to `embedded`."""
    shown = [-1]

    def report(done: int, total: int) -> None:
        if embedded is not None and done == 0:
            embedded.append(total)
        tenth = (10 * done) // max(total, 1)
        if tenth != shown[0]:
            shown[0] = tenth
            log(f"{what}: embedded {done}/{total} chunks")

    return report


def index_facts(index_root: Path) -> dict[str, Any]:
    """Documents and chunks in the current generation under `index_root`."""
    from indexer.index.generations import current_dir
    from indexer.index.manifest import read_manifest

    manifest = read_manifest(current_dir(index_root))
    return {
        "documents": len(manifest.documents),
        "chunks": manifest.chunk_count,
        "max_tokens": manifest.chunker.max_tokens,
        "generation": manifest.generation,
    }


def score_collection(directory: Path, embedder: Embedder, work_dir: Path) -> dict[str, Any]:
    """Every configuration on one BEIR collection: dense and BM25 once, hybrid once per fusion."""
    from indexer import SearchMode
    from indexer.evaluation.beir import evaluate_beir
    from indexer.evaluation.questions import read_beir

    started = time.perf_counter()
    embedded: list[int] = []
    progress = progress_printer(directory.name, embedded)
    results: dict[str, dict[str, Any]] = {}
    single = [c for c in CONFIGS if not c.hybrid]
    scored = evaluate_beir(directory, embedder, work_dir, [c.search_mode() for c in single], None, progress)
    for config in single:
        results[config.label] = asdict(scored[config.search_mode()])
    built = time.perf_counter() - started
    log(f"{directory.name}: index ready and dense/bm25 scored after {built:.0f} s")
    for config in (c for c in CONFIGS if c.hybrid):
        scored = evaluate_beir(directory, embedder, work_dir, [SearchMode.HYBRID], config.fusion(), progress)
        results[config.label] = asdict(scored[SearchMode.HYBRID])
        log(f"{directory.name}: {config.label}: nDCG@10 {results[config.label]['ndcg10']:.3f}")
    facts = index_facts(work_dir / "index")
    queries = next(iter(results.values()))["queries"]
    _, _, qrels = read_beir(directory)
    relevant = sum(len(docs) for docs in qrels.values()) / max(len(qrels), 1)
    return {
        "queries": queries,
        "relevant_per_query": round(relevant, 2),
        **facts,
        "seconds": round(time.perf_counter() - started, 1),
        "embedded": sum(embedded),
        "results": results,
    }


def score_dev_set(dev_set: Path, corpus: Path, embedder: Embedder, work_dir: Path, k: int) -> dict[str, Any]:
    """Every configuration on the question set, over an index of `corpus` (the `POST /api/ask` path)."""
    from indexer import build_index, open_current, retrieve, rewrite
    from indexer.evaluation.questions import evaluate_questions, read_question_set

    index_root = work_dir / "dev-index"
    build_index(corpus, index_root, embedder, progress=progress_printer("dev corpus"))
    generation = open_current(index_root, embedder.name, embedder.dim)
    rows = read_question_set(dev_set)
    results: dict[str, dict[str, Any]] = {}
    try:
        for config in CONFIGS:
            mode, fusion = config.search_mode(), config.fusion() if config.hybrid else None

            def answer(
                question: str, earlier: Sequence[str], mode: SearchMode = mode, fusion: Fusion | None = fusion
            ) -> tuple[list[str], bool, str]:
                result = retrieve(generation, embedder, rewrite(question, earlier), k, mode, fusion)
                return [h.text for h in result.hits], result.found, result.query

            report = evaluate_questions(rows, answer)
            results[config.label] = asdict(report)
            log(f"dev set: {config.label}: singles MRR {report.groups['singles'].mrr:.3f}")
    finally:
        generation.close()
    kinds: dict[str, int] = {}
    for row in rows:
        kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
    return {"questions": kinds, **index_facts(index_root), "k": k, "results": results}
