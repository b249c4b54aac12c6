"""Benchmark: full-build throughput, server cold start, and peak memory of the build and of the server.

One command measures:

1. `--build-runs` times, a full build with the real CLI, `askreport index --full`, of the first
   `--docs` SciFact documents written as Markdown files (as `python -m bench.incremental` does) into a fresh
   index directory: chunks per second of the build as the CLI reports it, the whole process's wall
   time (interpreter start and model load included), and its peak RSS (`ru_maxrss` from `os.wait4`);
2. `--runs` times, cold start of `askreport serve`, and of bench/common/naive_server.py for comparison, on
   the report's index (`corpus/`) and on the index just built: seconds from spawning the process to
   the first answered `GET /api/search`, the RSS right after it, and the peak RSS (VmHWM) after a
   burst of distinct queries at 16 clients.

It prints Markdown; `--write` replaces the "Build throughput, cold start and memory" section of
docs/benchmarks.md. Run from the repository root:

    .venv/bin/python -m bench.startup --write
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.common.corpus import write_markdown
from bench.common.load import pick_tool, run_load, search_path, tool_version
from bench.common.machine import machine_facts
from bench.common.options import add_shared, bench_parser, existing_paths
from bench.common.paths import REPO_ROOT, SCIFACT_CORPUS
from bench.common.processes import exit_on_sigterm, memory_mib, wait_for_answer
from bench.common.queries import query_pool
from bench.common.report import Spread, command_line, provenance, publish
from bench.common.servers import KINDS, askreport_command, serve_takes_workers, server

DESCRIPTION = (
    "Full-build throughput (chunks/s), cold start of `askreport serve` (spawn -> first answered "
    "query) and peak RSS of the build and of the server under load. Run from the repository root."
)
SECTION_TITLE = "## Build throughput, cold start and memory"
FIRST_QUERY = "Which countries does the MIEUX programme work with?"
SUMMARY = re.compile(r"indexed (\d+) documents into (\d+) chunks.* in ([\d.]+) s")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = bench_parser("bench.startup", DESCRIPTION)
    add = parser.add_argument
    add("--data", type=Path, default=SCIFACT_CORPUS, help="BEIR corpus.jsonl (default: %(default)s)")
    add("--docs", type=int, default=1000, help="documents to build from: the first N (default: %(default)s)")
    add("--runs", type=int, default=3, help="cold starts of each server on each index (default: %(default)s)")
    add("--build-runs", type=int, default=2, help="full builds (default: %(default)s)")
    add_shared(parser, "workers", "loadgen", "corpus", "dev", "benchmarks", "tmp-dir")
    add("--burst", type=int, default=200, help="distinct queries sent at 16 clients per start (default: %(default)s)")
    add("--burst-seconds", type=float, default=15, help="time bound of each burst (default: %(default)s)")
    add(
        "--quick",
        action="store_true",
        help="smoke run: 1 build of 50 documents, 1 start of each kind, 40 queries per burst",
    )
    add("--write", action="store_true", help="replace the 'Build throughput, cold start and memory' section")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.build_runs, args.docs, args.burst = 1, 1, 50, 40
    if min(args.docs, args.runs, args.build_runs, args.burst, args.workers) < 1:
        parser.error("--docs, --runs, --build-runs, --burst and --workers must be positive")
    existing_paths(parser, args, ("data", "corpus", "dev", "benchmarks"))
    return args


@dataclass(frozen=True)
class Build:
    """One `askreport index --full` process."""

    documents: int
    chunks: int
    seconds: float  # the build, as the CLI reports it
    wall: float  # spawn to exit: interpreter start, imports, model load, build
    cpu: float
    peak_rss: float  # MiB

    @property
    def rate(self) -> float:
        return self.chunks / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class Start:
    """One server process: cold start, memory when idle and after a burst of queries."""

    kind: str
    index: str
    ready: float
    idle_rss: float
    peak_rss: float
    qps: float


def build(corpus: Path, index: Path, log: Path) -> Build:
    """Run `askreport index --full` in its own process; its summary, wall time, CPU and peak RSS."""
    command = [*askreport_command(), "index", "--corpus", str(corpus), "--index", str(index), "--full"]
    with log.open("w", encoding="utf-8") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            _, status, usage = os.wait4(process.pid, 0)  # not Popen.wait: it would reap without rusage
        except BaseException:
            process.kill()
            process.wait()
            raise
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    text = log.read_text(encoding="utf-8", errors="replace")
    match = SUMMARY.search(text)
    if process.returncode != 0 or match is None:
        raise SystemExit(f"`{' '.join(command)}` failed ({process.returncode}):\n{text[-2000:]}")
    documents, chunks, seconds = int(match[1]), int(match[2]), float(match[3])
    cpu = usage.ru_utime + usage.ru_stime
    return Build(documents, chunks, seconds, wall, cpu, usage.ru_maxrss / 1024)


def cold_start(
    kind: str, index: tuple[str, Path], queries: Sequence[str], args: argparse.Namespace, label: str
) -> Start:
    """Spawn a server, time its first answer, then send a burst of distinct queries at 16 clients."""
    name, path = index
    with server(kind, path, args.work, label, args.workers, args.askreport_workers) as proc:
        ready = wait_for_answer(proc, search_path(FIRST_QUERY), interval=0.005)
        idle = memory_mib(proc.pid, "VmRSS")
        burst = run_load(proc.url, [search_path(q) for q in queries], 16, args.burst, args.burst_seconds, args.tool)
        peak = memory_mib(proc.pid, "VmHWM")
    return Start(kind, name, ready, idle, peak, burst.qps)


def measure(args: argparse.Namespace, queries: Sequence[str]) -> tuple[list[Build], list[Start]]:
    """Per run: a full build (the first `--build-runs` runs), then each server cold-started on each index.

    The report's index is rebuilt (untimed) before each run's starts: other work on the tree may change
    the index format while the benchmark runs, and a server refuses an index of another format.
    """
    builds: list[Build] = []
    starts: list[Start] = []
    scifact = args.work / "scifact-index"
    for run in range(max(args.runs, args.build_runs)):
        if run < args.build_runs:
            shutil.rmtree(scifact, ignore_errors=True)
            builds.append(build(args.work / "scifact", scifact, args.work / f"build-{run}.log"))
            b = builds[-1]
            log(f"run {run + 1}: build {b.chunks} chunks in {b.seconds:.1f} s ({b.rate:.1f} chunks/s)")
        if run >= args.runs:
            continue
        report = args.work / f"report-index-{run}"
        build(args.corpus, report, args.work / f"report-build-{run}.log")
        for kind in KINDS if run % 2 == 0 else KINDS[::-1]:
            for target in (("report", report), (f"scifact-{args.docs}", scifact)):
                starts.append(cold_start(kind, target, queries, args, f"{kind}-{target[0]}-{run}"))
                s = starts[-1]
                log(f"  {kind} on {s.index}: first answer after {s.ready:.2f} s, peak RSS {s.peak_rss:.0f} MiB")
        shutil.rmtree(report, ignore_errors=True)
    return builds, starts


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build_table(builds: Sequence[Build]) -> str:
    def spread(pick: Callable[[Build], float]) -> Spread:
        return Spread.of([pick(b) for b in builds])

    first = builds[0]
    return "\n".join(
        [
            "| documents | chunks | build s | chunks/s | process wall s | chunks/s end to end | CPU s "
            "| chunks per CPU s | peak RSS MiB |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {first.documents} | {first.chunks} | {spread(lambda b: b.seconds).show()} "
            f"| **{spread(lambda b: b.rate).show()}** | {spread(lambda b: b.wall).show()} "
            f"| {spread(lambda b: b.chunks / b.wall).show()} | {spread(lambda b: b.cpu).show()} "
            f"| {spread(lambda b: b.chunks / b.cpu).show()} | {spread(lambda b: b.peak_rss).show(0)} |",
        ]
    )


def start_table(starts: Sequence[Start]) -> str:
    lines = [
        "| server | index | spawn → first answer s | RSS after it MiB | peak RSS after the burst MiB | burst req/s |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for kind in KINDS:
        for index in dict.fromkeys(s.index for s in starts):
            rows = [s for s in starts if s.kind == kind and s.index == index]
            ready, idle = Spread.of([s.ready for s in rows]), Spread.of([s.idle_rss for s in rows])
            peak, qps = Spread.of([s.peak_rss for s in rows]), Spread.of([s.qps for s in rows])
            lines.append(
                f"| {kind} | {index} | **{ready.show(2)}** | {idle.show(0)} | **{peak.show(0)}** | {qps.show()} |"
            )
    return "\n".join(lines)


def section(
    args: argparse.Namespace,
    builds: Sequence[Build],
    starts: Sequence[Start],
    load: Sequence[tuple[float, float, float]],
) -> str:
    data = args.data.relative_to(REPO_ROOT.parent) if args.data.is_relative_to(REPO_ROOT.parent) else args.data
    workers = f"`askreport serve --workers {args.workers}`" if args.askreport_workers else "`askreport serve`"
    return "\n".join(
        [
            SECTION_TITLE,
            "",
            f"Command (from the repository root): `{command_line('bench.startup')}`",
            "",
            provenance(),
            "",
            "Machine:",
            *(f"- {fact}" for fact in machine_facts(load)),
            "",
            f"Full build: `askreport index --full` of the first {args.docs} documents of `../{data}` written as "
            "Markdown files (as `python -m bench.incremental` does), into a fresh index directory, in its own process. "
            "build s and chunks/s: as the CLI reports the build (corpus loading, chunking, embedding, writing); "
            "process wall s: spawn to exit (interpreter start, imports and model load too); peak RSS: the "
            "process's `ru_maxrss`; CPU s: the process's user + system time, so chunks per CPU s depends less on "
            f"what else runs on the machine. Median over runs (min–max); runs: {args.build_runs}.",
            "",
            build_table(builds),
            "",
            f"Cold start: {workers} (`--workers {args.workers}` for `bench/common/naive_server.py` under uvicorn) "
            f"on the report's index (`corpus/`) and on the index built above; spawn → the first `200` answer to `GET "
            f"/api/search`, polled every 5 ms. RSS summed over the server's processes (VmRSS right after the first "
            f"answer; VmHWM after a burst of {args.burst} distinct queries, or {args.burst_seconds:g} s, at 16 clients "
            f"from {tool_version(args.tool)}). Median over starts (min–max); starts per row: {args.runs}.",
            "",
            start_table(starts),
            "",
        ]
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark, print the Markdown section and optionally write it to docs/benchmarks.md."""
    exit_on_sigterm()
    args = parse_args(argv)
    args.tool = pick_tool(args.loadgen)
    args.askreport_workers = serve_takes_workers()
    queries = query_pool(args.dev, args.benchmarks, args.burst, exclude=[FIRST_QUERY]).texts[: args.burst]
    args.work = Path(tempfile.mkdtemp(prefix="askreport-startup-", dir=args.tmp_dir))
    try:
        (args.work / "scifact").mkdir(parents=True)
        write_markdown(args.data, args.docs, args.work / "scifact")
        load_before = os.getloadavg()
        builds, starts = measure(args, queries)
        load_after = os.getloadavg()
    finally:
        shutil.rmtree(args.work, ignore_errors=True)
    body = section(args, builds, starts, [load_before, load_after])
    publish(SECTION_TITLE, body, args.write)


if __name__ == "__main__":
    main()
