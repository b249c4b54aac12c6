"""Commands that answer and measure: ask, eval, serve."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from indexer import SearchMode
from server.cli.common import IndexOpt, app, check_model, fail, library_errors, load_embedder, settings_with
from server.settings import Settings


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
    from server.api import answer_out
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
    for p in response.passages:
        c = p.citation
        where = " › ".join(c.section) or "(no section)"
        page = f", page {c.page}" if c.page is not None else ""
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
    from server.evaluate import print_question_set, run_beir, run_question_set

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


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (env ASKREPORT_HOST; default 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (env ASKREPORT_PORT; default 8000).")] = None,
    index: IndexOpt = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=64,
            help="Server processes sharing the port and the on-disk index (env ASKREPORT_WORKERS; default 1).",
        ),
    ] = None,
) -> None:
    """Serve the HTTP API, the demo page and the OpenAPI docs (/docs)."""
    import os

    import uvicorn

    from indexer import limit_threads
    from server.app import create_app
    from server.connections import raise_descriptor_limit
    from server.observability import configure_logging, stop_logging

    settings = settings_with(host=host, port=port, index_dir=index, workers=workers)
    limit_threads(settings.threads_per_worker())
    if settings.workers > 1:
        # each worker process builds its own app from the environment: pass the options on through it
        overrides = {"index_dir": index, "workers": workers}
        os.environ.update({f"ASKREPORT_{k.upper()}": str(v) for k, v in overrides.items() if v is not None})
        with library_errors():
            check_model(settings)  # fail here, with a message, rather than in every worker
        _, descriptors = raise_descriptor_limit()  # the workers inherit it
        options = _uvicorn_options(settings, descriptors)
        uvicorn.run("server.app:create_worker_app", factory=True, workers=settings.workers, **options)
        return
    with library_errors():
        embedder = load_embedder(settings)  # a bad model fails here, with a message, not in uvicorn
    app = create_app(settings, embedder=embedder)
    configure_logging(settings.log_level, settings.log_queue_size)
    _, descriptors = raise_descriptor_limit()
    try:
        uvicorn.run(app, **_uvicorn_options(settings, descriptors))
    finally:
        stop_logging()


def _uvicorn_options(settings: Settings, descriptors: int) -> dict[str, Any]:
    from server.connections import guarded_protocol

    return {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,  # JSON lines (server.observability), in each worker too
        "proxy_headers": True,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
        # slow headers are cut off, connections beyond the descriptors closed at once (slowloris)
        "http": guarded_protocol(settings.header_timeout, descriptors),
        "limit_concurrency": settings.limit_concurrency or None,  # beyond it: 503, not an ever longer queue
    }
