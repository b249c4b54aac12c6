import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from html import escape
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import server.source_view
from indexer import Document, SentenceTransformerEmbedder, build_index
from indexer.documents.structure import parse
from server.app import create_app
from server.settings import Settings
from server.source_view import SourceViews, render_document, source_body
from tests.support.opcount import lines_run
from tests.support.processes import free_port, running


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


# --- the source view stays O(n log n) in headings (issue 11, M4) ------------------------------------


def _reference_marked_up(doc: Document, span: tuple[int, int] | None) -> str:
    """The straightforward rendering the source view must equal: cut at every heading and span bound."""
    headings = {(s.start, s.start + len(s.path[-1])) for s in doc.sections if s.path}
    cuts = {0, len(doc.text)} | {p for h in headings for p in h} | set(span or ())
    bounds = sorted(c for c in cuts if 0 <= c <= len(doc.text))
    out, first = [], True
    for a, b in zip(bounds, bounds[1:], strict=False):
        piece = escape(doc.text[a:b])
        if any(h0 <= a and b <= h1 for h0, h1 in headings):
            piece = f"<strong>{piece}</strong>"
        if span is not None and span[0] <= a and b <= span[1]:
            piece = f"<mark{' id=' + chr(34) + 'cited' + chr(34) if first else ''}>{piece}</mark>"
            first = False
        out.append(piece)
    return "".join(out)


def _reference_crumbs(doc: Document, start: int) -> str:
    inside = [s for s in doc.sections if s.start <= start <= s.end]
    return escape(" › ".join(inside[-1].path if inside else ()))


_DOC_DIV = re.compile(r'<div class="doc">(.*)</div></main>', re.DOTALL)
_raw_md = st.lists(
    st.one_of(
        st.builds(lambda level, t: "#" * level + " " + t, st.integers(1, 3), st.text("ab <&\u00e9", min_size=1)),
        st.text("ab. <&\"'\t", min_size=1),
    ),
    min_size=1,
    max_size=12,
).map("\n\n".join)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(raw=_raw_md, cut=st.tuples(st.floats(0, 1), st.floats(0, 1)), with_span=st.booleans())
def test_source_view_equals_the_reference_rendering(raw: str, cut: tuple[float, float], with_span: bool) -> None:
    doc = _doc(raw)
    a, b = sorted(round(x * len(doc.text)) for x in cut)
    span = (a, b) if with_span else None
    html = render_document(doc, span)
    match = _DOC_DIV.search(html)
    assert match is not None and match.group(1) == _reference_marked_up(doc, span)
    if span is not None:
        assert f"Cited from: {_reference_crumbs(doc, a)} (characters" in html
    cached = source_body(doc)
    assert render_document(doc, span, cached) == html


def _headings(n: int) -> Document:
    return _doc("".join(f"# H{i}\n\nText {i} here.\n\n" for i in range(n)))


def test_rendering_work_grows_linearly_with_headings() -> None:
    """Each heading is visited a bounded number of times: doubling them at most about doubles the work."""
    work = []
    for n in (400, 800):
        doc = _headings(n)
        span = (len(doc.text) // 2, len(doc.text) // 2 + 40)
        lines, _ = lines_run((server.source_view,), lambda: render_document(doc, span))  # noqa: B023
        work.append(lines)
    assert work[1] <= 2.25 * work[0], work


def test_a_cited_span_costs_the_same_however_many_headings_once_the_body_is_cached() -> None:
    work = []
    for n in (400, 4000):
        doc = _headings(n)
        body = source_body(doc)
        span = (len(doc.text) // 2, len(doc.text) // 2 + 40)
        lines, html = lines_run((server.source_view,), lambda: render_document(doc, span, body))  # noqa: B023
        assert html.count('<mark id="cited">') == 1
        work.append(lines)
    assert work[1] <= work[0] + 20, work


def test_source_views_are_an_lru_bounded_in_entries_and_characters() -> None:
    loads: list[str] = []

    def load(name: str) -> Callable[[], Document]:
        def get() -> Document:
            loads.append(name)
            return _doc(f"# {name}\n\n" + "x" * 100)

        return get

    views = SourceViews(max_entries=2, max_chars=10_000)
    for name in ["a", "b", "a", "c", "a", "b"]:
        doc, body = views.get(("gen", "t", name), load(name))
        assert doc.text.startswith(name) and name in body.html
    assert loads == ["a", "b", "c", "b"]  # b was least recently used when c came in
    big = SourceViews(max_entries=8, max_chars=150)
    big.get(("gen", "t", "a"), load("a"))
    big.get(("gen", "t", "a"), load("a"))
    assert loads[-2:] == ["a", "a"]  # over the character budget: rendered, never kept


def _health_wait(base: str) -> float:
    began = time.monotonic()
    try:
        ok = httpx.get(f"{base}/api/health", timeout=60).status_code == 200
    except httpx.TimeoutException:
        ok = False
    return time.monotonic() - began if ok else float("inf")


@pytest.mark.slow
def test_health_answers_while_source_views_of_a_large_document_render(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    """A real server: 48 concurrent views of an 8,000-heading document (more than the threadpool's
    40 threads; seconds each before) leave /api/health answering. The bound is generous for a loaded
    2-core machine; before, health waited until a view finished."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "many-headings.md").write_text("".join(f"# Heading {i}\n\n" for i in range(8000)) + "Body text.\n")
    build_index(corpus, tmp_path / "index", embedder)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "server", "serve", "--port", str(port), "--index", str(tmp_path / "index")]
    with running(command, {**os.environ, "ASKREPORT_RATE_LIMIT": "0"}, f"{base}/api/health"):
        (listed,) = httpx.get(f"{base}/api/documents", timeout=60).json()["documents"]
        url = f"{base}/documents/{listed['id']}?start=5000&end=5100"
        with ThreadPoolExecutor(48) as pool:
            views = [pool.submit(httpx.get, url, timeout=300) for _ in range(48)]
            time.sleep(0.5)
            for _ in range(5):
                wait = _health_wait(base)
                assert wait < 10, f"/api/health took {wait:.1f} s while source views rendered"
            pages = [v.result() for v in views]
    assert all(p.status_code == 200 and p.text.count('<mark id="cited">') == 1 for p in pages)
