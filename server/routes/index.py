"""Index status and server-side rebuilds: GET /api/index, POST /api/admin/reindex."""

from __future__ import annotations

from fastapi import APIRouter, status

from indexer import IndexGeneration, generation_names
from server.builds import BuildState
from server.deps import (
    KEY_IF_CONFIGURED,
    SEARCH_KEY_401,
    AdminAccess,
    AdminEnabled,
    BuildsDep,
    EngineDep,
    RateLimit,
    SearchAccess,
)
from server.errors import error_responses
from server.schemas import (
    BuildOut,
    BuildProgressOut,
    GenerationOut,
    IndexedDocumentOut,
    IndexStatusOut,
    ModelOut,
    ReindexAccepted,
    ReindexRequest,
    SkippedOut,
)

router = APIRouter(prefix="/api")


def generation_out(generation: IndexGeneration) -> GenerationOut:
    m = generation.manifest
    return GenerationOut(
        generation=m.generation,
        built_at=m.built_at,
        model=ModelOut(name=m.model_name, dim=m.model_dim),
        index_type=m.index_type,
        documents=len(m.documents),
        chunks=m.chunk_count,
        per_document=[
            IndexedDocumentOut(
                id=d.id,
                title=d.title,
                content_hash=d.content_hash,
                chunks=d.chunks,
                unreadable_pages=list(d.unreadable_pages),
            )
            for d in m.documents
        ],
        skipped=[SkippedOut(path=s.path, reason=s.reason) for s in m.skipped],
        unreadable_pages=sum(len(d.unreadable_pages) for d in m.documents),
    )


def build_out(state: BuildState) -> BuildOut:
    out = BuildOut(
        id=state.id,
        state=state.state,
        full=state.full,
        started_at=state.started_at,
        finished_at=state.finished_at,
        error=state.error,
        progress=BuildProgressOut(done=state.progress[0], total=state.progress[1]) if state.progress else None,
    )
    s = state.summary
    if s is None:
        return out
    return out.model_copy(
        update={
            "generation": s.generation,
            "documents": s.documents,
            "chunks": s.chunks,
            "embedded": s.embedded,
            "reused": s.reused,
            "removed": s.removed,
            "seconds": round(s.seconds, 3),
        }
    )


@router.get(
    "/index",
    summary="The served generation, kept generations and the last build",
    dependencies=[RateLimit, SearchAccess],
    openapi_extra=KEY_IF_CONFIGURED,
    responses=error_responses(401, 429, described=SEARCH_KEY_401),
)
def index_status(engine: EngineDep, builds: BuildsDep) -> IndexStatusOut:
    loaded = engine.loaded
    last = builds.last
    return IndexStatusOut(
        current=generation_out(loaded) if loaded is not None else None,
        kept_generations=generation_names(engine.index_dir),
        load_error=str(engine.load_error) if engine.load_error is not None else None,
        last_build=build_out(last) if last is not None else None,
    )


@router.post(
    "/admin/reindex",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[AdminEnabled, RateLimit, AdminAccess],
    summary="Start a background rebuild of the index (admin key required)",
    responses=error_responses(
        401,
        403,
        409,
        413,
        422,
        429,
        503,
        described={
            401: "Missing or wrong admin key: send `ASKREPORT_ADMIN_KEY` as `Authorization: Bearer <key>`.",
            403: "Admin endpoints are disabled (no `ASKREPORT_ADMIN_KEY` on the server), or a search key was sent.",
            503: "The index directory cannot be written (read-only or full): the detail says what to fix.",
        },
    ),
)
def reindex(builds: BuildsDep, body: ReindexRequest | None = None) -> ReindexAccepted:
    state = builds.start(full=body.full if body is not None else False)
    return ReindexAccepted(build_id=state.id, state=state.state, status_url="/api/index")
