from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from indexer import Document, SentenceTransformerEmbedder
from indexer.structure import parse
from server.app import create_app
from server.pages import render_document
from server.settings import Settings


def _doc(raw: str) -> Document:
    s = parse(raw)
    return Document("d", "T <b>", "d.txt", s.text, s.sections, s.blocks, "h")


def test_document_text_is_escaped_and_headings_are_strong() -> None:
    doc = _doc("# Heading & more\n\nBody with <script>alert(1)</script> inside.")
    html = render_document(doc, None)
    assert "<strong>Heading &amp; more</strong>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert "<title>T &lt;b&gt; · askreport</title>" in html
    assert "<mark" not in html


def test_cited_span_across_a_heading_is_marked_once_with_an_anchor() -> None:
    doc = _doc("# Heading\n\nBody text here.")
    start, end = 0, len(doc.text)
    html = render_document(doc, (start, end))
    assert html.count('id="cited"') == 1
    assert '<mark id="cited"><strong>Heading</strong></mark><mark>\n\nBody text here.</mark>' in html


def test_widget_is_served_as_javascript(client: TestClient) -> None:
    r = client.get("/widget.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert 'customElements.define("askreport-search"' in r.text
    assert "innerHTML" not in r.text and "insertAdjacentHTML" not in r.text  # passages become text nodes only


def test_demo_page_embeds_the_box_and_shows_the_snippet_for_this_server(client: TestClient) -> None:
    page = client.get("/").text
    assert '<script src="/widget.js" defer></script>' in page and "<askreport-search" in page
    assert '&lt;script src="http://testserver/widget.js" defer&gt;' in page  # this server's own address


@pytest.fixture(scope="module")
def cors_client(settings: Settings, embedder: SentenceTransformerEmbedder) -> Iterator[TestClient]:
    allowed = settings.model_copy(update={"cors_origins": "https://intranet.example.org, http://localhost:3000/"})
    with TestClient(create_app(allowed, embedder=embedder)) as c:
        yield c


def test_cors_allows_only_listed_origins(cors_client: TestClient) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    ok = cors_client.options("/api/ask", headers={"Origin": "https://intranet.example.org", **preflight})
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == "https://intranet.example.org"
    trailing = cors_client.get("/api/health", headers={"Origin": "http://localhost:3000"})
    assert trailing.headers["access-control-allow-origin"] == "http://localhost:3000"
    other = cors_client.options("/api/ask", headers={"Origin": "https://evil.example.com", **preflight})
    assert "access-control-allow-origin" not in other.headers
    simple = cors_client.get("/api/health", headers={"Origin": "https://evil.example.com"})
    assert "access-control-allow-origin" not in simple.headers


def test_no_cors_headers_by_default(client: TestClient) -> None:
    r = client.get("/api/health", headers={"Origin": "https://intranet.example.org"})
    assert "access-control-allow-origin" not in r.headers


@pytest.mark.parametrize("bad", ["intranet.example.org", "ftp://x.org", "https://x.org/search", "*"])
def test_cors_origins_must_be_origins(bad: str) -> None:
    with pytest.raises(ValidationError, match="is not an origin: write scheme://host"):
        Settings(cors_origins=bad)
