"""The supervisor of `askreport serve --workers N`: `python -m server.cli.workers` (see server.cli.serve).

Its settings, and every worker's, come from the environment that `askreport serve` started it with.
"""

from __future__ import annotations


def main() -> None:
    """Start uvicorn's supervisor and its workers; each worker builds its app with `create_worker_app`."""
    import uvicorn

    from server.cli.common import configure_cli_logging
    from server.connections import raise_descriptor_limit, uvicorn_options
    from server.settings import Settings

    configure_cli_logging()
    settings = Settings()
    _, descriptors = raise_descriptor_limit()  # the workers inherit it
    options = uvicorn_options(settings, descriptors)
    uvicorn.run("server.app:create_worker_app", factory=True, workers=settings.workers, **options)


if __name__ == "__main__":
    main()
