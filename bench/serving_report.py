"""The Markdown section of `python -m bench.serving`: floor, HTTP levels, the two target ratios, costs."""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bench.common.load import LoadResult, tool_version
from bench.common.machine import machine_facts
from bench.common.report import Spread, command_line, provenance

SECTION_TITLE = "## Query latency and throughput"
QPS_TARGET = 3.0  # askreport QPS at 16 clients >= 3x the naive server's
LATENCY_TARGET = 1.3  # askreport p50 at 1 client <= 1.3x the in-process floor
FLOOR_ROWS = (
    ("embed", "`embedder.embed([q])` alone", "dev"),
    ("rank", "**floor**: `embedder.embed([q])` + `indexer.retrieval.search.rank(...)`", "dev"),
    ("search", "`indexer.retrieval.search` (floor + citations from SQLite)", "dev"),
    ("retrieve", "`indexer.retrieve` (+ highlights; what the server calls)", "dev"),
    ("rank_http", "**floor** on the HTTP texts", "http"),
)


@dataclass(frozen=True)
class Context:
    """Everything the section reports."""

    args: argparse.Namespace
    runs: Sequence[Any]  # bench.serving.Run
    pool: Any  # bench.common.queries.Pool
    dev_count: int
    chunks: int
    load: Sequence[tuple[float, float, float]]


def over_runs(ctx: Context, pick: Callable[[Any], float]) -> Spread:
    return Spread.of([pick(run) for run in ctx.runs])


def floor_table(ctx: Context) -> str:
    lines = ["| method | texts | median ms per query | p90 ms | mean CPU ms per query |", "|---|---|---:|---:|---:|"]
    for key, label, texts in FLOOR_ROWS:
        count = len(ctx.runs[0].floor.times[key])
        which = f"{count} dev questions" if texts == "dev" else f"first {count} texts of the c=1 level"
        median = over_runs(ctx, lambda r, k=key: statistics.median(r.floor.times[k]))
        p90 = over_runs(ctx, lambda r, k=key: statistics.quantiles(r.floor.times[k], n=10)[-1])
        cpu = over_runs(ctx, lambda r, k=key: statistics.mean(r.floor.cpu[k]))
        lines.append(f"| {label} | {which} | {median.show()} | {p90.show()} | {cpu.show()} |")
    return "\n".join(lines)


def level_row(ctx: Context, kind: str, label: str, pick: Callable[[Any], LoadResult]) -> str:
    results = [pick(run.sessions[kind]) for run in ctx.runs]
    qps = Spread.of([r.qps for r in results])
    p50, p99 = Spread.of([r.p50 for r in results]), Spread.of([r.p99 for r in results])
    answered = sum(r.answered for r in results)
    failed = sum(r.failed for r in results)
    kinds: dict[str, int] = {}
    for r in results:
        for status, n in r.statuses.items():
            kinds[status] = kinds.get(status, 0) + n
    failed_text = f"{failed} ({', '.join(f'{k}×{n}' for k, n in sorted(kinds.items()))})" if kinds else str(failed)
    server_ms = statistics.median(r.server_cpu / max(1, r.answered) * 1000 for r in results)
    cores = statistics.median((r.server_cpu + r.client_cpu) / r.seconds for r in results if r.seconds > 0)
    return (
        f"| {kind} | {label} | {qps.show()} | {p50.show()} | {p99.show()} | {answered} | {failed_text} "
        f"| {server_ms:.1f} | {cores:.2f} |"
    )


