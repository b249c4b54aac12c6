"""What runs in a fresh process, as a server worker would: open an index, search, time, see where memory went."""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.scale.sets import DIM

MMAP_FLAGS = ("none", "IO_FLAG_MMAP", "IO_FLAG_MMAP_IFC")


def resident_mb(files: Sequence[str]) -> dict[str, float]:
    """Resident MB (10^6 bytes) of this process: per mapped file named in `files`, and anonymous memory."""
    sizes = dict.fromkeys(files, 0.0)
    current = None
    with open("/proc/self/smaps", encoding="utf-8") as fh:
        for line in fh:
            head = line.split()
            if head and "-" in head[0] and len(head) >= 5:
                current = next((f for f in files if len(head) > 5 and head[-1].endswith("/" + f)), None)
            elif current is not None and head[0] == "Rss:":
                sizes[current] += int(head[1]) * 1024 / 1e6
    with open("/proc/self/status", encoding="utf-8") as fh:
        anon = next(int(line.split()[1]) for line in fh if line.startswith("RssAnon:"))
    return {**sizes, "anon": anon * 1024 / 1e6}


def probe(
    directory: str, spec: dict[str, Any], queries_path: str, threads: int, runs: int, timed: int
) -> dict[str, Any]:
    """In a fresh process: open the index as a server does, search every query, time single queries."""
    import faiss

    from indexer.index.layout import GRAPH_FILE, VECTORS_FILE
    from indexer.index.vectors import VectorIndexSpec, read_vectors

    faiss.omp_set_num_threads(threads)
    queries = np.load(queries_path)
    before = resident_mb([])["anon"]
    started = time.perf_counter()
    index = read_vectors(Path(directory), VectorIndexSpec(**spec), DIM)
    opened = time.perf_counter() - started
    found = [index.search(q, 10)[1].tolist() for q in queries]  # also warms the page cache
    p50: dict[str, list[float]] = {"10": [], "100": [], "cpu10": []}
    for k in (10, 100):
        for run in range(runs):
            wall, cpu = [], []
            for q in queries[(run * timed) % len(queries) :][:timed]:
                t0, c0 = time.perf_counter(), time.thread_time()
                index.search(q, k)
                wall.append(time.perf_counter() - t0)
                cpu.append(time.thread_time() - c0)
            p50[str(k)].append(1000 * statistics.median(wall))
            if k == 10:
                p50["cpu10"].append(1000 * statistics.median(cpu))
    memory = resident_mb([VECTORS_FILE, GRAPH_FILE])
    sweep = ef_sweep(index, queries, runs, timed) if index.graph is not None and threads == 1 else {}
    return {
        "ef_sweep": sweep,
        "threads": threads,
        "open_s": opened,
        "found": found,
        "p50_ms": p50,
        "graph_mb": memory[GRAPH_FILE],
        "exact_mb": memory[VECTORS_FILE],
        "anon_mb": memory["anon"] - before,
    }


EF_SWEEP = (32, 64, 128, 256)


def ef_sweep(index: Any, queries: np.ndarray, runs: int, timed: int) -> dict[str, Any]:
    """Other efSearch values on the same graph: the ids found per query and per-run p50 at k=10."""
    from dataclasses import replace

    from indexer.index.vectors import VectorIndex

    out = {}
    for ef in EF_SWEEP:
        index.graph.hnsw.efSearch = ef
        variant = VectorIndex(index.exact, index.graph, replace(index.spec, ef_search=ef))
        found = [variant.search(q, 10)[1].tolist() for q in queries]
        per_run = []
        for run in range(runs):
            times = []
            for q in queries[(run * timed) % len(queries) :][:timed]:
                t0 = time.perf_counter()
                variant.search(q, 10)
                times.append(time.perf_counter() - t0)
            per_run.append(1000 * statistics.median(times))
        out[str(ef)] = {"found": found, "p50_ms": per_run}
    index.graph.hnsw.efSearch = index.spec.ef_search
    return out


def mmap_probe(path: str, flag: str, queries_path: str) -> dict[str, Any]:
    """In a fresh process: read an index with a FAISS I/O flag, search, and see where its memory went."""
    import faiss

    before = resident_mb([Path(path).name])
    try:
        index = faiss.read_index(path, 0 if flag == "none" else getattr(faiss, flag) | faiss.IO_FLAG_READ_ONLY)
        index.search(np.load(queries_path), 10)
    except RuntimeError as exc:
        return {"error": str(exc).splitlines()[0][:80]}
    after = resident_mb([Path(path).name])
    return {"anon_mb": after["anon"] - before["anon"], "file_mb": after[Path(path).name]}
