"""Benchmark: the vector index types at 100k and 1M vectors, synthetic and real.

For each data set and each index type askreport supports (`flat`: exact scan of the memory-mapped
`vectors.npy`; `hnsw`: HNSW graph over 8-bit codes whose candidates are re-scored exactly) it measures,
through the same `indexer.index.vectors` functions a build and a server use:

- build time: `write_vectors` (save the exact vectors, build and save the graph), `--build-runs` times;
- single-query search time at k=10 and at k=100 (the candidate depth `indexer.retrieval.search.rank` asks for),
  `--runs` runs of `--timed` queries each, in a fresh process that opens the index as a server worker
  does (memory-mapped), once per FAISS thread count in `--threads`; reported as the median of the
  per-run p50s with their min and max;
- recall@10 against exact brute-force search in numpy;
- memory in that process after the queries: resident pages of the graph file, resident pages of the
  exact vectors, and private (anonymous) memory the index added.

Data sets: synthetic 384-d unit vectors from a seeded Gaussian mixture calibrated to look like
all-MiniLM-L6-v2 chunk embeddings of SciFact (see `clustered`), the same sizes as uniformly random unit
vectors (a worst case for any approximate index), and the real SciFact chunks embedded with the bundled
model, searched with SciFact's 300 test queries embedded with the same model. The real vectors come from
an index under `--real-work` (the one `askreport eval --beir` or `python -m bench.quality` builds); if there is none
the script builds it (about 8 minutes on 2 CPUs).

Raw numbers go to `--results`; `--render` rebuilds the Markdown from them without measuring. With
`--write` the section "Vector index types at scale" of docs/benchmarks.md is replaced, keeping the others.

Run from the repository root (about an hour on 2 CPUs, most of it building 1M-vector graphs):

    .venv/bin/python -m bench.scale --write
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from bench.common.machine import machine_facts, mount_of
from bench.common.options import bench_parser
from bench.common.paths import from_root
from bench.common.report import Spread, command_line, publish

SECTION_TITLE = "## Vector index types at scale"
DIM = 384
TYPES = ("flat", "hnsw")
TARGET_P50_MS = 5.0
TARGET_RECALL = 0.95
TARGET_MEMORY_MB = 600.0
FLAT_SCAN_SIZES = (10_000, 25_000, 50_000, 100_000)

# The mixture (see `clustered`), fitted by hand so that at SciFact's size its statistics match SciFact's.
CLUSTER_SIZE = 10  # points per cluster, as chunks of one document or near-duplicate passages
TOPIC_SIZE = 1_000  # points per topic; clusters of one topic share a centre
TOPIC_WEIGHT = 0.6
NOISE = 0.9
SPECTRUM = 0.42  # per-direction scale i ** -SPECTRUM: a few dominant directions, a long tail
COMMON = 0.5  # length of the direction every embedding shares before normalising


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command-line options."""
    parser = bench_parser("bench.scale", __doc__.split("\n\n")[0])
    add = parser.add_argument
    add(
        "--sets",
        default="clustered:100000,clustered:1000000,uniform:100000,uniform:1000000,real",
        help="data sets: KIND:SIZE for synthetic ones (clustered, uniform), and real (default: %(default)s)",
    )
    add("--queries", type=int, default=500, help="held-out queries per synthetic set (default: %(default)s)")
    add("--timed", type=int, default=100, help="queries timed per run (default: %(default)s)")
    add("--runs", type=int, default=5, help="timing runs per measurement (default: %(default)s)")
    add("--build-runs", type=int, default=3, help="builds per index type and set (default: %(default)s)")
    add(
        "--large-build-runs",
        type=int,
        default=1,
        help="the same for sets of 500k vectors or more (default: %(default)s)",
    )
    add("--types", default="flat,hnsw", help="index types to measure (default: %(default)s)")
    add("--threads", default="1,2", help="FAISS (OpenMP) thread counts for searching (default: %(default)s)")
    add("--seed", type=int, default=0, help="seed of the synthetic sets (default: %(default)s)")
    add("--beir", type=Path, default=Path("../shared/benchmarks/scifact"), help="SciFact in BEIR layout")
    add("--real-work", type=Path, default=Path("/tmp/beir-work/scifact"), help="where SciFact's index is (built)")
    add("--results", type=Path, action="append", help="raw results file (default: /tmp/askreport-scale/results.json)")
    add("--render", action="store_true", help="only render the Markdown from the --results files, merged in order")
    add("--note", default="", help="a paragraph to add under the command lines (with --render)")
    add("--write", action="store_true", help=f"replace the '{SECTION_TITLE[3:]}' section of docs/benchmarks.md")
    add("--tmp-dir", type=Path, default=None, help="where index files are written (default: system temp)")
    args = parser.parse_args(argv)
    for name in ("queries", "timed", "runs", "build_runs", "large_build_runs"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    args.threads = [int(t) for t in args.threads.split(",")]
    args.types = [t for t in TYPES if t in args.types.split(",")]
    args.sets = [(kind, int(size or 0)) for kind, _, size in (s.partition(":") for s in args.sets.split(","))]
    if any(kind not in ("clustered", "uniform", "real") for kind, _ in args.sets):
        parser.error("--sets takes clustered:SIZE, uniform:SIZE and real")
    args.results = args.results or [Path("/tmp/askreport-scale/results.json")]
    args.beir = from_root(args.beir)
    return args


def log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def unit(points: np.ndarray) -> np.ndarray:
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


def clustered(count: int, seed: int) -> np.ndarray:
    """`count` unit vectors from a two-level Gaussian mixture with an anisotropic spectrum.

    Topics (one per TOPIC_SIZE points) and clusters (one per CLUSTER_SIZE points, around a topic) scale with
    `count`, so a bigger set is a bigger collection of the same kind, not a denser cloud of the same points.
    """
    rng = np.random.default_rng(seed)
    scale = np.arange(1, DIM + 1, dtype=np.float32) ** -SPECTRUM
    scale /= np.linalg.norm(scale)
    rotation = np.linalg.qr(rng.standard_normal((DIM, DIM)))[0].astype(np.float32)
    common = rng.standard_normal(DIM).astype(np.float32)
    common *= COMMON / np.linalg.norm(common)
    topics = rng.standard_normal((max(1, count // TOPIC_SIZE), DIM), dtype=np.float32) * scale
    n_clusters = max(1, count // CLUSTER_SIZE)
    centres = TOPIC_WEIGHT * topics[rng.integers(0, len(topics), n_clusters)]
    centres += rng.standard_normal((n_clusters, DIM), dtype=np.float32) * scale
    out = np.empty((count, DIM), dtype=np.float32)
    for start in range(0, count, 100_000):
        rows = min(100_000, count - start)
        points = centres[rng.integers(0, n_clusters, rows)]
        points += NOISE * rng.standard_normal((rows, DIM), dtype=np.float32) * scale
        out[start : start + rows] = unit(points @ rotation.T + common)
    return out


def uniform(count: int, seed: int) -> np.ndarray:
    """Uniformly random unit vectors: no neighbourhood structure at all."""
    return unit(np.random.default_rng(seed).standard_normal((count, DIM), dtype=np.float32))


def real_set(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray]:
    """SciFact's chunk vectors (from its index, built if missing) and its test queries embedded."""
    from indexer import SentenceTransformerEmbedder, build_index
    from indexer.evaluation.beir import write_beir_corpus
    from indexer.evaluation.questions import read_beir
    from indexer.index.generations import current_dir
    from indexer.index.layout import VECTORS_FILE

    embedder = SentenceTransformerEmbedder()
    corpus, queries, _ = read_beir(args.beir)
    index = args.real_work / "index"
    try:
        generation = current_dir(index)
    except Exception:  # noqa: BLE001 - no index yet, or an unreadable one: build it
        generation = None
    if generation is not None and (generation / VECTORS_FILE).is_file():
        vectors = np.load(generation / VECTORS_FILE)
    elif generation is not None and (generation / "vectors.faiss").is_file():  # index format 2
        import faiss

        old = faiss.read_index(str(generation / "vectors.faiss"))
        vectors = old.reconstruct_batch(np.arange(old.ntotal))
    else:
        log(f"building SciFact's index under {args.real_work} (about 8 minutes)")
        write_beir_corpus(corpus, args.real_work / "corpus")
        build_index(args.real_work / "corpus", index, embedder)
        vectors = np.load(current_dir(index) / VECTORS_FILE)
    return np.ascontiguousarray(vectors, dtype=np.float32), embedder.embed(list(queries.values()))


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int = 10) -> np.ndarray:
    """The true top-k ids per query by brute force in numpy, in blocks of rows."""
    best_scores = np.full((len(queries), 0), -np.inf, dtype=np.float32)
    best_ids = np.zeros((len(queries), 0), dtype=np.int64)
    for start in range(0, len(vectors), 100_000):
        scores = queries @ vectors[start : start + 100_000].T
        top = np.argpartition(-scores, min(k, scores.shape[1] - 1), axis=1)[:, :k]
        best_scores = np.hstack([best_scores, np.take_along_axis(scores, top, axis=1)])
        best_ids = np.hstack([best_ids, top + start])
        keep = np.argsort(-best_scores, axis=1)[:, :k]
        best_scores, best_ids = np.take_along_axis(best_scores, keep, 1), np.take_along_axis(best_ids, keep, 1)
    return best_ids


def recall_at_10(found: Sequence[Sequence[int]], truth: np.ndarray) -> float:
    hits = sum(len(set(f[:10]) & set(t[:10].tolist())) for f, t in zip(found, truth, strict=True))
    return hits / (10 * len(truth))


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


MMAP_CASES = ("Flat", "SQ8", "HNSW32,SQ8", "IVF256,SQ8", "IVF256,PQ48", "IVF256,PQ96x4fs")
MMAP_FLAGS = ("none", "IO_FLAG_MMAP", "IO_FLAG_MMAP_IFC")


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


def data_sets(args: argparse.Namespace) -> Any:
    """(name, kind, vectors, queries) per set, generated one at a time to bound memory."""
    for kind, size in args.sets:
        if kind == "real":
            vectors, queries = real_set(args)
            yield "SciFact chunks, all-MiniLM-L6-v2 (real)", "real", vectors, queries
            continue
        log(f"generating {kind} {size:,}")
        data = {"clustered": clustered, "uniform": uniform}[kind](size + args.queries, args.seed)
        yield f"{kind} synthetic, {size:,}", kind, data[:size], data[size:]


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


def spread(values: Sequence[float], digits: int = 2) -> str:
    """`median (min–max)` of several runs."""
    return Spread.of(values).full(digits)


def resident(probe_result: dict[str, Any]) -> float:
    """Memory the search structure holds: graph pages plus private memory; for flat, the whole scan."""
    if probe_result["graph_mb"] == 0:
        return float(probe_result["exact_mb"] + probe_result["anon_mb"])
    return float(probe_result["graph_mb"] + probe_result["anon_mb"])


def set_table(entry: dict[str, Any]) -> str:
    threads = [p["threads"] for p in next(iter(entry["types"].values()))["probes"]]
    head = ["index type", "build s", "on disk MB"]
    head += [f"p50 ms, k={k}, {t} thr." for t in threads for k in (10, 100)] + ["CPU p50 ms, k=10, 1 thr."]
    head += ["recall@10", "graph MB", "private MB", "exact rows MB"]
    lines = ["| " + " | ".join(head) + " |", "|---" + "|---:" * (len(head) - 1) + "|"]
    for kind, result in entry["types"].items():
        first = result["probes"][0]
        cells = [
            f"`{kind}`" + (" (auto)" if result["spec"]["kind"] == entry.get("auto") else ""),
            spread(result["build_s"], 1),
        ]
        cells.append(" + ".join(f"{mb:.0f}" for mb in result["disk_mb"].values()))
        cells += [spread(p["p50_ms"][str(k)]) for p in result["probes"] for k in (10, 100)]
        cells.append(spread(first["p50_ms"]["cpu10"]))
        cells += [
            f"{first['recall']:.3f}",
            f"{first['graph_mb']:.0f}",
            f"{first['anon_mb']:.0f}",
            f"{first['exact_mb']:.0f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def verdict(results: dict[str, Any]) -> list[str]:
    """The issue's targets at the largest clustered set, for the type `auto` picks there."""
    sets = [s for s in results["sets"] if s["kind"] == "clustered"]
    if not sets:
        return ["No clustered set was measured, so the targets were not checked."]
    entry = max(sets, key=lambda s: s["count"])
    result = entry["types"][entry["auto"]]
    probe1 = result["probes"][0]
    p50, recall, memory = statistics.median(probe1["p50_ms"]["10"]), probe1["recall"], resident(probe1)
    with_rows = memory + (probe1["exact_mb"] if probe1["graph_mb"] else 0.0)
    checks = [
        ("single-query p50 (k=10, 1 thread)", p50, TARGET_P50_MS, "ms", p50 <= TARGET_P50_MS),
        ("recall@10 vs exact", recall, TARGET_RECALL, "", recall >= TARGET_RECALL),
        (
            "vector memory, search structure (graph + private)",
            memory,
            TARGET_MEMORY_MB,
            "MB",
            memory <= TARGET_MEMORY_MB,
        ),
        (
            "vector memory counting the pages of `vectors.npy` the re-scoring touched",
            with_rows,
            TARGET_MEMORY_MB,
            "MB",
            with_rows <= TARGET_MEMORY_MB,
        ),
    ]
    lines = [f"At {entry['count']:,} clustered vectors `auto` picks **{result['describe']}**:", ""]
    for label, value, target, unit_, met in checks:
        relation = "≥" if label.startswith("recall") else "≤"
        digits = {"ms": 2, "": 3, "MB": 0}[unit_]
        status = "met" if met else f"**missed** by {abs(value - target):.{digits}f} {unit_}".rstrip()
        lines.append(
            f"- {label}: {value:.{digits}f} {unit_} (target {relation} {target:g} {unit_}): {status}".replace("  ", " ")
        )
    return [
        *lines,
        "",
        "The exact rows are page cache of a shared, read-only mapping: every worker process uses the same pages, "
        "and the kernel may drop them under memory pressure, at the price of a disk read per candidate row. They "
        "accumulate because each query re-scores its candidates at random places in the file (and the kernel "
        "reads ahead around each), so after a few thousand queries most of the file is resident.",
    ]


def sweep_table(sweep: dict[str, Any]) -> str:
    lines = ["| efSearch | p50 ms | recall@10 |", "|---:|---:|---:|"]
    lines += [f"| {ef} | {spread(r['p50_ms'])} | {r['recall']:.3f} |" for ef, r in sweep.items()]
    return "\n".join(lines)


def flat_scan_table(scan: dict[str, list[float]]) -> str:
    lines = ["| vectors | p50 ms, k=10, 1 thread |", "|---:|---:|"]
    lines += [f"| {int(n):,} | {spread(v)} |" for n, v in scan.items()]
    return "\n".join(lines)


def calibration_table(calibration: dict[str, dict[str, float]]) -> str:
    lines = [
        "| set | norm of the mean | pair cosine, mean ± sd | cosine to 1st / 10th / 100th neighbour "
        "| HNSW16 efSearch=8 recall@10 |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, s in calibration.items():
        lines.append(
            f"| {name} | {s['mean_norm']:.3f} | {s['pair_mean']:.3f} ± {s['pair_sd']:.3f} "
            f"| {s['nn1']:.3f} / {s['nn10']:.3f} / {s['nn100']:.3f} | {s['hard_recall']:.3f} |"
        )
    return "\n".join(lines)


def mmap_table(support: dict[str, dict[str, Any]]) -> str:
    lines = [
        "| FAISS index (50k vectors) | file MB | "
        + " | ".join(f"`{f}`: private / mapped MB" for f in MMAP_FLAGS)
        + " |"
    ]
    lines.append("|---|---:|" + "---:|" * len(MMAP_FLAGS))
    for key, row in support.items():
        cells = [r.get("error") or f"{r['anon_mb']:.0f} / {r['file_mb']:.0f}" for r in (row[f] for f in MMAP_FLAGS)]
        lines.append(f"| `{key}` | {row['size_mb']:.0f} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def design() -> list[str]:
    """What is being measured: the layout of a generation's vectors, and the synthetic data."""
    from indexer.index.vectors import FLAT_MAX_VECTORS, HNSW

    return [
        "The design measured (index format 3). `vectors.npy` holds every chunk's float32 embedding, row i = chunk "
        "row i. It is the source of truth: incremental builds copy reused rows from it, and `rank` scores every "
        "candidate (dense or BM25) exactly against it. It is opened with `numpy.load(mmap_mode='r')`, so server "
        "worker processes share it through the page cache and a search reads only the rows it scores. With "
        f"`auto`, up to {FLAT_MAX_VECTORS:,} vectors a search scans that file (`faiss.knn` over the mapping, no "
        "copy). Above that, the build also writes `vectors.hnsw`: a FAISS `IndexHNSWSQ` (M="
        f"{HNSW.m}, efConstruction={HNSW.ef_construction}, {HNSW.code_bits}-bit scalar quantiser, L2, which on "
        "unit vectors ranks like inner product), read with `IO_FLAG_MMAP_IFC | IO_FLAG_READ_ONLY`. It proposes "
        f"max(k, efSearch={HNSW.ef_search}) candidates, which are re-scored with the exact rows. The manifest "
        "records the choice (`vector_index`, and `index_type`, which `askreport info` prints). A rebuild with "
        "nothing changed hard-links the previous graph. Every other build rebuilds the graph from all vectors.",
        "",
        "The data. Uniformly random unit vectors in 384-d have no neighbourhoods: every point is almost equally "
        "far from every other, so no approximate index finds the true top-10 without scanning nearly everything. "
        "Text embeddings are not like that. The clustered sets are a seeded Gaussian mixture, normalised, with "
        f"a topic per {TOPIC_SIZE:,} points, clusters of about {CLUSTER_SIZE} points (as chunks of one document) "
        f"around the topics, a decaying spectrum (scale i^-{SPECTRUM} over a random rotation) and a direction all "
        "vectors share. Its parameters were set so that at SciFact's size it matches SciFact's real chunk vectors: "
        "see the table in the SciFact section (the norm of the mean, pair and neighbour cosines, and the recall a "
        "deliberately weak HNSW reaches, as a measure of how hard a set is for approximate search). The "
        "mixture grows with the set (more topics and clusters). That growth is an assumption: no real "
        "collection of a million chunks was embedded for this benchmark. The uniform sets are the worst case, "
        "reported as measured.",
        "",
    ]


def mmap_summary(support: dict[str, dict[str, Any]]) -> str:
    """Which index types each flag keeps out of private memory (under a tenth of the file stays private)."""
    parts = []
    for flag in MMAP_FLAGS[1:]:
        mapped = [f"`{key}`" for key, row in support.items() if row[flag].get("anon_mb", 1e9) < row["size_mb"] / 10]
        parts.append(f"`{flag}` maps {', '.join(mapped) or 'none of them'}")
    return (
        "; ".join(parts) + ". A mapped index's pages are the page cache's: processes that map the same file share "
        "them, and the kernel can drop them under memory pressure and read them again."
    )


def section(results: dict[str, Any]) -> str:
    """The Markdown section for docs/benchmarks.md."""
    from indexer.index.vectors import FLAT_MAX_VECTORS

    commands = "; ".join(f"`{c}`" for c in results["command"].split(" ; "))
    out = [SECTION_TITLE, "", f"Commands (from the repository root): {commands}", ""]
    if results.get("rendered"):
        out += [f"Merged and written with `{results['rendered']}`.", ""]
    if results.get("note"):
        out += [results["note"], ""]
    out += [f"Date: {results['date']}", "", "Machine:", *(f"- {fact}" for fact in results["machine"]), ""]
    out += [
        "What it measures, for each set and index type, through the functions a build and a server use "
        "(`indexer.index.vectors.write_vectors`, `read_vectors`, `VectorIndex.search`): the build (saving the exact "
        "vectors, building and saving the graph); single-query search at k=10 and at k=100 (the candidate "
        "depth `rank` asks for), in a fresh process that opened the index memory-mapped as a server worker does, "
        "after one warm-up pass over the queries; recall@10 against exact top-10 computed by brute force in numpy; "
        "and that process's resident memory afterwards: pages of the graph file, private (anonymous) memory the "
        "index added, and pages of `vectors.npy` the searches touched. Timings are the median over runs of each "
        "run's p50, with min–max; build times are the median (min–max) of several builds.",
        "",
        *design(),
        *verdict(results),
        "",
    ]
    order = {"clustered": 0, "uniform": 1, "real": 2}
    for entry in sorted(results["sets"], key=lambda e: (order[e["kind"]], e["count"])):
        out += [
            f"### {entry['name']} ({entry['count']:,} vectors, {entry['queries']} queries)",
            "",
            set_table(entry),
            "",
        ]
        hnsw = entry["types"]["hnsw"]
        out += [f"`hnsw` is {hnsw['describe']}. Other efSearch values on the same graph (1 thread, k=10):", ""]
        out += [sweep_table(hnsw["probes"][0]["ef_sweep"]), ""]
        if "calibration" in entry:
            out += [
                "How the synthetic mixture compares with the real vectors at this size:",
                "",
                calibration_table(entry["calibration"]),
                "",
            ]
    if "flat_scan" in results:
        out += [
            f"#### Exact scan by size (why `auto` switches to HNSW above {FLAT_MAX_VECTORS:,} vectors)",
            "",
            flat_scan_table(results["flat_scan"]),
            "",
        ]
    if "mmap" in results:
        out += [
            "#### Which FAISS indexes can be read memory-mapped (faiss-cpu's `read_index` flags, measured)",
            "",
            mmap_table(results["mmap"]),
            "",
            mmap_summary(results["mmap"]),
            "",
        ]
    return "\n".join(out)


def merge(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Results of several runs (for example two sets measured side by side) as one.

    A run stopped early keeps the sets it finished; its machine facts are then missing.
    """
    sets: dict[str, dict[str, Any]] = {}
    for entry in (entry for part in parts for entry in part["sets"]):  # one set measured in parts: join types
        sets.setdefault(entry["name"], {**entry, "types": {}})
        sets[entry["name"]]["types"].update(entry["types"])
        sets[entry["name"]].update({k: v for k, v in entry.items() if k not in ("types", "queries")})
    merged = {**parts[0], "sets": list(sets.values())}
    merged["command"] = " ; ".join(part["command"] for part in parts)
    merged["date"] = ", ".join(part["date"] for part in parts)
    merged["machine"] = []
    for part in parts:
        merged["machine"] += [fact for fact in part.get("machine", []) if fact not in merged["machine"]]
        merged.update({key: part[key] for key in ("flat_scan", "mmap") if key in part})
    return merged


def main(argv: Sequence[str] | None = None) -> None:
    """Measure (or, with --render, only re-render), print the section, optionally write it."""
    args = parse_args(argv)
    command = command_line("bench.scale", argv)
    if args.render:
        results = merge([json.loads(path.read_text(encoding="utf-8")) for path in args.results])
        results.update(rendered=command, note=args.note)
    else:
        results = measure(args, command)
    body = section(results)
    publish(SECTION_TITLE, body, args.write)


if __name__ == "__main__":
    main()
