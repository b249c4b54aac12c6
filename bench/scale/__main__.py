"""Measure the vector index types at scale: `python -m bench.scale --help`."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from bench import scale
from bench.common.options import bench_parser
from bench.common.paths import from_root
from bench.common.report import command_line, publish
from bench.scale.measurement import measure
from bench.scale.report import SECTION_TITLE, merge, section

TYPES = ("flat", "hnsw")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command-line options."""
    parser = bench_parser("bench.scale", scale.__doc__.split("\n\n")[0])
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
