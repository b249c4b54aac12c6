"""Benchmark: query latency and throughput of `askreport serve` against an in-process floor and a naive server.

One command measures, `--runs` times, on a fresh index of the report (`corpus/`, built into a
temporary directory with `indexer.build_index`):

1. the floor: embed + search per query in this process (`embedder.embed` + `indexer.retrieval.search.rank`),
   with `indexer.retrieval.search` (adds citations) and `indexer.retrieve` (adds highlights) for comparison,
   median over the dev questions, and also over the texts the HTTP test at concurrency 1 sends;
2.-3. `GET /api/search?q=...&k=5` against a real `askreport serve` process at concurrency 1, 4, 16
   and 64: throughput and p50/p99 latency, from a load generator in another process (wrk if
   installed, else bench/common/loadgen.py), each level bounded in requests and in time;
4. the same against bench/common/naive_server.py (FastAPI + `model.encode` + `index.search` per request,
   same index and model, same worker count, same load generator and queries).

Every request of a level carries a query text that server process has not seen (the pool of
bench/common/queries.py), so askreport's query-embedding cache does not flatter it; one level of a single
repeated question is reported apart. Each run starts fresh server processes, alternating which
server goes first. It prints Markdown; `--write` replaces the "Query latency and throughput"
section of docs/benchmarks.md. Run from the repository root:

    .venv/bin/python -m bench.serving --write
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common.load import LoadResult, pick_tool, run_load, search_path
from bench.common.options import add_shared, bench_parser, existing_paths
from bench.common.processes import Server, cpu_seconds, exit_on_sigterm, memory_mib, wait_for_answer, wait_idle
from bench.common.queries import dev_questions, query_pool
from bench.common.report import publish
from bench.common.servers import KINDS, serve_takes_workers, server
from bench.serving_report import SECTION_TITLE, Context, section

DESCRIPTION = (
    "Query latency and throughput of `askreport serve` (GET /api/search) at several concurrencies, "
    "against the in-process floor and a naive FastAPI server. Run from the repository root."
)
REPEATED_QUERY = "What is the MIEUX programme?"


@dataclass(frozen=True)
class Floor:
    """In-process milliseconds per query of one run, by method: wall-clock and CPU (all threads)."""

    times: dict[str, list[float]]
    cpu: dict[str, list[float]]


@dataclass(frozen=True)
class Session:
    """One server process's measurements: a LoadResult per concurrency, the repeated query, memory."""

    kind: str
    ready: float
    levels: dict[int, LoadResult]
    repeated: LoadResult
    peak_rss: float


@dataclass(frozen=True)
class Run:
    """One repetition: the in-process floor and a session of each server."""

    floor: Floor
    sessions: dict[str, Session]


@dataclass(frozen=True)
class Plan:
    """What one server session sends: warm-up texts and one slice of distinct texts per level."""

    warmup: list[str]
    levels: dict[int, list[str]]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = bench_parser("bench.serving", DESCRIPTION)
    add = parser.add_argument
    add("--runs", type=int, default=3, help="repetitions, each with fresh server processes (default: %(default)s)")
    add("--concurrency", default="1,4,16,64", help="comma-separated client counts (default: %(default)s)")
    add("--requests", type=int, default=400, help="responses per level and server (default: %(default)s)")
    add("--seconds", type=float, default=20, help="time bound per level and server (default: %(default)s)")
    add("--warmup", type=int, default=40, help="distinct warm-up queries per server process (default: %(default)s)")
    add("--repeat", type=int, default=100, help="requests of the repeated-query level (default: %(default)s)")
    add("--floor-texts", type=int, default=100, help="HTTP c=1 texts also timed in-process (default: %(default)s)")
    add_shared(parser, "workers", "loadgen", "corpus", "dev", "benchmarks", "tmp-dir")
    add("--quick", action="store_true", help="smoke run: 1 run, c=1,16, 30 requests per level")
    add("--write", action="store_true", help="replace the 'Query latency and throughput' section of the doc")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.concurrency, args.requests, args.seconds = 1, "1,16", 30, 5
        args.warmup, args.repeat, args.floor_texts = 8, 10, 10
    try:
        args.levels = sorted({int(c) for c in args.concurrency.split(",")})
    except ValueError:
        parser.error(f"--concurrency must be comma-separated integers, not {args.concurrency!r}")
    if min(args.levels) < 1 or args.runs < 1 or args.requests < 1 or args.workers < 1 or args.seconds <= 0:
        parser.error("--runs, --requests, --workers, --seconds and every concurrency must be positive")
    if args.warmup < 2 or args.repeat < 1 or args.floor_texts < 2:
        parser.error("--warmup and --floor-texts must be at least 2, --repeat at least 1")
    existing_paths(parser, args, ("corpus", "dev", "benchmarks"))
    return args


