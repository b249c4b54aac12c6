"""Pydantic models of the HTTP API, named by role."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, model_validator

from indexer import SearchMode

MAX_QUESTION_CHARS = 1000
MAX_K = 50


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only whitespace; send the question as text")
    return value


Question = Annotated[
    str,
    Field(min_length=1, max_length=MAX_QUESTION_CHARS, description="The question, in plain language."),
    AfterValidator(_not_blank),
]
TopK = Annotated[int, Field(ge=1, le=MAX_K, description="How many passages to return (1-50).")]


ConversationId = Annotated[
    str,
    Field(
        pattern=r"^[0-9a-f]{32}$",
        description="Continue this conversation (as returned by an earlier answer).",
    ),
]
MAX_HISTORY = 20


class AskRequest(BaseModel):
    """A question to answer from the documents, optionally as part of a conversation."""

    question: Question
    k: TopK = 5
    mode: SearchMode | None = Field(None, description="hybrid, dense or bm25; default from the server.")
    conversation_id: ConversationId | None = None
    history: list[Annotated[str, Field(max_length=MAX_QUESTION_CHARS)]] | None = Field(
        None,
        max_length=MAX_HISTORY,
        description="Earlier questions, oldest first: a stateless alternative to conversation_id.",
    )

    @model_validator(mode="after")
    def _one_kind_of_context(self) -> AskRequest:
        if self.conversation_id is not None and self.history is not None:
            raise ValueError("send either conversation_id or history, not both")
        return self


class SearchParams(BaseModel):
    """Query parameters of `GET /api/search`."""

    q: Question
    k: TopK = 5
    mode: SearchMode | None = None


class CitationOut(BaseModel):
    """Where a passage comes from; `text[start:end]` of the document's canonical text."""

    document: str
    title: str
    section: list[str] = Field(description="Headings, outermost first.")
    page: int | None = Field(description="Page number, where the source has pages.")
    start: int
    end: int
    url: str = Field(description="Page showing the document with this passage highlighted.")


class HighlightOut(BaseModel):
    """Offsets within the passage text of the sentence(s) that best answer the question."""

    start: int
    end: int


class PassageOut(BaseModel):
    """One retrieved passage."""

    rank: int
    score: float
    text: str
    highlight: HighlightOut | None
    citation: CitationOut


class IndexRef(BaseModel):
    """The index generation that answered."""

    generation: str
    built_at: str


class AskResponse(BaseModel):
    """The best passages for a question."""

    question: str
    query: str = Field(description="The text actually searched (a follow-up is rewritten).")
    found: bool = Field(description="Whether the documents seem to answer the question.")
    confidence: float = Field(description="Best dense similarity among the passages.")
    mode: SearchMode
    conversation_id: str | None = Field(description="Send it with the next question to follow up.")
    passages: list[PassageOut]
    index: IndexRef
    took_ms: float


class DocumentSummary(BaseModel):
    """A document in the index, without its text."""

    id: str
    title: str
    characters: int
    sections: int
    chunks: int
    content_hash: str


class DocumentList(BaseModel):
    """All documents in the current index."""

    documents: list[DocumentSummary]
    index: IndexRef


class SectionOut(BaseModel):
    """A section of a document."""

    path: list[str]
    level: int
    start: int
    end: int


class DocumentOut(BaseModel):
    """A document's canonical text (what citations point into) and its sections."""

    id: str
    title: str
    text: str
    sections: list[SectionOut]
    index: IndexRef


class HealthOut(BaseModel):
    """Liveness, and whether an index is loaded."""

    status: str
    index_loaded: bool
    generation: str | None


class ModelOut(BaseModel):
    """The embedding model an index was built with."""

    name: str
    dim: int


class IndexedDocumentOut(BaseModel):
    """A document as recorded in the manifest."""

    id: str
    title: str
    content_hash: str
    chunks: int


class SkippedOut(BaseModel):
    """A corpus file the build left out, and why."""

    path: str
    reason: str


class GenerationOut(BaseModel):
    """The generation being served."""

    generation: str
    built_at: str
    model: ModelOut
    index_type: str
    documents: int
    chunks: int
    per_document: list[IndexedDocumentOut]
    skipped: list[SkippedOut]


class BuildOut(BaseModel):
    """A build started by the server, and how it went."""

    id: str
    state: str = Field(description="running, succeeded or failed")
    full: bool
    started_at: str
    finished_at: str | None
    error: str | None
    generation: str | None = None
    documents: int | None = None
    chunks: int | None = None
    embedded: int | None = None
    reused: int | None = None
    removed: int | None = None
    seconds: float | None = None


class IndexStatusOut(BaseModel):
    """What the server is serving, what is kept on disk, and the last build."""

    current: GenerationOut | None
    kept_generations: list[str]
    load_error: str | None
    last_build: BuildOut | None


class ReindexRequest(BaseModel):
    """Options of a server-side rebuild."""

    full: bool = Field(False, description="Re-embed everything instead of reusing unchanged chunks.")


class ReindexAccepted(BaseModel):
    """A build was started; poll `status_url` for its state."""

    build_id: str
    state: str
    status_url: str
