"""The demo page `/` (an intranet-like page with the search box in it) and the search box `/widget.js`."""

from __future__ import annotations

from html import escape
from importlib import resources

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

router = APIRouter(include_in_schema=False)


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
