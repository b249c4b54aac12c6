"""JSON routes under /api."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request

from indexer import Hit, IndexGeneration
from server.auth import SearchAccess, client_identity, link_signature
from server.conversations import ConversationStore, new_conversation_id
from server.engine import Answer, Engine
from server.errors import error_responses
from server.schemas import (
    AskRequest,
    AskResponse,
    CitationOut,
    DocumentList,
    DocumentOut,
    DocumentSummary,
    HealthOut,
    HighlightOut,
    IndexRef,
    PassageOut,
    SearchParams,
    SectionOut,
)
from server.settings import Settings

router = APIRouter(prefix="/api")

# A search route needs a key only on a server with search keys, so the schema offers "no key" as an alternative.
KEY_IF_CONFIGURED: dict[str, Any] = {"security": [{}]}
SEARCH_KEY_401 = {
    401: "This server has search keys (`ASKREPORT_SEARCH_KEYS`) and neither one of them nor the admin key was "
    "sent as `Authorization: Bearer <key>`."
}


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


EngineDep = Annotated[Engine, Depends(get_engine)]


def source_url(document: str, start: int, end: int, settings: Settings | None = None, content_hash: str = "") -> str:
    """The page that shows a document with the span [start, end) highlighted (signed while keys are on)."""
    signature = link_signature(settings, document, content_hash, start, end) if settings is not None else ""
    return f"/documents/{quote(document, safe='')}?start={start}&end={end}{signature}"


def index_ref(generation: IndexGeneration) -> IndexRef:
    return IndexRef(generation=generation.name, built_at=generation.manifest.built_at)


def passage_out(hit: Hit, settings: Settings | None = None, hashes: dict[str, str] | None = None) -> PassageOut:
    highlight = None if hit.highlight is None else HighlightOut(start=hit.highlight.start, end=hit.highlight.end)
    c = hit.citation
    citation = CitationOut(
        document=c.document,
        title=c.title,
        section=list(c.section),
        page=c.page,
        start=c.start,
        end=c.end,
        url=source_url(c.document, c.start, c.end, settings, (hashes or {}).get(c.document, "")),
    )
    return PassageOut(rank=hit.rank, score=round(hit.score, 6), text=hit.text, highlight=highlight, citation=citation)


def answer_out(answer: Answer, conversation_id: str | None = None, settings: Settings | None = None) -> AskResponse:
    result = answer.retrieval
    signing = settings is not None and bool(settings.search_key_list)  # only signed links carry the hash
    hashes = {d.id: d.content_hash for d in answer.generation.manifest.documents} if signing else {}
    return AskResponse(
        question=answer.question,
        query=result.query,
        found=result.found,
        confidence=round(result.confidence, 6),
        mode=answer.mode,
        conversation_id=conversation_id,
        passages=[passage_out(h, settings, hashes) for h in result.hits],
        index=index_ref(answer.generation),
        took_ms=round(answer.took_ms, 2),
    )


def get_conversations(request: Request) -> ConversationStore:
    store: ConversationStore = request.app.state.conversations
    return store


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


@router.post(
    "/ask",
    summary="Answer a question with cited passages; follow-ups use the conversation",
    dependencies=[SearchAccess],
    openapi_extra=KEY_IF_CONFIGURED,
    responses=error_responses(
        401,
        413,
        422,
        429,
        503,
        described={
            **SEARCH_KEY_401,
            429: "Too many requests from this key or address, or the server (`ASKREPORT_MAX_CONVERSATIONS`) or this "
            "key or address (`ASKREPORT_MAX_CONVERSATIONS_PER_CLIENT`) holds its maximum of conversations; retry "
            "after `Retry-After` seconds (for conversations: when the oldest one expires), or send `history`.",
            503: "No index is loaded, or the conversation store cannot be written (a conversation turn; answers "
            "with `history` are still served); `detail` says what to do.",
        },
    ),
)
def ask(
    body: AskRequest,
    engine: EngineDep,
    conversations: Annotated[ConversationStore, Depends(get_conversations)],
    settings: SettingsDep,
    client: Annotated[str, Depends(client_identity)],
) -> AskResponse:
    if body.history is not None:  # stateless: the client keeps the conversation
        return answer_out(engine.ask(body.question, body.k, body.mode, body.history), settings=settings)
    per_client = settings.max_conversations_per_client
    conversation_id = body.conversation_id or new_conversation_id()
    # refuse a conversation over a limit before the work of answering (append checks again, for races)
    conversations.check_room(conversation_id, client, per_client)
    earlier = conversations.questions(conversation_id) if body.conversation_id else []
    answer = engine.ask(body.question, body.k, body.mode, earlier)
    conversations.append(conversation_id, body.question, answer.retrieval.query, client, per_client)
    return answer_out(answer, conversation_id, settings)


@router.get(
    "/search",
    summary="Search-box variant of /api/ask (no conversation)",
    dependencies=[SearchAccess],
    openapi_extra=KEY_IF_CONFIGURED,
    responses=error_responses(401, 422, 429, 503, described=SEARCH_KEY_401),
)
def search(params: Annotated[SearchParams, Query()], engine: EngineDep, settings: SettingsDep) -> AskResponse:
    return answer_out(engine.ask(params.q, params.k, params.mode), settings=settings)


@router.get(
    "/documents",
    summary="List the indexed documents",
    dependencies=[SearchAccess],
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
    "/documents/{document_id}",
    summary="A document's canonical text and sections",
    dependencies=[SearchAccess],
    openapi_extra=KEY_IF_CONFIGURED,
    responses=error_responses(401, 404, 422, 429, 503, described=SEARCH_KEY_401),
)
def document(document_id: str, engine: EngineDep) -> DocumentOut:
    generation = engine.generation()
    doc = generation.store.document(document_id)
    sections = [SectionOut(path=list(s.path), level=s.level, start=s.start, end=s.end) for s in doc.sections]
    return DocumentOut(id=doc.id, title=doc.title, text=doc.text, sections=sections, index=index_ref(generation))


@router.get(
    "/ready",
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


@router.get("/health", summary="Liveness and index status")
def health(engine: EngineDep) -> HealthOut:
    loaded = engine.loaded
    return HealthOut(status="ok", index_loaded=loaded is not None, generation=loaded.name if loaded else None)
