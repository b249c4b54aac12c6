"""Questions: POST /api/ask (with conversations) and GET /api/search (the search box)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from server.answers import answer_out
from server.conversations import new_conversation_id
from server.deps import (
    KEY_IF_CONFIGURED,
    SEARCH_KEY_401,
    ClientDep,
    ConversationsDep,
    EngineDep,
    RateLimit,
    SearchAccess,
    SettingsDep,
)
from server.errors import error_responses
from server.schemas import AskRequest, AskResponse, SearchParams

router = APIRouter(prefix="/api")


@router.post(
    "/ask",
    summary="Answer a question with cited passages; follow-ups use the conversation",
    dependencies=[RateLimit, SearchAccess],
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
    conversations: ConversationsDep,
    settings: SettingsDep,
    client: ClientDep,
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
    dependencies=[RateLimit, SearchAccess],
    openapi_extra=KEY_IF_CONFIGURED,
    responses=error_responses(401, 422, 429, 503, described=SEARCH_KEY_401),
)
def search(params: Annotated[SearchParams, Query()], engine: EngineDep, settings: SettingsDep) -> AskResponse:
    return answer_out(engine.ask(params.q, params.k, params.mode), settings=settings)
