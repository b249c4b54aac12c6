"""Run the reliability experiments: `python -m bench.reliability --help`."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.common.options import add_shared, bench_parser, existing_paths
from bench.common.paths import RELIABILITY_DOC, REPO_ROOT
from bench.common.processes import exit_on_sigterm
from bench.reliability.disk import DiskResult, disk_full
from bench.reliability.kill import kill_once
from bench.reliability.report import EXPERIMENTS, MODULE, write_doc
from bench.reliability.sections import disk_section, kill_section, soak_section
from bench.reliability.setup import Setup, kill_children, log, prepare
from bench.reliability.soak import soak
from bench.reliability.texts import conversation_scripts, question_texts

DESCRIPTION = (
    "Reliability experiments against real `askreport serve` processes: a soak with live rebuilds "
    "(errors, generations, log errors, RSS growth), kill -9 under load (restart time, conversations "
    "lost) and a full disk during a build (error message, serving on, cleanup). Run from the "
    "repository root; the default run takes about 10 minutes, --quick 2-3."
)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = bench_parser(MODULE, DESCRIPTION)
    add = parser.add_argument
    add("--only", choices=EXPERIMENTS, action="append", help="run only this experiment (repeatable)")
    add("--minutes", type=float, default=5.0, help="soak duration (default: %(default)s)")
    add("--clients", type=int, default=64, help="soak clients (default: %(default)s)")
    add("--rebuild-every", type=float, default=20.0, help="seconds between soak rebuilds (default: %(default)s)")
    add("--docs", type=int, default=100, help="SciFact abstracts in the corpus (default: %(default)s)")
    add("--kill-runs", type=int, default=3, help="kill -9 repetitions (default: %(default)s)")
    add("--kill-clients", type=int, default=16, help="clients during kill -9 (default: %(default)s)")
    add("--kill-after", type=float, default=15.0, help="seconds of load before each kill (default: %(default)s)")
    add("--disk-clients", type=int, default=8, help="clients during the disk-full builds (default: %(default)s)")
    add("--extra-docs", type=int, default=0, help="SciFact abstracts added to fill the disk (default: 1.5 x --docs)")
    add("--data", type=Path, default=Path("../shared/benchmarks/scifact"), help="SciFact in BEIR layout")
    add_shared(parser, "dev", "corpus", "tmp-dir")
    add("--keep", action="store_true", help="keep the work directory (corpus, indexes, server logs)")
    add("--quick", action="store_true", help="smoke run: 30 s soak at 16 clients, 20 abstracts, one kill")
    add("--write", action="store_true", help="write docs/reliability.md (replaces the sections that ran)")
    args = parser.parse_args(argv)
    if args.quick:
        args.minutes, args.clients, args.rebuild_every, args.docs = 0.5, 16, 10.0, 20
        args.kill_runs, args.kill_clients, args.kill_after, args.disk_clients = 1, 8, 4.0, 4
        args.settle = 2.0
        if args.write:
            parser.error("--quick measures too little to be written down: drop --write or --quick")
    args.extra_docs = args.extra_docs or round(1.5 * args.docs)
    args.settle = getattr(args, "settle", 5.0)  # seconds of load around the disk-full builds
    positive = (
        "minutes",
        "clients",
        "rebuild_every",
        "docs",
        "kill_runs",
        "kill_clients",
        "kill_after",
        "disk_clients",
    )
    if any(getattr(args, name) <= 0 for name in positive):
        parser.error("counts and durations must be positive")
    existing_paths(parser, args, ("data", "dev", "corpus"))
    args.experiments = tuple(e for e in EXPERIMENTS if not args.only or e in args.only)
    return args


def main(argv: Sequence[str] | None = None) -> None:
    exit_on_sigterm()
    args = parse_args(argv)
    texts = question_texts(args.dev, args.data / "queries.jsonl")
    scripts = conversation_scripts(args.dev, texts)
    work = Path(tempfile.mkdtemp(prefix="askreport-reliability-", dir=args.tmp_dir))
    log(f"work directory: {work}")
    started = time.monotonic()
    sections: dict[str, str] = {}
    try:
        setup: Setup = prepare(work, args.corpus, args.data / "corpus.jsonl", args.docs, texts, scripts)
        if "soak" in args.experiments:
            before = os.getloadavg()
            result = soak(setup, args.minutes * 60, args.clients, args.rebuild_every)
            sections["soak"] = soak_section(result, [before, os.getloadavg()])
        if "kill" in args.experiments:
            before = os.getloadavg()
            runs = [kill_once(setup, n, args.kill_clients, args.kill_after) for n in range(1, args.kill_runs + 1)]
            sections["kill"] = kill_section(runs, args, [before, os.getloadavg()])
        if "disk" in args.experiments:
            before = os.getloadavg()
            disk: DiskResult = disk_full(setup, args.disk_clients, args.extra_docs, args.settle)
            sections["disk"] = disk_section(disk, [before, os.getloadavg()])
    finally:
        kill_children()
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    log(f"done in {(time.monotonic() - started) / 60:.1f} min")
    print("\n".join(sections[e] for e in EXPERIMENTS if e in sections))
    if args.write:
        write_doc(sections)
        log(f"wrote {RELIABILITY_DOC.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