def http_table(ctx: Context) -> str:
    lines = [
        "| server | clients | req/s | p50 ms | p99 ms | answered | failed | server CPU ms/req | cores busy |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    kinds = list(ctx.runs[0].sessions)
    for c in ctx.args.levels:
        for kind in sorted(kinds):
            lines.append(level_row(ctx, kind, str(c), lambda s, c=c: s.levels[c]))
    for kind in sorted(kinds):
        lines.append(level_row(ctx, kind, f"1, one question ×{ctx.args.repeat}", lambda s: s.repeated))
    return "\n".join(lines)


def ratio_line(name: str, per_run: Sequence[float], of_medians: float, target: str, met: bool) -> str:
    spread = Spread.of(per_run)
    verdict = "**met**" if met else "**missed**"
    return (
        f"- {name}: **{spread.median:.2f}×** (median of per-run ratios; {spread.low:.2f}–{spread.high:.2f}), "
        f"{of_medians:.2f}× as a ratio of medians. Target {target}: {verdict}."
    )


def targets(ctx: Context) -> list[str]:
    runs, lines = ctx.runs, []
    if 16 in ctx.args.levels:
        per_run = [r.sessions["askreport"].levels[16].qps / r.sessions["naive"].levels[16].qps for r in runs]
        of_medians = statistics.median(r.sessions["askreport"].levels[16].qps for r in runs) / statistics.median(
            r.sessions["naive"].levels[16].qps for r in runs
        )
        met = min(statistics.median(per_run), of_medians) >= QPS_TARGET
        lines.append(ratio_line("QPS at 16 clients, askreport / naive", per_run, of_medians, f"≥ {QPS_TARGET}×", met))
    if 1 in ctx.args.levels:
        p50 = [r.sessions["askreport"].levels[1].p50 for r in runs]
        for key, what in (("rank_http", "the same texts"), ("rank", "the dev questions")):
            floors = [statistics.median(r.floor.times[key]) for r in runs]
            per_run = [a / f for a, f in zip(p50, floors, strict=True)]
            of_medians = statistics.median(p50) / statistics.median(floors)
            met = max(statistics.median(per_run), of_medians) <= LATENCY_TARGET
            name = f"p50 at 1 client, askreport HTTP / in-process floor on {what}"
            lines.append(ratio_line(name, per_run, of_medians, f"≤ {LATENCY_TARGET}×", met))
    return lines or ["(the levels run did not include 1 or 16 clients: no target ratio)"]


def cpu_per_request(result: LoadResult) -> float:
    return result.server_cpu / max(1, result.answered) * 1000


def cpu_block(ctx: Context) -> list[str]:
    lines = cpu_indicators(ctx)
    if not lines:
        return []
    intro = (
        "The same comparisons in CPU time, which other processes on the machine disturb far less "
        "(median of per-run ratios, min–max):"
    )
    return [intro, "", *lines, ""]


def cpu_indicators(ctx: Context) -> list[str]:
    """CPU-time ratios: not the targets, but far less sensitive to other processes than wall-clock ones."""
    runs, lines = ctx.runs, []
    if 16 in ctx.args.levels:
        per_run = [
            cpu_per_request(r.sessions["naive"].levels[16]) / cpu_per_request(r.sessions["askreport"].levels[16])
            for r in runs
        ]
        lines.append(
            f"- server CPU per request at 16 clients, naive / askreport: {Spread.of(per_run).show(2)}× "
            "(the QPS ratio if both servers kept the CPUs equally busy; see the cores busy column)"
        )
    if 1 in ctx.args.levels:
        per_run = [
            cpu_per_request(r.sessions["askreport"].levels[1]) / statistics.mean(r.floor.cpu["rank_http"]) for r in runs
        ]
        lines.append(
            f"- CPU per request at 1 client, askreport server / in-process floor on the same texts: "
            f"{Spread.of(per_run).show(2)}× (HTTP, JSON, logging and highlights included)"
        )
    return lines


def loadgen_lines(ctx: Context) -> list[str]:
    lines = []
    for c in ctx.args.levels:
        results = [run.sessions[k].levels[c] for run in ctx.runs for k in run.sessions]
        per_k = statistics.median(r.client_cpu / max(1, r.answered) * 1000 for r in results)
        share = statistics.median(r.client_cpu / r.server_cpu for r in results if r.server_cpu > 0)
        core = statistics.median(r.client_cpu / r.seconds for r in results if r.seconds > 0)
        lines.append(f"| {c} | {per_k:.2f} | {core:.1%} | {share:.1%} |")
    return ["| clients | client CPU ms/req | of one core | vs server CPU |", "|---:|---:|---:|---:|", *lines]


def setup_text(ctx: Context) -> str:
    a, pool = ctx.args, ctx.pool
    workers = (
        f"`askreport serve --workers {a.workers}`"
        if a.askreport_workers
        else f"`askreport serve` (it has no `--workers` option yet: one process; naive server: {a.workers})"
    )
    return (
        f"Index: a fresh full build of `corpus/` ({ctx.chunks} chunks) with `indexer.build_index`, served by "
        f"{workers} and by `bench/common/naive_server.py` under `uvicorn --workers {a.workers}`, both with default "
        "logging (access log on), on 127.0.0.1. Requests: `GET /api/search?q=...&k=5`. Query texts: "
        f"{len(pool.texts)} distinct texts ({pool.real} real questions: the dev questions and the queries of "
        f"`../shared/benchmarks/*/queries.jsonl`; {pool.sentences} first sentences of those collections' "
        f"documents; 4 to 30 words each, {pool.mean_words:.1f} on average), shuffled. Each server process "
        f"first answers {a.warmup} warm-up texts at 4 clients, then each level sends texts that process has not seen, "
        f"stopping after {a.requests} responses or {a.seconds:g} s; the last row sends one question over and "
        f"over (askreport's query cache answers it). Runs: {a.runs}, each with fresh processes of both servers "
        "(which one goes first alternates); the in-process floor is measured in the benchmark's process at "
        "the start of each run. Figures: median over runs (min–max). req/s: responses / (first request sent "
        "→ last response); latencies: from the load generator; answered and failed: summed over runs "
        "(failures by HTTP status); cores busy: (server + load generator CPU time) / wall time, out of 2."
    )


def section(ctx: Context) -> str:
    a = ctx.args
    return "\n".join(
        [
            SECTION_TITLE,
            "",
            f"Command (from the repository root): `{command_line('bench.serving')}`",
            "",
            provenance(),
            "",
            "Machine:",
            *(f"- {fact}" for fact in machine_facts(ctx.load)),
            f"- load generator: {tool_version(a.tool)}, in its own process",
            "",
            setup_text(ctx),
            "",
            "Targets (ratios within each run, then the median over runs):",
            "",
            *targets(ctx),
            "",
            *cpu_block(ctx),
            "In-process floor (one query at a time, model loaded and warm):",
            "",
            floor_table(ctx),
            "",
            "HTTP:",
            "",
            http_table(ctx),
            "",
            "What the load generator costs (median over runs and both servers):",
            "",
            *loadgen_lines(ctx),
            "",
            "Server memory after the runs (VmHWM summed over the server's processes; median over runs): "
            + ", ".join(
                f"{kind} {statistics.median(r.sessions[kind].peak_rss for r in ctx.runs):.0f} MiB"
                for kind in sorted(ctx.runs[0].sessions)
            )
            + ". Spawn → first answer: "
            + ", ".join(
                f"{kind} {over_runs(ctx, lambda r, k=kind: r.sessions[k].ready).show(2)} s"
                for kind in sorted(ctx.runs[0].sessions)
            )
            + ' (cold start: see "Build throughput, cold start and memory").',
            "",
        ]
    )
