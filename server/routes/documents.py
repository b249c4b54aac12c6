"""Documents: GET /api/documents, GET /api/documents/{id} (JSON) and the source view /documents/{id} (HTML)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse

from indexer import Document
from server.answers import index_ref
from server.deps import (
    KEY_IF_CONFIGURED,
    SEARCH_KEY_401,
    EngineDep,
    RateLimit,
    SearchAccess,
    SourceAccess,
    SourceViewsDep,
)
from server.errors import error_responses
from server.schemas import DocumentList, DocumentOut, DocumentSummary, SectionOut
from server.source_view import render_document

router = APIRouter()


@router.get(
    "/api/documents",
    summary="List the indexed documents",
    dependencies=[RateLimit, SearchAccess],
    openapi_extra=KEY_IF_CONFIGURED,
    responses=error_responses(401, 429, 503, described=SEARCH_KEY_401),
)
def documents(engine: EngineDep) -> DocumentList:
    generation = engine.generation()
    entries = {d.id: d for d in generation.manifest.documents}
    summaries = [
        DocumentSummary(
            id=info.id,
            title=info.title,
            characters=info.characters,
            sections=info.sections,
            chunks=entries[info.id].chunks,
            content_hash=entries[info.id].content_hash,
        )
        for info in generation.store.document_infos()
    ]
    return DocumentList(documents=summaries, index=index_ref(generation))


@router.get(
    "/api/documents/{document_id}",
    summary="A document's canonical text and sections",
    dependencies=[RateLimit, SearchAccess],
    openapi_extra=KEY_IF_CONFIGURED,
    responses=error_responses(401, 404, 422, 429, 503, described=SEARCH_KEY_401),
)
def document(document_id: str, engine: EngineDep) -> DocumentOut:
    generation = engine.generation()
    doc = generation.store.document(document_id)
    sections = [SectionOut(path=list(s.path), level=s.level, start=s.start, end=s.end) for s in doc.sections]
    return DocumentOut(id=doc.id, title=doc.title, text=doc.text, sections=sections, index=index_ref(generation))


def _check_span(doc: Document, start: int | None, end: int | None) -> tuple[int, int] | None:
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise HTTPException(422, detail="give both start and end, or neither")
    if not 0 <= start <= end <= len(doc.text):
        raise HTTPException(
            422,
            detail=f"start and end must satisfy 0 <= start <= end <= {len(doc.text)} "
            f"(the document's length); got start={start}, end={end}",
        )
    return start, end


@router.get(
    "/documents/{document_id}",
    response_class=HTMLResponse,
    dependencies=[RateLimit, SourceAccess],
    include_in_schema=False,
)
def document_page(
    document_id: str,
    engine: EngineDep,
    views: SourceViewsDep,
    start: Annotated[int | None, Query(ge=0)] = None,
    end: Annotated[int | None, Query(ge=0)] = None,
) -> str:
    generation = engine.generation()
    key = (str(generation.path), generation.manifest.built_at, document_id)
    doc, body = views.get(key, lambda: generation.store.document(document_id))
    return render_document(doc, _check_span(doc, start, end), body)
