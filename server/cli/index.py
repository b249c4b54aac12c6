"""Commands that build and manage the index: index, watch, rollback, info."""

from __future__ import annotations

import logging
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from server.cli.common import (
    CorpusOpt,
    FullOpt,
    IndexOpt,
    app,
    library_errors,
    load_embedder,
    progress_bar,
    settings_with,
)
from server.settings import Settings

if TYPE_CHECKING:
    from indexer import BuildSummary, Embedder

log = logging.getLogger(__name__)
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """`text` with control and format characters (newlines, ESC, bidi overrides) escaped for a terminal."""
    return "".join(
        _ESCAPES.get(ch) or (f"\\u{ord(ch):04x}" if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") else ch)
        for ch in text
    )


def _build(settings: Settings, embedder: Embedder, full: bool) -> BuildSummary:
    from server.build_process import build_with_settings

    update, close = progress_bar("embedding")
    try:
        return build_with_settings(settings, embedder, full, update)
    finally:
        close()


def _report(summary: BuildSummary) -> None:
    for skipped in summary.skipped:
        typer.secho(
            f"warning: skipped {printable(skipped.path)}: {printable(skipped.reason)}", err=True, fg=typer.colors.YELLOW
        )
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

    settings = settings_with(corpus_dir=corpus, index_dir=index)
    with library_errors():
        corpus_files(settings.corpus_dir)  # fail fast, before the model loads
        summary = _build(settings, load_embedder(settings), full)
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

    from indexer import corpus_files

    settings = settings_with(corpus_dir=corpus, index_dir=index)
    with library_errors():
        corpus_files(settings.corpus_dir)
        embedder = load_embedder(settings)
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
        _build_and_report(settings, embedder)


def _corpus_state(corpus: Path) -> list[tuple[str, int, int]]:
    """Path, modification time and size of every corpus file and sidecar: what a rebuild would see."""
    from indexer import AskreportError, corpus_files

    try:
        files = corpus_files(corpus, sidecars=True)
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
    """Build and print the summary; a failed build is reported and watching goes on (the next change
    may fix it), whatever the failure: a full disk, a corpus being moved, a bug."""
    from indexer import AskreportError

    try:
        _report(_build(settings, embedder, full=False))
    except AskreportError as exc:
        typer.secho(f"error: {exc}; watching for the next change", err=True, fg=typer.colors.RED)
    except Exception as exc:
        log.exception("build failed")
        typer.secho(
            f"error: the build failed ({type(exc).__name__}: {exc}); watching for the next change",
            err=True,
            fg=typer.colors.RED,
        )


@app.command()
def rollback(index: IndexOpt = None) -> None:
    """Make the previous kept generation current again (a running server follows)."""
    from indexer import rollback as roll_back

    settings = settings_with(index_dir=index)
    with library_errors():
        done = roll_back(settings.index_dir)
    typer.echo(f"rolled back from {done.before} to {done.after}")


def _pages(pages: tuple[int, ...], shown: int = 10) -> str:
    listed = ", ".join(str(p) for p in pages[:shown])
    return listed + (f" and {len(pages) - shown} more" if len(pages) > shown else "")


@app.command()
def info(
    index: IndexOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the manifest as JSON.")] = False,
) -> None:
    """Show the current index generation: model, counts, documents and skipped files."""
    from indexer import status

    settings = settings_with(index_dir=index)
    with library_errors():
        current = status(settings.index_dir)
    manifest = current.manifest
    if as_json:
        typer.echo(manifest.to_json(), nl=False)
        return
    kept = ", ".join(current.kept)
    typer.echo(f"index:      {settings.index_dir}")
    typer.echo(f"generation: {manifest.generation} (built {manifest.built_at}; kept: {kept})")
    typer.echo(f"model:      {manifest.model_name} (dimension {manifest.model_dim})")
    typer.echo(f"vectors:    {manifest.index_type}")
    typer.echo(f"documents:  {len(manifest.documents)}   chunks: {manifest.chunk_count}")
    for d in manifest.documents:
        unreadable = f", unreadable pages: {_pages(d.unreadable_pages)}" if d.unreadable_pages else ""
        typer.echo(f"  {d.id}: {d.chunks} chunks, sha256 {d.content_hash[:12]}{unreadable}")
    for s in manifest.skipped:
        typer.echo(f"  skipped {printable(s.path)}: {printable(s.reason)}")
