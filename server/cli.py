"""The `askreport` command: index, ask, serve, info, watch, rollback."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from indexer.search import SearchMode
from server.settings import Settings

if TYPE_CHECKING:
    from indexer import BuildSummary, Embedder

app = typer.Typer(
    name="askreport",
    help="Ask questions about your reports; get back the best passages with citations.",
    no_args_is_help=True,
    add_completion=False,
)

IndexOpt = Annotated[
    Path | None,
    typer.Option("--index", help="Index directory (env ASKREPORT_INDEX_DIR; default var/index)."),
]
CorpusOpt = Annotated[
    Path | None,
    typer.Option("--corpus", help="Corpus directory (env ASKREPORT_CORPUS_DIR; default corpus)."),
]
FullOpt = Annotated[bool, typer.Option("--full", help="Re-embed everything instead of reusing unchanged chunks.")]


def _settings(**overrides: Any) -> Settings:
    from pydantic import ValidationError

    try:
        settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(f"ASKREPORT_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        raise _fail(f"invalid setting: {problems}", 2) from None
    return settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


@contextmanager
def _library_errors() -> Iterator[None]:
    """Turn library errors into a message on stderr and exit status 1."""
    from indexer import AskreportError

    try:
        yield
    except AskreportError as exc:
        raise _fail(str(exc)) from None


def _progress_bar(desc: str) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    from tqdm import tqdm

    bar: tqdm[Any] | None = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=desc, unit="chunk", file=sys.stderr)
        bar.update(done - bar.n)

    def close() -> None:
        if bar is not None:
            bar.close()

    return update, close


def _embedder(settings: Settings) -> Embedder:
    from indexer import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(settings.model_path())


def _build(settings: Settings, embedder: Embedder, full: bool) -> BuildSummary:
    from indexer import build_index

    update, close = _progress_bar("embedding")
    try:
        return build_index(
            settings.corpus_dir,
            settings.index_dir,
            embedder,
            progress=update,
            full=full,
            max_file_bytes=settings.max_file_bytes,
        )
    finally:
        close()


def _report(summary: BuildSummary) -> None:
    for skipped in summary.skipped:
        typer.secho(f"warning: skipped {skipped.path}: {skipped.reason}", err=True, fg=typer.colors.YELLOW)
    if summary.full_reason:
        typer.echo(f"full build: {summary.full_reason}")
    typer.echo(
        f"indexed {summary.documents} documents into {summary.chunks} chunks: "
        f"{summary.embedded} embedded, {summary.reused} reused, {summary.removed} removed "
        f"({len(summary.skipped)} files skipped) in {summary.seconds:.1f} s"
    )
    typer.echo(f"generation {summary.generation} is now current ({summary.path})")


@app.command()
def index(corpus: CorpusOpt = None, index: IndexOpt = None, full: FullOpt = False) -> None:
    """Build a new index generation from the corpus and publish it (incremental by default)."""
    from indexer import corpus_files

    settings = _settings(corpus_dir=corpus, index_dir=index)
    with _library_errors():
        corpus_files(settings.corpus_dir)  # fail fast, before the model loads
        summary = _build(settings, _embedder(settings), full)
    _report(summary)


@app.command()
def watch(
    corpus: CorpusOpt = None,
    index: IndexOpt = None,
    debounce: Annotated[
        int, typer.Option(min=50, help="Milliseconds of quiet before a change triggers a build.")
    ] = 1000,
) -> None:
    """Build now, then rebuild (incrementally) whenever files under the corpus change. Ctrl+C stops."""
    from watchfiles import watch as watch_files

    from indexer import AskreportError, corpus_files

    settings = _settings(corpus_dir=corpus, index_dir=index)
    with _library_errors():
        corpus_files(settings.corpus_dir)
        embedder = _embedder(settings)
    seen = _corpus_state(settings.corpus_dir)
    _build_and_report(settings, embedder)
    typer.echo(f"watching {settings.corpus_dir} for changes (Ctrl+C to stop)")
    # Events say when to look; the corpus state decides whether to build, so a change made while
    # a build ran, or before the watcher started, is never missed.
    events = watch_files(
        settings.corpus_dir,
        debounce=debounce,
        raise_interrupt=False,
        yield_on_timeout=True,
        rust_timeout=2000,
    )
    for _ in events:
        state = _corpus_state(settings.corpus_dir)
        if state == seen:
            continue
        seen = state
        typer.echo(f"change under {settings.corpus_dir}: rebuilding")
        try:
            _build_and_report(settings, embedder)
        except AskreportError as exc:  # keep watching: the next change may fix it
            typer.secho(f"error: {exc}", err=True, fg=typer.colors.RED)


def _corpus_state(corpus: Path) -> list[tuple[str, int, int]]:
    """Path, modification time and size of every corpus file: what a rebuild would see."""
    from indexer import AskreportError, corpus_files

    try:
        files = corpus_files(corpus)
    except AskreportError:
        return []
    state = []
    for path in files:
        try:
            st = path.stat()
        except OSError:
            continue
        state.append((str(path), st.st_mtime_ns, st.st_size))
    return state


def _build_and_report(settings: Settings, embedder: Embedder) -> None:
    _report(_build(settings, embedder, full=False))


@app.command()
def rollback(index: IndexOpt = None) -> None:
    """Make the previous kept generation current again (a running server follows)."""
    from indexer import build_lock, current_name, point_current, previous_name

    settings = _settings(index_dir=index)
    with _library_errors(), build_lock(settings.index_dir):
        before = current_name(settings.index_dir)
        target = previous_name(settings.index_dir)
        point_current(settings.index_dir, target)
    typer.echo(f"rolled back from {before} to {target}")


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
        raise _fail('the question is empty: pass it as text, e.g. askreport ask "What is MIEUX?"', 2)
    settings = _settings(index_dir=index)
    with _library_errors():
        engine = Engine(
            settings.index_dir,
            _embedder(settings),
            mode=settings.search_mode,
            found_threshold=settings.found_threshold,
        )
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
        raise _fail("give either a question set FILE or --beir DIR", 2)
    settings = _settings(index_dir=index)
    with _library_errors():
        embedder = _embedder(settings)
        if beir is not None:
            run_beir(beir, embedder, work_dir, as_json)
        elif questions is not None:
            engine = Engine(
                settings.index_dir, embedder, mode=settings.search_mode, found_threshold=settings.found_threshold
            )
            print_question_set(run_question_set(questions, engine, k, mode), as_json)


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (env ASKREPORT_HOST; default 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (env ASKREPORT_PORT; default 8000).")] = None,
    index: IndexOpt = None,
) -> None:
    """Serve the HTTP API, the demo page and the OpenAPI docs (/docs)."""
    import uvicorn

    from server.app import create_app

    settings = _settings(host=host, port=port, index_dir=index)
    with _library_errors():
        embedder = _embedder(settings)  # a bad model fails here, with a message, not in uvicorn
    app = create_app(settings, embedder=embedder)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level)


@app.command()
def info(
    index: IndexOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the manifest as JSON.")] = False,
) -> None:
    """Show the current index generation: model, counts, documents and skipped files."""
    from indexer import current_dir, generation_names, read_manifest

    settings = _settings(index_dir=index)
    with _library_errors():
        path = current_dir(settings.index_dir)
        manifest = read_manifest(path)
    if as_json:
        typer.echo(manifest.to_json(), nl=False)
        return
    kept = ", ".join(generation_names(settings.index_dir))
    typer.echo(f"index:      {settings.index_dir}")
    typer.echo(f"generation: {manifest.generation} (built {manifest.built_at}; kept: {kept})")
    typer.echo(f"model:      {manifest.model_name} (dimension {manifest.model_dim})")
    typer.echo(f"vectors:    {manifest.index_type}")
    typer.echo(f"documents:  {len(manifest.documents)}   chunks: {manifest.chunk_count}")
    for d in manifest.documents:
        typer.echo(f"  {d.id}: {d.chunks} chunks, sha256 {d.content_hash[:12]}")
    for s in manifest.skipped:
        typer.echo(f"  skipped {s.path}: {s.reason}")


def main() -> None:
    """Entry point of the `askreport` console script."""
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    app()
