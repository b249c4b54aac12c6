"""The `askreport` command: index, watch, rollback, info, ask, eval, serve."""

from __future__ import annotations

from server.cli import index, query, serve  # noqa: F401  (importing registers the commands)
from server.cli.common import app, configure_cli_logging

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the `askreport` console script."""
    from indexer import prefer_passive_openmp

    prefer_passive_openmp()
    configure_cli_logging()
    app()
