"""What every `askreport` command shares: the Typer app, options, settings and error handling."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from server.settings import Settings

if TYPE_CHECKING:
    from indexer import Embedder

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


def configure_cli_logging() -> None:
    """Library warnings stay quiet on a terminal: only errors, as `LEVEL logger: message`."""
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")


def settings_with(**overrides: Any) -> Settings:
    from pydantic import ValidationError

    try:
        settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(f"ASKREPORT_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        raise fail(f"invalid setting: {problems}", 2) from None
    return settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


@contextmanager
def library_errors() -> Iterator[None]:
    """Turn library errors into a message on stderr and exit status 1."""
    from indexer import AskreportError

    try:
        yield
    except AskreportError as exc:
        raise fail(str(exc)) from None


def progress_bar(desc: str) -> tuple[Callable[[int, int], None], Callable[[], None]]:
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


def check_model(settings: Settings) -> None:
    """Raise ModelLoadError unless the configured model directory holds a model (without loading it)."""
    from indexer import bundled_model_path, check_model_dir

    check_model_dir(settings.model_path() or bundled_model_path())


def load_embedder(settings: Settings) -> Embedder:
    from indexer import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(settings.model_path())
