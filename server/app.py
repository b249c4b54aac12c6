"""The FastAPI application: `create_app(settings)` builds it, `lifespan` loads model and index into `app.state`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware

from indexer import Embedder, SentenceTransformerEmbedder, limit_threads, prefer_passive_openmp
from server import errors
from server.builds import BuildManager
from server.conversations import ConversationStore
from server.engine import Engine
from server.middleware import BodySizeLimit
from server.observability import Metrics, RequestContext, configure_logging
from server.ratelimit import RateLimiter
from server.routes import documents, health, index, pages, search
from server.settings import Settings
from server.source_view import SourceViews

VERSION = "0.1.0"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load the model and the index, start watching for new generations; on shutdown, stop builds and the watcher.

    Reads what `create_app` put on `app.state` (settings, the shared embedder if any, metrics) and adds
    the engine, the conversation store and the build manager.
    """
    settings: Settings = app.state.settings
    shared: Embedder | None = app.state.embedder
    metrics: Metrics = app.state.metrics
    if shared is None:  # a process of its own (a worker): keep to its share of the cores
        limit_threads(settings.threads_per_worker())
    engine = Engine.from_settings(settings, shared or SentenceTransformerEmbedder(settings.model_path()))
    engine.refresh()
    engine.warm_up()
    engine.start_watching()
    app.state.engine = engine
    app.state.conversations = ConversationStore(
        settings.conversations_db, settings.conversation_ttl, settings.max_conversations
    )
    app.state.builds = BuildManager(settings, engine.refresh, on_finished=metrics.build_finished)
    yield
    app.state.builds.close()
    engine.close()


def create_app(settings: Settings | None = None, embedder: Embedder | None = None) -> FastAPI:
    """Build the app. Nothing is loaded until the lifespan starts.

    `embedder` lets a caller that already holds a loaded model (tests, benchmarks) share it.
    """
    settings = settings or Settings()
    app = FastAPI(
        title="askreport",
        version=VERSION,
        description="Ask questions about your reports; get back the best passages with citations.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.embedder = embedder
    app.state.limiter = RateLimiter(settings.rate_limit, settings.rate_burst) if settings.rate_limit > 0 else None
    app.state.source_views = SourceViews()
    app.state.metrics = metrics = Metrics()
    metrics.watch(app.state)
    _add_middleware(app, settings, metrics)
    errors.register(app)
    for routes in (search, documents, health, index, pages):
        app.include_router(routes.router)
    return app


def _add_middleware(app: FastAPI, settings: Settings, metrics: Metrics) -> None:
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_kb * 1024)
    app.add_middleware(GZipMiddleware, minimum_size=1024)  # widget.js: 13.8 kB -> 4.7 kB
    app.add_middleware(RequestContext, metrics=metrics)  # request id, log line, metrics (also of 413s)
    if settings.allowed_origins:
        # pages on these origins may call the API (the search box); any other origin gets no CORS headers
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.allowed_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["authorization", "content-type"],
            expose_headers=["retry-after"],
            max_age=600,
        )


def create_worker_app() -> FastAPI:
    """The app of one `askreport serve --workers N` process: settings from the environment, JSON logs."""
    prefer_passive_openmp()
    settings = Settings()
    configure_logging(settings.log_level, settings.log_queue_size)
    return create_app(settings)
