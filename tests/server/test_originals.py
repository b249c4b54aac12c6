"""The original file behind a citation: `GET /documents/{id}/file`, page citations and the source view's
page labels, on a real index of a generated PDF and an HTML page (real model, real FAISS and SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from fpdf import FPDF

from indexer import SentenceTransformerEmbedder, build_index
from server.app import create_app
from server.settings import Settings
from tests.support.admin import bearer

SEARCH_KEY = "search-key-for-originals-0123"
PAGES = (  # (heading, text): a section a page, so that no passage crosses a page
    "Seasonal workers in the orchards of the valley are paid by the crate picked.",
    "Recruitment agencies charged migrants fees of up to three months of wages.",
    "The ministry inspected forty brick kilns and found debt bondage in nine of them.",
)


HEADINGS = ("Orchards", "Recruitment fees", "Brick kilns")


def _pdf(path: Path) -> None:
    pdf = FPDF()
    for heading, text in zip(HEADINGS, PAGES, strict=True):
        pdf.add_page()
        pdf.set_font("helvetica", style="B", size=18)
        pdf.cell(0, 12, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", size=11)
        for _ in range(3):
            pdf.multi_cell(0, 6, text + " " + text)
            pdf.ln(4)
    pdf.output(str(path))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("originals") / "corpus"
    root.mkdir()
    _pdf(root / "kilns.pdf")
    (root / "page.html").write_text(
        "<html><head><title>Harvest notes</title></head><body><h1>Harvest notes</h1>"
        "<p>Cotton pickers arrive in September.</p><script>alert(1)</script></body></html>",
        encoding="utf-8",
    )
    return root


@pytest.fixture(scope="module")
def index(corpus: Path, tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder) -> Path:
    root = tmp_path_factory.mktemp("originals-index")
    build_index(corpus, root, embedder)
    return root


@pytest.fixture(scope="module")
def client(corpus: Path, index: Path, embedder: SentenceTransformerEmbedder) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(corpus_dir=corpus, index_dir=index), embedder=embedder)) as c:
        yield c


def _first(client: TestClient, question: str, **headers: str) -> dict[str, object]:
    passages = client.get("/api/search", params={"q": question, "k": 1}, headers=headers).json()["passages"]
    citation: dict[str, object] = passages[0]["citation"]
    return citation


def test_a_pdf_passage_cites_its_page_and_links_to_the_file_at_that_page(client: TestClient, corpus: Path) -> None:
    citation = _first(client, "debt bondage in brick kilns")
    assert citation["pdf_page"] == 3 and citation["page"] == "3"  # nothing printed on the page: its index
    url = str(citation["file_url"])
    assert url == f"/documents/{citation['document']}/file#page=3"
    r = client.get(url.split("#")[0])
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content == (corpus / "kilns.pdf").read_bytes()
    assert r.headers["x-content-type-options"] == "nosniff" and "kilns.pdf" in r.headers["content-disposition"]


def test_an_html_original_is_served_sandboxed(client: TestClient) -> None:
    citation = _first(client, "when do cotton pickers arrive")
    assert citation["page"] is None and citation["pdf_page"] is None
    assert str(citation["file_url"]).endswith("/file")  # no page to open at
    r = client.get(str(citation["file_url"]))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["content-security-policy"] == "sandbox"  # its script never runs with this origin's rights


def test_the_source_view_shows_page_labels_and_opens_the_original_at_the_cited_page(client: TestClient) -> None:
    citation = _first(client, "recruitment fees of three months of wages")
    page = client.get(str(citation["url"])).text
    for number in (1, 2, 3):
        assert f'id="page-{number}"' in page and f">p. {number}</span>" in page
    assert citation["pdf_page"] == 2 and citation["section"] == ["Recruitment fees"]
    assert f'href="/documents/{citation["document"]}/file#page=2"' in page
    assert "p. 2, characters" in page


def test_an_unknown_document_has_no_file(client: TestClient) -> None:
    r = client.get("/documents/no-such-doc/file")
    assert r.status_code == 404 and "GET /api/documents" in r.json()["detail"]


def test_a_file_changed_or_removed_since_the_build_is_refused_with_the_fix(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _pdf(corpus / "kilns.pdf")
    build_index(corpus, tmp_path / "index", embedder)
    with TestClient(create_app(Settings(corpus_dir=corpus, index_dir=tmp_path / "index"), embedder=embedder)) as c:
        url = str(_first(c, "brick kilns")["file_url"]).split("#")[0]
        (corpus / "kilns.pdf").write_bytes(b"%PDF-1.4 replaced")
        changed = c.get(url)
        assert changed.status_code == 409 and "askreport index" in changed.json()["detail"]
        (corpus / "kilns.pdf").unlink()
        gone = c.get(url)
        assert gone.status_code == 404 and "no longer there" in gone.json()["detail"]


def test_with_search_keys_the_file_needs_a_key_or_the_signed_link_of_an_answer(
    corpus: Path, index: Path, embedder: SentenceTransformerEmbedder
) -> None:
    settings = Settings(corpus_dir=corpus, index_dir=index, search_keys=SEARCH_KEY)
    with TestClient(create_app(settings, embedder=embedder)) as keyed:
        citation = _first(keyed, "debt bondage in brick kilns", **bearer(SEARCH_KEY))
        signed = str(citation["file_url"]).split("#")[0]
        assert "?exp=" in signed and "&sig=" in signed
        assert keyed.get(signed).status_code == 200  # a browser following the link sends no key
        bare = signed.split("?")[0]
        assert keyed.get(bare).status_code == 401
        assert keyed.get(bare, headers=bearer(SEARCH_KEY)).status_code == 200
        source = keyed.get(str(citation["url"])).text  # the source view signs its own link to the file
        link = source.split('<a href="')[2].split('"')[0].replace("&amp;", "&").split("#")[0]
        assert "/file?exp=" in link and keyed.get(link).status_code == 200
        view_exp = str(citation["url"]).split("&exp=")[1].split("&")[0]
        assert f"exp={view_exp}&" in link  # a page opened with a link never hands out a longer-lived one
        file_query = signed.split("?")[1]
        page_with_file_signature = f"/documents/{citation['document']}?{file_query}"
        assert keyed.get(page_with_file_signature).status_code == 401  # a file link opens no source view
        view_query = str(citation["url"]).split("?")[1]
        assert keyed.get(f"{bare}?{view_query}").status_code == 401  # a view link opens no file
