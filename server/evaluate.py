"""`askreport eval`: score the system on a question set or a BEIR collection, and print the tables."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import typer

from indexer import (
    Embedder,
    QuestionSetReport,
    SearchMode,
    evaluate_beir,
    evaluate_questions,
    read_question_set,
)
from server.engine import Engine


def run_question_set(path: Path, engine: Engine, k: int, mode: SearchMode | None) -> QuestionSetReport:
    """Every question through `Engine.ask`, the code path of `POST /api/ask`."""

    def answer(question: str, earlier: Sequence[str]) -> tuple[list[str], bool, str]:
        result = engine.ask(question, k, mode, earlier).retrieval
        return [h.text for h in result.hits], result.found, result.query

    return evaluate_questions(read_question_set(path), answer)


def print_question_set(report: QuestionSetReport, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(asdict(report), indent=2))
        return
    typer.echo(f"{'group':<28} {'n':>3} {'hit@1':>6} {'hit@3':>6} {'hit@5':>6} {'MRR':>6}")
    for group, m in report.groups.items():
        typer.echo(f"{group:<28} {m.count:>3} {m.hit1:>6.3f} {m.hit3:>6.3f} {m.hit5:>6.3f} {m.mrr:>6.3f}")
    typer.echo(f"unanswerable flagged as not found: {report.unanswerable_flagged:.0%}")
    typer.echo(f"answerable wrongly flagged:        {report.answerable_flagged:.0%}")
    for miss in report.misses:
        where = "not in top 5" if miss.rank is None else f"rank {miss.rank}, flagged not found"
        if miss.group == "unanswerable":
            where = "not flagged"
        typer.echo(f"  miss {miss.id} ({miss.group}, {where}): {miss.question}  [searched: {miss.query}]")


def run_beir(directory: Path, embedder: Embedder, work_dir: Path | None, as_json: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="askreport-beir-") as tmp:
        results = evaluate_beir(directory, embedder, work_dir or Path(tmp))
    if as_json:
        typer.echo(json.dumps({mode.value: asdict(m) for mode, m in results.items()}, indent=2))
        return
    typer.echo(f"{directory.name}: {next(iter(results.values())).queries} queries")
    typer.echo(f"{'mode':<8} {'nDCG@10':>8} {'MAP':>6} {'R@100':>6} {'MRR':>6}")
    for mode, m in results.items():
        typer.echo(f"{mode.value:<8} {m.ndcg10:>8.3f} {m.map:>6.3f} {m.recall100:>6.3f} {m.mrr:>6.3f}")
