"""The `askreport` command: index, watch, rollback, info, ask, eval, serve."""

from __future__ import annotations

import logging

from server.cli import indexing, querying  # noqa: F401  (importing registers the commands)
from server.cli.common import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the `askreport` console script."""
    from indexer import prefer_passive_openmp

    prefer_passive_openmp()
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    app()
