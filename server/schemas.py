"""Pydantic models of the HTTP API, named by role."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from indexer import SearchMode

MAX_QUESTION_CHARS = 1000
MAX_K = 50


# A character that is not whitespace (as `str.isspace` has it), spelled out rather than `\S` so that Python's
# `re`, Rust's regex and ECMA-262 (clients, JSON Schema validators) all read the schema's pattern alike.
NOT_BLANK = r"[^\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
_NOT_BLANK = re.compile(NOT_BLANK)


def _not_blank(value: str) -> str:
    if not _NOT_BLANK.search(value):
        raise ValueError("must not be empty or only whitespace; send the question as text")
    return value


Question = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_QUESTION_CHARS,
        description="The question, in plain language.",
        json_schema_extra={"pattern": NOT_BLANK},  # what `_not_blank` checks
    ),
    AfterValidator(_not_blank),
]
TopK = Annotated[int, Field(ge=1, le=MAX_K, description="How many passages to return (1-50).")]


def _json_integer(value: object) -> object:
    """A JSON Schema integer (5 or 5.0), not the string "5" or `true` that pydantic's lax mode would convert."""
    if isinstance(value, bool | str):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


# in a JSON body k is a number; a query string's k is text and converted as usual
BodyTopK = Annotated[TopK, BeforeValidator(_json_integer)]


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

    # the schema says what `_one_kind_of_context` enforces, so clients (and fuzzers) can see it
    model_config = ConfigDict(
        json_schema_extra={
            "not": {
                "required": ["conversation_id", "history"],
                "properties": {"conversation_id": {"type": "string"}, "history": {"type": "array"}},
            }
        }
    )

    question: Question
    k: BodyTopK = 5
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
    page: str | None = Field(
        description="The page label printed where the passage starts (e.g. '9', 'xii'), where the source has "
        "pages: the PDF's own page labels, else the number printed on the page, else the page's index."
    )
    pdf_page: int | None = Field(
        default=None, description="The 1-based index of that page in the file (PDF viewers' page N)."
    )
    start: int
    end: int
    url: str = Field(description="Page showing the document with this passage highlighted.")
    file_url: str = Field(
        description="The original file; a PDF opens at the cited page (`#page=N`). Signed like `url` while "
        "search keys are on."
    )


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
    load_error: str | None = Field(
        None, description="Why the generation CURRENT names is not loaded (an older one may be served); null if it is"
    )


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
    unreadable_pages: list[int] = Field(
        default_factory=list,
        description="1-based pages whose text came out mostly unreadable (a font without a Unicode mapping): "
        "their passages are garbled; run OCR on the file (e.g. `ocrmypdf --force-ocr`) and rebuild.",
    )


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
    unreadable_pages: int = Field(
        0, description="Pages of all documents whose text came out mostly unreadable (see `per_document`)."
    )


class BuildProgressOut(BaseModel):
    """How far a build's embedding has got."""

    done: int
    total: int


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
    progress: BuildProgressOut | None = Field(
        None, description="Chunks embedded so far and chunks to embed (null before embedding starts)"
    )


class IndexStatusOut(BaseModel):
    """What the server is serving, what is kept on disk, and the last build."""

    current: GenerationOut | None
    kept_generations: list[str]
    load_error: str | None
    last_build: BuildOut | None


class ReindexRequest(BaseModel):
    """Options of a server-side rebuild."""

    full: bool = Field(False, strict=True, description="Re-embed everything instead of reusing unchanged chunks.")


class ReindexAccepted(BaseModel):
    """A build was started; poll `status_url` for its state."""

    build_id: str
    state: str
    status_url: str


class ErrorOut(BaseModel):
    """An error; `detail` says what went wrong and what to change."""

    detail: str


class FieldErrorOut(BaseModel):
    """One invalid part of a request."""

    field: str = Field(description="Where, e.g. `k` or `history.0`; empty for the body as a whole.")
    message: str


class ValidationErrorOut(BaseModel):
    """A request that does not match the API (422)."""

    detail: str = Field(description="Every problem and what to change, in one sentence per field.")
    errors: list[FieldErrorOut]
