"""Query latency while the server rebuilds its index (`POST /api/admin/reindex`), baseline tree vs this one.

For each tree: start `askreport serve` on a copy of the shipped index, time sequential searches
(one client) while idle, then start a full rebuild and time the same searches until it ends.
Reported: p50 and p95 idle and during the build, their ratio, the build's duration, and the
server's peak RSS. Before the build moved to a niced child process, its model batches ran in
the server's own process and queries waited behind them.

    .venv/bin/python -m bench.build_contention --baseline /tmp/old-tree --write
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.common.corpus import write_markdown
from bench.common.options import baseline_parser
from bench.common.paths import DEV_QUESTIONS, RELIABILITY_DOC, REPO_ROOT, SCIFACT_CORPUS
from bench.common.processes import free_port, get, memory_mib, running, wait_for_answer
from bench.common.queries import dev_questions
from bench.common.report import publish, table_section

TITLE = "## Queries during a server-started build"
KEY = "contention-admin-key"


@dataclass(frozen=True)
class Run:
    tree: str
    idle_ms: list[float]
    building_ms: list[float]
    build_s: float
    outcome: str
    peak_mib: float


def _search_ms(url: str, question: str) -> float:
    started = time.perf_counter()
    status, _ = get(url, "/api/search?" + urllib.parse.urlencode({"q": question, "k": 5}))
    if status != 200:
        raise RuntimeError(f"search answered {status}")
    return (time.perf_counter() - started) * 1000


def _post_reindex(url: str) -> None:
    request = urllib.request.Request(
        f"{url}/api/admin/reindex",
        data=json.dumps({"full": True}).encode(),
        headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        if response.status != 202:
            raise RuntimeError(f"reindex answered {response.status}")


def _last_build(url: str) -> dict[str, object]:
    _, body = get(url, "/api/index")
    return dict(json.loads(body)["last_build"] or {"state": "none"})


def run_tree(tree: Path, corpus: Path, work: Path, idle_s: float) -> Run:
    index = work / "index"
    env = dict(os.environ, PYTHONPATH=str(tree), ASKREPORT_ADMIN_KEY=KEY, ASKREPORT_RATE_LIMIT="0")
    env["ASKREPORT_QUERY_CACHE_SIZE"] = (
        "0"  # every search embeds its question: the model call is what a build contends for
    )
    env["ASKREPORT_CONVERSATIONS_DB"] = str(work / "conversations.db")
    subprocess.run([sys.executable, "-m", "server", "index", "--corpus", str(corpus), "--index", str(index)],
                   cwd=tree, env=env, check=True, capture_output=True)  # fmt: skip
    port = free_port()
    env["ASKREPORT_CORPUS_DIR"] = str(corpus)
    command = [sys.executable, "-m", "server", "serve", "--index", str(index)]
    os.chdir(tree)  # `python -m server` imports the tree it is started in
    with running([*command, "--port", str(port)], port, work / "server.log", env) as server:
        wait_for_answer(server, "/api/ready")
        questions = dev_questions(REPO_ROOT / DEV_QUESTIONS)
        idle, until = [], time.monotonic() + idle_s
        while time.monotonic() < until:
            idle.append(_search_ms(server.url, questions[len(idle) % len(questions)]))
        _post_reindex(server.url)
        started, building = time.monotonic(), []
        while (build := _last_build(server.url))["state"] == "running":
            building.append(_search_ms(server.url, questions[len(building) % len(questions)]))
        return Run(str(tree), idle, building, time.monotonic() - started, str(build["state"]),
                   memory_mib(server.pid, "VmHWM"))  # fmt: skip


def _p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) >= 2 else (values or [0.0])[0]


def render(runs: list[Run], idle_s: float, docs: int) -> str:
    rows = []
    for run in runs:
        p50i, p50b, p95b = statistics.median(run.idle_ms), statistics.median(run.building_ms), _p(run.building_ms, 95)
        rows.append(
            f"| `{run.tree}` | {p50i:.1f} | {p50b:.1f} | {p95b:.1f} | {p50b / p50i:.2f}× | {len(run.building_ms)} | "
            f"{run.build_s:.1f} ({run.outcome}) | {run.peak_mib:,.0f} |"
        )
    intro = (
        f"One client sends searches back to back: for {idle_s:.0f} s while idle, then during a full rebuild of "
        f"the shipped corpus plus {docs} SciFact abstracts, started with `POST /api/admin/reindex`. Latencies "
        "in ms, with the query cache off (`ASKREPORT_QUERY_CACHE_SIZE=0`) so that every search calls the model; "
        "the first row is the baseline tree (builds inside the server process), the second this tree (builds "
        "in a child process at niceness `ASKREPORT_BUILD_NICENESS` = 10)."
    )
    head = (
        "| tree | p50 idle | p50 during build | p95 during build | p50 ratio | searches during build | "
        "build s | server peak RSS (MiB) |"
    )
    return table_section(
        TITLE, "bench.build_contention", intro, [head, "|---|---:|---:|---:|---:|---:|---:|---:|", *rows]
    )


def main() -> None:
    parser = baseline_parser(__doc__, TITLE, required=True, baseline="An older source tree (builds in-process).")
    parser.add_argument("--idle", type=float, default=20, help="Seconds of searches before the build.")
    parser.add_argument("--docs", type=int, default=300, help="SciFact abstracts added to the shipped corpus.")
    args = parser.parse_args()
    runs = []
    for tree in (args.baseline.resolve(), REPO_ROOT):
        with tempfile.TemporaryDirectory() as tmp:
            corpus = Path(tmp) / "corpus"
            shutil.copytree(REPO_ROOT / "corpus", corpus)
            write_markdown(REPO_ROOT / SCIFACT_CORPUS, args.docs, corpus)
            try:
                runs.append(run_tree(tree, corpus, Path(tmp), args.idle))
            finally:
                os.chdir(REPO_ROOT)
            print(runs[-1].tree, statistics.median(runs[-1].idle_ms), statistics.median(runs[-1].building_ms),
                  flush=True)  # fmt: skip
    body = render(runs, args.idle, args.docs)
    publish(TITLE, body, args.write, RELIABILITY_DOC)


if __name__ == "__main__":
    main()
