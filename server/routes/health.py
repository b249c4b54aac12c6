"""Probes and metrics: GET /api/health (liveness), GET /api/ready (readiness), GET /metrics (Prometheus).

None of them is rate limited or needs a key: load balancers and scrapers call them often.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from server.deps import EngineDep
from server.errors import error_responses
from server.schemas import HealthOut

router = APIRouter()


@router.get(
    "/api/ready",
    summary="Readiness: 200 while a generation is served (`stale` if a newer one failed to load), 503 before",
    responses=error_responses(503, described={503: "No index loaded yet; `detail` says why and what to do."}),
)
def ready(engine: EngineDep) -> HealthOut:
    generation = engine.generation()  # raises IndexNotFoundError & co. -> 503 with the reason
    error = engine.load_error  # the generation CURRENT names failed to load: the older one still answers
    return HealthOut(
        status="ready" if error is None else "stale",
        index_loaded=True,
        generation=generation.name,
        load_error=None if error is None else str(error),
    )


@router.get("/api/health", summary="Liveness and index status")
def health(engine: EngineDep) -> HealthOut:
    loaded = engine.loaded
    return HealthOut(status="ok", index_loaded=loaded is not None, generation=loaded.name if loaded else None)


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """Prometheus text format."""
    registry: CollectorRegistry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
