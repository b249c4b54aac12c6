"""An answer as the API returns it: passages with citations and links to the source view.

Shared by the search routes and `askreport ask --json`, which prints the API's JSON response.
"""

from __future__ import annotations

from urllib.parse import quote

from indexer import Hit, IndexGeneration
from server.engine import Answer
from server.schemas import AskResponse, CitationOut, HighlightOut, IndexRef, PassageOut
from server.security import file_link_signature, link_signature
from server.settings import Settings


def source_url(document: str, start: int, end: int, settings: Settings | None = None, content_hash: str = "") -> str:
    """The page that shows a document with the span [start, end) highlighted (signed while keys are on)."""
    signature = link_signature(settings, document, content_hash, start, end) if settings is not None else ""
    return f"/documents/{quote(document, safe='')}?start={start}&end={end}{signature}"


def file_url(
    document: str,
    pdf_page: int | None,
    settings: Settings | None = None,
    content_hash: str = "",
    expires: int | None = None,
) -> str:
    """The original file, at the 1-based page `pdf_page` when there is one (signed while keys are on,
    until `expires` when given)."""
    signature = file_link_signature(settings, document, content_hash, expires) if settings is not None else ""
    query = f"?{signature}" if signature else ""
    fragment = f"#page={pdf_page}" if pdf_page is not None else ""
    return f"/documents/{quote(document, safe='')}/file{query}{fragment}"


def index_ref(generation: IndexGeneration) -> IndexRef:
    """Which generation answered."""
    return IndexRef(generation=generation.name, built_at=generation.manifest.built_at)


def passage_out(hit: Hit, settings: Settings | None = None, hashes: dict[str, str] | None = None) -> PassageOut:
    """One retrieved passage with its citation; `hashes` (document id -> content hash) sign its link."""
    highlight = None if hit.highlight is None else HighlightOut(start=hit.highlight.start, end=hit.highlight.end)
    c = hit.citation
    content_hash = (hashes or {}).get(c.document, "")
    citation = CitationOut(
        document=c.document,
        title=c.title,
        section=list(c.section),
        page=c.page,
        pdf_page=c.pdf_page,
        start=c.start,
        end=c.end,
        url=source_url(c.document, c.start, c.end, settings, content_hash),
        file_url=file_url(c.document, c.pdf_page, settings, content_hash),
    )
    return PassageOut(rank=hit.rank, score=round(hit.score, 6), text=hit.text, highlight=highlight, citation=citation)


def answer_out(answer: Answer, conversation_id: str | None = None, settings: Settings | None = None) -> AskResponse:
    """The response body of an answer; without `settings` (the CLI) its links are never signed."""
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
