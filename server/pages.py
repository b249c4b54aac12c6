"""HTML pages: the demo page and the source view that shows a cited span in its document."""

from __future__ import annotations

from html import escape
from importlib import resources
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from indexer import Document
from server.api import EngineDep
from server.auth import require_source_access

router = APIRouter(include_in_schema=False)

_STYLE = """
body{font:16px/1.6 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1f3a5f;color:#fff;padding:.8rem 1.5rem}
header a{color:#cfe0ff}
main{max-width:48rem;margin:1.5rem auto;padding:0 1rem}
.doc{white-space:pre-wrap;tab-size:4;background:#fff;padding:1.5rem;border-radius:6px;
box-shadow:0 1px 3px rgba(0,0,0,.12)}
mark{background:#ffe58a;padding:.1em 0;scroll-margin:30vh}
.crumbs{color:#555;font-size:.9rem}
"""


def _static(name: str) -> str:
    return resources.files("server").joinpath("static", name).read_text(encoding="utf-8")


@router.get("/", response_class=HTMLResponse)
def demo_page(request: Request) -> str:
    """An intranet-like page with the search box in it and the snippet to embed it elsewhere."""
    origin = str(request.base_url).rstrip("/")
    return _static("demo.html").replace("{{ORIGIN}}", escape(origin))


@router.get("/widget.js")
def widget() -> Response:
    """The search box: one custom element, its CSS inside (see docs/embedding.md)."""
    return Response(
        _static("widget.js"),
        media_type="text/javascript; charset=utf-8",
        headers={"cache-control": "public, max-age=300"},
    )


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


def _section_of(doc: Document, start: int) -> tuple[str, ...]:
    inside = [s for s in doc.sections if s.start <= start <= s.end]
    return inside[-1].path if inside else ()


def _marked_up(doc: Document, span: tuple[int, int] | None) -> str:
    """Escaped text with headings in <strong> and the cited span in <mark> (the first one scrolled to)."""
    headings = {(s.start, s.start + len(s.path[-1])) for s in doc.sections if s.path}
    cuts = {0, len(doc.text)} | {p for h in headings for p in h} | set(span or ())
    bounds = sorted(c for c in cuts if 0 <= c <= len(doc.text))
    out: list[str] = []
    first_mark = True
    for a, b in zip(bounds, bounds[1:], strict=False):
        piece = escape(doc.text[a:b])
        if any(h0 <= a and b <= h1 for h0, h1 in headings):
            piece = f"<strong>{piece}</strong>"
        if span is not None and span[0] <= a and b <= span[1]:
            anchor = ' id="cited"' if first_mark else ""
            piece = f"<mark{anchor}>{piece}</mark>"
            first_mark = False
        out.append(piece)
    return "".join(out)


def render_document(doc: Document, span: tuple[int, int] | None) -> str:
    """The document as HTML-escaped text, the cited span highlighted and scrolled into view."""
    crumbs = ""
    if span is not None:
        path = " › ".join(_section_of(doc, span[0]))
        crumbs = f'<p class="crumbs">Cited from: {escape(path)} (characters {span[0]}–{span[1]})</p>'
    title = escape(doc.title)
    scroll = "<script>const m=document.getElementById('cited');if(m){m.scrollIntoView({block:'center'});}</script>"
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{title} · askreport</title><style>{_STYLE}</style></head><body>"
        f'<header><a href="/">askreport</a> · {title}</header><main><h1>{title}</h1>{crumbs}'
        f'<div class="doc">{_marked_up(doc, span)}</div></main>{scroll}</body></html>'
    )


@router.get("/documents/{document_id}", response_class=HTMLResponse, dependencies=[Depends(require_source_access)])
def document_page(
    document_id: str,
    engine: EngineDep,
    start: Annotated[int | None, Query(ge=0)] = None,
    end: Annotated[int | None, Query(ge=0)] = None,
) -> str:
    doc = engine.generation().store.document(document_id)
    return render_document(doc, _check_span(doc, start, end))
