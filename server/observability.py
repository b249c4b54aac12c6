"""Request ids, structured JSON logs and Prometheus metrics.

Every request gets an id (the caller's `X-Request-ID` when it is a short token, else a new
one), echoed in the response's `X-Request-ID` header and written on its log line. Log lines
are JSON objects; they never contain headers (so no keys) nor query strings (so no questions),
and a stalled stderr never blocks the server (see server.logs). `GET /metrics` (server.routes.health)
serves request counts and latencies by route and status (made-up methods and unmatched paths each
share one label), the batch sizes of the model calls, the served index generation and the outcomes
and durations of server-side builds.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.logs import JsonFormatter as JsonFormatter
from server.logs import configure_logging as configure_logging
from server.logs import dropped_log_records
from server.logs import stop_logging as stop_logging

log = logging.getLogger("askreport.requests")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# methods a client may send that get their own label; anything else is counted as "other"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})
LATENCY_BUCKETS = (0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The app's own Prometheus registry (one per app, so tests can build many apps)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "askreport_requests_total",
            "HTTP requests by route, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "askreport_request_duration_seconds",
            "Time to answer an HTTP request, by route and method.",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.builds = Counter(
            "askreport_builds_total", "Server-started index builds by outcome.", ["outcome"], registry=self.registry
        )
        self.build_seconds = Histogram(
            "askreport_build_duration_seconds",
            "Duration of server-started index builds.",
            ["outcome"],
            buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600),
            registry=self.registry,
        )

    def watch(self, app_state: Any) -> None:
        """Also report what the running app holds: the served generation and the batcher's calls."""
        self.registry.register(_StateCollector(app_state))

    def build_finished(self, outcome: str, seconds: float) -> None:
        self.builds.labels(outcome).inc()
        self.build_seconds.labels(outcome).observe(seconds)


class _StateCollector(Collector):
    def __init__(self, app_state: Any) -> None:
        self._state = app_state

    def collect(self) -> Iterator[Any]:
        yield CounterMetricFamily(
            "askreport_log_records_dropped",
            "Log records dropped because stderr was not read fast enough (the log queue was full).",
            dropped_log_records(),
        )
        engine = getattr(self._state, "engine", None)
        if engine is None:
            return
        generation = engine.loaded
        info = GaugeMetricFamily(
            "askreport_index_generation_info", "The index generation being served (value 1).", labels=["generation"]
        )
        chunks = GaugeMetricFamily("askreport_index_chunks", "Chunks in the served generation.")
        if generation is not None:
            info.add_metric([generation.name], 1)
            chunks.add_metric([], generation.manifest.chunk_count)
        yield info
        yield chunks
        failed = GaugeMetricFamily(
            "askreport_index_load_failed",
            "1 while the generation CURRENT points at could not be loaded (an older one is served).",
        )
        failed.add_metric([], 1 if engine.load_error is not None else 0)
        yield failed
        stats = engine.batcher.stats()
        calls = CounterMetricFamily(
            "askreport_model_calls",
            "Model calls for queries and highlights, by how many requests shared the call.",
            labels=["requests_in_call"],
        )
        for size, count in sorted(stats.requests_per_call.items()):
            calls.add_metric([str(size)], count)
        yield calls
        yield CounterMetricFamily("askreport_model_texts", "Texts encoded for queries and highlights.", stats.texts)
        cache = engine.query_embedder
        yield CounterMetricFamily("askreport_query_cache_hits", "Query embeddings taken from the cache.", cache.hits)
        yield CounterMetricFamily("askreport_query_cache_misses", "Query embeddings computed.", cache.misses)


class RequestContext:
    """ASGI middleware: request id, one JSON log line and the metrics of every HTTP request."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = _route_of(scope)
            method = method_label(scope["method"])
            self.metrics.requests.labels(route, method, str(status)).inc()
            self.metrics.latency.labels(route, method).observe(seconds)
            log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": method,
                    "route": route,
                    "status": status,
                    "ms": round(seconds * 1000, 2),
                    "client": (scope.get("client") or ("-",))[0],
                },
            )


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _SAFE_ID.match(text) else None
    return None


def method_label(method: str) -> str:
    """The method as a metric label: made-up methods are one label, so clients cannot grow /metrics."""
    return method if method in KNOWN_METHODS else "other"


def _route_of(scope: Scope) -> str:
    """The matched route's template (`/api/documents/{document_id}`), never the raw path."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "unmatched"
