"""Commands that answer and measure: ask (with its own printing) and eval (hit@k and MRR, or BEIR scores)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from indexer import SearchMode
from server.cli.common import IndexOpt, app, fail, library_errors, load_embedder, settings_with

if TYPE_CHECKING:
    from indexer import Embedder, QuestionSetReport
    from server.engine import Engine
    from server.schemas import AskResponse


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in plain language.")],
    k: Annotated[int, typer.Option("--k", min=1, max=50, help="How many passages to return.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print the API's JSON response.")] = False,
    mode: Annotated[
        SearchMode | None,
        typer.Option(help="hybrid, dense or bm25 (env ASKREPORT_SEARCH_MODE; default hybrid)."),
    ] = None,
    index: IndexOpt = None,
) -> None:
    """Print the passages that best answer QUESTION, with their citations."""
    from server.answers import answer_out
    from server.engine import Engine

    if not question.strip():
        raise fail('the question is empty: pass it as text, e.g. askreport ask "What is MIEUX?"', 2)
    settings = settings_with(index_dir=index)
    with library_errors():
        engine = Engine.from_settings(settings, load_embedder(settings))
        response = answer_out(engine.ask(question, k, mode))
    if as_json:
        typer.echo(response.model_dump_json(indent=2))
        return
    print_passages(response)


def print_passages(response: AskResponse) -> None:
    """Each passage under a bold line: rank, title, section path, page, span and score."""
    for p in response.passages:
        c = p.citation
        where = " › ".join(c.section) or "(no section)"
        page = f", p. {c.page}" if c.page is not None else ""
        typer.secho(f"[{p.rank}] {c.title} — {where}{page} [{c.start}:{c.end}] score {p.score:.3f}", bold=True)
        typer.echo(p.text.strip() + "\n")


@app.command("eval")
def evaluate(
    questions: Annotated[
        Path | None, typer.Argument(help="A question set in the shared/eval JSON Lines format.", exists=True)
    ] = None,
    beir: Annotated[
        Path | None,
        typer.Option(help="A BEIR-layout folder (corpus.jsonl, queries.jsonl, qrels/test.tsv) to index and score."),
    ] = None,
    work_dir: Annotated[
        Path | None, typer.Option(help="With --beir: keep the collection's index here (reused next time).")
    ] = None,
    k: Annotated[int, typer.Option("--k", min=1, max=50, help="Passages per question.")] = 5,
    mode: Annotated[SearchMode | None, typer.Option(help="hybrid, dense or bm25 (default: the setting).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON.")] = False,
    index: IndexOpt = None,
) -> None:
    """Score retrieval: hit@k and MRR on a question set, or nDCG@10/MAP/R@100/MRR on a BEIR collection."""
    from server.engine import Engine

    if (questions is None) == (beir is None):
        raise fail("give either a question set FILE or --beir DIR", 2)
    settings = settings_with(index_dir=index)
    with library_errors():
        embedder = load_embedder(settings)
        if beir is not None:
            run_beir(beir, embedder, work_dir, as_json)
        elif questions is not None:
            engine = Engine.from_settings(settings, embedder)
            print_question_set(run_question_set(questions, engine, k, mode), as_json)


def run_question_set(path: Path, engine: Engine, k: int, mode: SearchMode | None) -> QuestionSetReport:
    """Every question through `Engine.ask`, the code path of `POST /api/ask`."""
    from indexer import evaluate_questions, read_question_set

    def answer(question: str, earlier: Sequence[str]) -> tuple[list[str], bool, str]:
        result = engine.ask(question, k, mode, earlier).retrieval
        return [h.text for h in result.hits], result.found, result.query

    return evaluate_questions(read_question_set(path), answer)


def print_question_set(report: QuestionSetReport, as_json: bool) -> None:
    """The table of hit@1/3/5 and MRR by group, the not-found rates and every miss (or all of it as JSON)."""
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
    """Index and score a BEIR collection in every search mode, and print the table (or JSON)."""
    from indexer import evaluate_beir

    with tempfile.TemporaryDirectory(prefix="askreport-beir-") as tmp:
        results = evaluate_beir(directory, embedder, work_dir or Path(tmp))
    if as_json:
        typer.echo(json.dumps({mode.value: asdict(m) for mode, m in results.items()}, indent=2))
        return
    typer.echo(f"{directory.name}: {next(iter(results.values())).queries} queries")
    typer.echo(f"{'mode':<8} {'nDCG@10':>8} {'MAP':>6} {'R@100':>6} {'MRR':>6}")
    for mode, m in results.items():
        typer.echo(f"{mode.value:<8} {m.ndcg10:>8.3f} {m.map:>6.3f} {m.recall100:>6.3f} {m.mrr:>6.3f}")