def make_plan(args: argparse.Namespace) -> tuple[Plan, Any]:
    """Slices of the query pool: warm-up first, then requests + concurrency texts per level."""
    sizes = [args.requests + c for c in args.levels]  # wrk abandons up to c-1 requests in flight at the end
    pool = query_pool(args.dev, args.benchmarks, args.warmup + sum(sizes), exclude=[REPEATED_QUERY])
    texts = list(pool.texts)
    warmup, start, levels = texts[: args.warmup], args.warmup, {}
    for c, size in zip(args.levels, sizes, strict=True):
        levels[c] = texts[start : start + size]
        start += size
    return Plan(warmup, levels), pool


def measure_floor(generation: Any, embedder: Any, dev: Sequence[str], http_texts: Sequence[str]) -> Floor:
    """Time each in-process method per query, in milliseconds."""
    from indexer import SentenceVectors, retrieve, search
    from indexer.retrieval.search import rank

    vectors = SentenceVectors(embedder)
    for q in dev:  # fill the sentence cache as the server's warm-up does
        retrieve(generation, embedder, q, 5, sentence_vectors=vectors)
    methods: list[tuple[str, Sequence[str], Callable[[str], object]]] = [
        ("embed", dev, lambda q: embedder.embed([q])),
        ("rank", dev, lambda q: rank(generation, embedder.embed([q]), q, 5)),
        ("search", dev, lambda q: search(generation, embedder, q, 5)),
        ("retrieve", dev, lambda q: retrieve(generation, embedder, q, 5, sentence_vectors=vectors)),
        ("rank_http", http_texts, lambda q: rank(generation, embedder.embed([q]), q, 5)),
    ]
    times: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    for name, texts, call in methods:
        times[name], cpu[name] = [], []
        for q in texts:
            started, cpu_started = time.perf_counter(), time.process_time()
            call(q)
            times[name].append((time.perf_counter() - started) * 1000)
            cpu[name].append((time.process_time() - cpu_started) * 1000)
    return Floor(times, cpu)


def load_level(proc: Server, texts: Sequence[str], c: int, requests: int, args: argparse.Namespace) -> LoadResult:
    """One bounded load level, once the server is idle; adds the server's CPU time."""
    wait_idle(proc.pid)
    before = cpu_seconds(proc.pid)
    result = run_load(proc.url, [search_path(q) for q in texts], c, requests, args.seconds, args.tool)
    return LoadResult(**{**result.__dict__, "server_cpu": cpu_seconds(proc.pid) - before})


def session(kind: str, args: argparse.Namespace, plan: Plan, index: Path, work: Path, run: int) -> Session:
    """Start a server, warm it up, run every level and the repeated query, stop it."""
    with server(kind, index, work, f"{kind}-run{run}", args.workers, args.askreport_workers) as proc:
        ready = wait_for_answer(proc, search_path(plan.warmup[0]))
        run_load(proc.url, [search_path(q) for q in plan.warmup[1:]], 4, len(plan.warmup) - 1, 60, args.tool)
        levels: dict[int, LoadResult] = {}
        for c in args.levels:
            levels[c] = load_level(proc, plan.levels[c], c, args.requests, args)
            r = levels[c]
            log(f"  {kind} c={c}: {r.qps:.1f} req/s, p50 {r.p50:.1f} ms, p99 {r.p99:.1f} ms ({r.answered} answered)")
        repeated = load_level(proc, [REPEATED_QUERY], 1, args.repeat, args)
        log(f"  {kind} repeated query: {repeated.qps:.1f} req/s, p50 {repeated.p50:.1f} ms")
        return Session(kind, ready, levels, repeated, memory_mib(proc.pid, "VmHWM"))


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build_report_index(corpus: Path, work: Path) -> tuple[Path, Any, Any, int]:
    """Load the embedder, build a fresh index of the corpus, open it. Index dir, embedder, generation, chunks."""
    from indexer import SentenceTransformerEmbedder, build_index, open_current

    embedder = SentenceTransformerEmbedder()
    index = work / "index"
    summary = build_index(corpus, index, embedder, full=True)
    embedder.embed(["warm-up"])
    return index, embedder, open_current(index), summary.chunks


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark, print the Markdown section and optionally write it to docs/benchmarks.md."""
    exit_on_sigterm()
    args = parse_args(argv)
    args.tool = pick_tool(args.loadgen)
    args.askreport_workers = serve_takes_workers()
    plan, pool = make_plan(args)
    dev = dev_questions(args.dev)
    work = Path(tempfile.mkdtemp(prefix="askreport-serving-", dir=args.tmp_dir))
    try:
        log(f"building the report index in {work}; load generator: {args.tool}")
        index, embedder, generation, chunks = build_report_index(args.corpus, work)
        load_before = os.getloadavg()
        runs: list[Run] = []
        for run in range(args.runs):
            log(f"run {run + 1}/{args.runs}: in-process floor")
            floor = measure_floor(generation, embedder, dev, plan.levels[args.levels[0]][: args.floor_texts])
            order = KINDS if run % 2 == 0 else KINDS[::-1]
            sessions = {kind: session(kind, args, plan, index, work, run) for kind in order}
            runs.append(Run(floor, sessions))
        load_after = os.getloadavg()
        generation.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    body = section(Context(args, runs, pool, len(dev), chunks, [load_before, load_after]))
    publish(SECTION_TITLE, body, args.write)


if __name__ == "__main__":
    main()
