"""Measuring: build and probe each index type per set, the exact scan by size, which FAISS indexes map."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from bench.common.machine import machine_facts, mount_of
from bench.scale.probes import MMAP_FLAGS, mmap_probe, probe
from bench.scale.sets import DIM, clustered, data_sets, exact_top, log, recall_at_10, uniform

FLAT_SCAN_SIZES = (10_000, 25_000, 50_000, 100_000)
MMAP_CASES = ("Flat", "SQ8", "HNSW32,SQ8", "IVF256,SQ8", "IVF256,PQ48", "IVF256,PQ96x4fs")


def measure_type(
    kind: str, vectors: np.ndarray, queries_path: Path, truth: np.ndarray, args: argparse.Namespace, work: Path
) -> dict[str, Any]:
    """Build an index of one type `--build-runs` times, then probe the last build per thread count."""
    from dataclasses import asdict

    from indexer.index.vectors import choose_index, write_vectors

    spec = choose_index(len(vectors), kind)
    builds = []
    build_runs = args.large_build_runs if len(vectors) >= 500_000 else args.build_runs
    for run in range(build_runs):
        directory = Path(tempfile.mkdtemp(prefix=f"{kind}-", dir=work))
        started = time.perf_counter()
        write_vectors(directory, vectors, spec)
        builds.append(time.perf_counter() - started)
        log(f"  {kind}: build {run + 1}/{build_runs} took {builds[-1]:.1f} s")
        if run + 1 < build_runs:
            shutil.rmtree(directory)
    disk = {p.name: p.stat().st_size / 1e6 for p in directory.iterdir()}
    probes = []
    context = multiprocessing.get_context("spawn")
    for threads in args.threads:
        with context.Pool(1) as pool:
            result = pool.apply(
                probe, (str(directory), asdict(spec), str(queries_path), threads, args.runs, args.timed)
            )
        result["recall"] = recall_at_10(result.pop("found"), truth)
        for ef_result in result["ef_sweep"].values():
            ef_result["recall"] = recall_at_10(ef_result.pop("found"), truth)
        probes.append(result)
        log(
            f"  {kind}, {threads} thread(s): p50 {statistics.median(result['p50_ms']['10']):.2f} ms, "
            f"recall@10 {result['recall']:.3f}"
        )
    shutil.rmtree(directory)
    return {"spec": asdict(spec), "describe": spec.describe(), "build_s": builds, "disk_mb": disk, "probes": probes}


def flat_scan(vectors: np.ndarray, queries: np.ndarray, runs: int, timed: int) -> dict[str, list[float]]:
    """Single-query p50 of an exact scan at growing sizes (prefixes of one set), one FAISS thread."""
    import faiss

    from indexer.index.vectors import FLAT, VectorIndex

    faiss.omp_set_num_threads(1)
    out: dict[str, list[float]] = {}
    for size in (s for s in FLAT_SCAN_SIZES if s <= len(vectors)):
        index = VectorIndex(vectors[:size], None, FLAT)
        per_run = []
        for _ in range(runs):
            times = []
            for q in queries[:timed]:
                t0 = time.perf_counter()
                index.search(q, 10)
                times.append(time.perf_counter() - t0)
            per_run.append(1000 * statistics.median(times))
        out[str(size)] = per_run
    return out


def neighbour_stats(vectors: np.ndarray, seed: int = 0) -> dict[str, float]:
    """What the calibration matches: mean direction, pair and neighbour cosines, ANN difficulty."""
    import faiss

    sample = np.random.default_rng(seed).choice(len(vectors), 500, replace=False)
    queries, rest = vectors[sample], np.delete(vectors, sample, axis=0)
    scores = -np.sort(-(queries @ rest.T), axis=1)
    graph = faiss.IndexHNSWFlat(DIM, 16)
    graph.add(rest)
    graph.hnsw.efSearch = 8
    found = graph.search(queries, 10)[1]
    return {
        "mean_norm": float(np.linalg.norm(vectors.mean(axis=0))),
        "pair_mean": float(scores.mean()),
        "pair_sd": float(scores.std()),
        "nn1": float(scores[:, 0].mean()),
        "nn10": float(scores[:, 9].mean()),
        "nn100": float(scores[:, 99].mean()),
        "hard_recall": recall_at_10(found.tolist(), exact_top(rest, queries)),
    }


def mmap_support(vectors: np.ndarray, queries: np.ndarray, work: Path) -> dict[str, dict[str, Any]]:
    """Which FAISS index families faiss can read memory-mapped, with which flag (measured, 50k vectors)."""
    import faiss

    data, out = np.ascontiguousarray(vectors[:50_000]), {}
    np.save(work / "mmap-queries.npy", queries[:50])
    context = multiprocessing.get_context("spawn")
    for key in MMAP_CASES:
        index = faiss.index_factory(DIM, key)
        index.train(data)
        index.add(data)
        path = work / f"mmap-{key.replace(',', '-')}.faiss"
        faiss.write_index(index, str(path))
        out[key] = {"size_mb": path.stat().st_size / 1e6}
        for flag in MMAP_FLAGS:
            with context.Pool(1) as pool:
                out[key][flag] = pool.apply(mmap_probe, (str(path), flag, str(work / "mmap-queries.npy")))
        path.unlink()
    return out


def facts(work: Path, load: Sequence[tuple[float, float, float]]) -> list[str]:
    """The machine facts, with numpy and FAISS as the software and where the index files go."""
    import platform

    import faiss

    software = (
        f"Python {platform.python_version()}, numpy {np.__version__}, faiss-cpu {faiss.__version__} "
        f"(SIMD: {faiss.get_compile_options().strip()})"
    )
    return machine_facts(load, software=software, extra=[f"index files written to: {mount_of(work)}"])


def measure(args: argparse.Namespace, command: str) -> dict[str, Any]:
    """Run every measurement; the raw results are saved after each set."""
    work = Path(tempfile.mkdtemp(prefix="askreport-scale-", dir=args.tmp_dir))
    results: dict[str, Any] = {"command": command, "sets": [], "load": [os.getloadavg()]}
    results["date"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    try:
        for name, kind, vectors, queries in data_sets(args):
            log(f"{name}: exact top-10 of {len(queries)} queries")
            truth = exact_top(vectors, queries)
            np.save(work / "queries.npy", queries)
            entry: dict[str, Any] = {"name": name, "kind": kind, "count": len(vectors), "queries": len(queries)}
            entry["auto"] = _auto(len(vectors))
            entry["types"] = {t: measure_type(t, vectors, work / "queries.npy", truth, args, work) for t in args.types}
            if kind == "real":
                entry["calibration"] = {
                    "real": neighbour_stats(vectors),
                    "clustered": neighbour_stats(clustered(len(vectors), args.seed)),
                    "uniform": neighbour_stats(uniform(len(vectors), args.seed)),
                }
            first_large = kind == "clustered" and "flat_scan" not in results and len(vectors) >= max(FLAT_SCAN_SIZES)
            if first_large and "flat" in args.types:
                results["flat_scan"] = flat_scan(vectors, queries, args.runs, args.timed)
                results["mmap"] = mmap_support(vectors, queries, work)
            results["sets"].append(entry)
            _save(args.results[0], results)
        results["load"].append(os.getloadavg())
        results["machine"] = facts(work, results["load"])
        _save(args.results[0], results)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results


def _auto(count: int) -> str:
    from indexer.index.vectors import choose_index

    return choose_index(count).kind


def _save(path: Path, results: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1), encoding="utf-8")
