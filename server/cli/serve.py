"""`askreport serve`: one process that holds the model, or a supervisor and N worker processes.

Both read the same settings: the environment's, overridden by the command line's options. A
worker process builds its app from its environment (`server.app.create_worker_app`), so with
`--workers N` this process replaces itself (`exec`, same process id) with uvicorn's supervisor,
`python -m server.cli.workers`, started with an environment that carries the options.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from server.cli.common import IndexOpt, app, check_model, library_errors, load_embedder, settings_with
from server.settings import Settings


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
    from indexer import limit_threads

    options: dict[str, str | int | Path | None] = {"host": host, "port": port, "index_dir": index, "workers": workers}
    settings = settings_with(**options)
    limit_threads(settings.threads_per_worker())
    if settings.workers > 1:
        serve_workers(settings, options)
    else:
        serve_one_process(settings)


def serve_one_process(settings: Settings) -> None:
    """Load the model here (a bad one fails with a message, not inside uvicorn) and serve from this process."""
    import uvicorn

    from server.app import create_app
    from server.connections import raise_descriptor_limit, uvicorn_options
    from server.observability import configure_logging, stop_logging

    with library_errors():
        embedder = load_embedder(settings)
    app = create_app(settings, embedder=embedder)
    configure_logging(settings.log_level, settings.log_queue_size)
    _, descriptors = raise_descriptor_limit()
    try:
        uvicorn.run(app, **uvicorn_options(settings, descriptors))
    finally:
        stop_logging()


def serve_workers(settings: Settings, options: dict[str, str | int | Path | None]) -> None:
    """Become the supervisor of `settings.workers` worker processes; never returns."""
    with library_errors():
        check_model(settings)  # fail here, with a message, rather than in every worker
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, "-m", "server.cli.workers"], worker_environment(options))


def worker_environment(options: dict[str, str | int | Path | None]) -> dict[str, str]:
    """This process's environment plus the given options as `ASKREPORT_*` variables (they win, as on the
    command line), and a PYTHONPATH that imports the same `server` as this process."""
    given = {f"ASKREPORT_{name.upper()}": str(value) for name, value in options.items() if value is not None}
    return {**os.environ, **given, "PYTHONPATH": os.pathsep.join(p or os.curdir for p in sys.path)}
