"""Documents: GET /api/documents, GET /api/documents/{id} (JSON), the source view /documents/{id} (HTML)
and the original file /documents/{id}/file."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse, Response

from indexer import Document
from server.answers import file_url, index_ref
from server.deps import (
    KEY_IF_CONFIGURED,
    SEARCH_KEY_401,
    EngineDep,
    FileAccess,
    RateLimit,
    SearchAccess,
    SettingsDep,
    SourceAccess,
    SourceViewsDep,
)
from server.errors import error_responses
from server.originals import original_file
from server.schemas import DocumentList, DocumentOut, DocumentSummary, SectionOut
from server.source_view import page_at, render_document

router = APIRouter()
_FILE_ERRORS = {
    404: "No document with this id, or its file is no longer in the corpus.",
    409: "The file changed since the index was built: the next build serves the new version.",
}


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
    settings: SettingsDep,
    start: Annotated[int | None, Query(ge=0)] = None,
    end: Annotated[int | None, Query(ge=0)] = None,
    exp: Annotated[int | None, Query()] = None,
    sig: Annotated[str | None, Query()] = None,
) -> str:
    generation = engine.generation()
    key = (str(generation.path), generation.manifest.built_at, document_id)
    doc, body = views.get(key, lambda: generation.store.document(document_id))
    span = _check_span(doc, start, end)
    page = page_at(doc, span[0]) if span is not None else None
    # opened with a signed link: the link to the file ends when that link does, never later
    signed_until = exp if exp is not None and sig is not None else None
    original = file_url(doc.id, page.number if page is not None else None, settings, doc.content_hash, signed_until)
    return render_document(doc, span, body, original)


@router.get(
    "/documents/{document_id}/file",
    summary="The original file of a document",
    dependencies=[RateLimit, FileAccess],
    openapi_extra=KEY_IF_CONFIGURED,
    response_class=Response,
    responses={
        200: {"description": "The file as it was indexed, with its content type (a PDF opens at `#page=N`)."},
        **error_responses(401, 404, 409, 422, 429, 503, described={**SEARCH_KEY_401, **_FILE_ERRORS}),
    },
)
def document_file(document_id: str, engine: EngineDep, settings: SettingsDep) -> Response:
    """The file the document was read from, served by document id only and only while its bytes are the ones
    indexed (409 once it changed: the next build serves the new version)."""
    doc = engine.generation().store.document(document_id)
    return original_file(doc, settings.corpus_dir, settings.max_file_bytes)
