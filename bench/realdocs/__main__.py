"""Measure askreport on the real reports of `../shared/realdocs/`; `--write` updates docs/quality.md."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from bench.common.options import docstring_parser
from bench.common.paths import DOCS, from_root
from bench.common.report import command_line, provenance, publish
from bench.realdocs import answers, reading, report

QUALITY_DOC = DOCS / "quality.md"


def parse_args() -> argparse.Namespace:
    parser = docstring_parser(sys.modules["bench.realdocs"].__doc__)
    parser.add_argument("--realdocs", type=Path, default=Path("../shared/realdocs"), help="the shared real-docs set")
    parser.add_argument(
        "--work-dir", type=Path, default=Path("/tmp/askreport-realdocs"), help="its index (reused when unchanged)"
    )
    parser.add_argument(
        "--write", action="store_true", help=f"replace the {report.TITLE[3:]!r} section of docs/quality.md"
    )
    args = parser.parse_args()
    args.realdocs = from_root(args.realdocs)
    if not (args.realdocs / "questions.jsonl").is_file():
        parser.error(f"--realdocs: no questions.jsonl in {args.realdocs}")
    return args


def main() -> None:
    from indexer import SentenceTransformerEmbedder, prefer_passive_openmp, read_question_set

    prefer_passive_openmp()
    args = parse_args()
    docs, structure = args.realdocs / "docs", json.loads((args.realdocs / "structure.json").read_text())
    reads = reading.read_all(docs)
    titles_right, titles = report.title_lines(reads, structure)
    labels_right, labels_total, label_misses = report.label_counts(reads, structure)
    embedder = SentenceTransformerEmbedder()
    generation = answers.index_of(docs, args.work_dir, embedder)
    rows = read_question_set(args.realdocs / "questions.jsonl")
    scores, hits_of = answers.scores(generation, embedder, rows)
    pages = answers.page_check(rows, hits_of)
    body = "\n".join(
        [
            report.TITLE,
            "",
            f"Command: `{command_line('bench.realdocs')}`. {provenance()} CPUs: {len(os.sched_getaffinity(0))}.",
            "",
            f"{len(reads)} files of `../shared/realdocs/docs/`, {len(rows)} rows of its `questions.jsonl`, k = "
            f"{answers.K}; matching as in `../shared/realdocs/README.md` (the shared eval's, plus NFKC).",
            "",
            *report.answer_lines(scores, pages),
            f"- titles right: {titles_right} of {len(reads)}; printed page labels of `structure.json` given to "
            f"their page: {labels_right} of {labels_total}",
            *report.structure_lines(reads, structure),
            report.speed_line(reads),
            "",
            *titles,
            "",
            "Page labels missed: " + ("; ".join(label_misses) or "none") + ".",
            "",
        ]
    )
    publish(report.TITLE, body, args.write, QUALITY_DOC)


if __name__ == "__main__":
    main()
