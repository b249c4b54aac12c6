"""Score the retrieval configurations: `python -m bench.quality --help`."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from bench.common.options import bench_parser
from bench.common.paths import DEV_QUESTIONS, REPO_ROOT, SHARED_BENCHMARKS, from_root
from bench.common.report import command_line
from bench.quality.report import DOC_PATH, render, write_doc
from bench.quality.runs import RESULTS_FILE, measure
from bench.quality.scoring import log

DESCRIPTION = (
    "Score dense, BM25 and hybrid retrieval (convex alpha 0.3/0.5/0.7, RRF k 10/60) on BEIR "
    "collections and on the dev question set. Run from the repository root."
)
COLLECTIONS = ("cranfield", "cisi", "med", "npl", "scifact")
DEFAULT_WORK_DIR = Path("/tmp/askreport-quality")
DEFAULT_CORPUS = Path("corpus")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command-line options; relative paths are taken from the repository root."""
    parser = _parser()
    args = parser.parse_args(argv)
    args.collections = [c for c in args.collections if c]
    for name in ("data", "work_dir", "dev_set", "corpus"):
        setattr(args, name, from_root(getattr(args, name)))
    if args.k < 1:
        parser.error("--k must be at least 1")
    if args.render is not None:
        if not args.render.is_file():
            parser.error(f"no results file at {args.render}")
        return args
    _check_inputs(parser, args)
    return args


def _parser() -> argparse.ArgumentParser:
    """The options, with their help texts and defaults."""
    parser = bench_parser("bench.quality", DESCRIPTION)
    parser.add_argument(
        "--collections",
        nargs="+",
        default=list(COLLECTIONS),
        metavar="NAME",
        help="BEIR collections (folders under --data) to score; none with --collections '' (default: %(default)s)",
    )
    parser.add_argument(
        "--data", type=Path, default=SHARED_BENCHMARKS, help="folder holding the collections (default: %(default)s)"
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=DEFAULT_WORK_DIR,
        help="indexes go to WORK_DIR/NAME and WORK_DIR/dev, reused by later runs (default: %(default)s)",
    )
    parser.add_argument(
        "--dev-set", type=Path, default=DEV_QUESTIONS, help="question set to score (default: %(default)s)"
    )
    parser.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus the dev set asks about (default: %(default)s)"
    )
    parser.add_argument("--no-dev", action="store_true", help="skip the dev question set")
    parser.add_argument("--k", type=int, default=5, help="passages per dev-set question (default: %(default)s)")
    parser.add_argument("--write", action="store_true", help="replace docs/quality.md with the report")
    parser.add_argument(
        "--render",
        type=Path,
        default=None,
        metavar="RESULTS_JSON",
        help="measure nothing: rebuild the report from a results file an earlier run saved",
    )
    return parser


def _check_inputs(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """A parser error unless the collections, the question set and the corpus to measure are there."""
    for name in args.collections:
        if not (args.data / name / "corpus.jsonl").is_file():
            parser.error(f"no BEIR collection at {args.data / name} (corpus.jsonl missing)")
    if not args.no_dev and not args.dev_set.is_file():
        parser.error(f"no question set at {args.dev_set}")
    if not args.no_dev and not args.corpus.is_dir():
        parser.error(f"no corpus directory at {args.corpus}")
    if not args.collections and args.no_dev:
        parser.error("nothing to do: no collections and --no-dev")


def main(argv: Sequence[str] | None = None) -> None:
    """Measure (or re-render), print the report, optionally write docs/quality.md."""
    args = parse_args(argv)
    if args.render is not None:
        data = json.loads(args.render.read_text(encoding="utf-8"))
    else:
        data = measure(args, command_line("bench.quality", argv))
        log(f"raw results in {args.work_dir / RESULTS_FILE}")
    body = render(data)
    print(body)
    if args.write:
        write_doc(DOC_PATH, body)
        log(f"wrote {DOC_PATH.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
