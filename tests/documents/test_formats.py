"""Real HTML, PDF and DOCX files, generated here, indexed and cited with sections and pages."""

from pathlib import Path

import docx
import pytest
from fastapi.testclient import TestClient
from fpdf import FPDF

from indexer import SentenceTransformerEmbedder, build_index, open_current, search
from server.app import create_app
from server.settings import Settings


def _pdf(path: Path) -> None:
    pdf = FPDF()
    pdf.set_title("Border Management Review")
    pages = [
        (
            "Border management in Central Asia",
            [
                "Kazakhstan introduced electronic visas for seasonal workers in 2019. The reform reduced "
                "waiting times at the border crossings considerably, according to the ministry of labour.",
                "A second paragraph explains how data on crossings is shared between agencies.",
            ],
        ),
        (
            "Fisheries inspections in Thailand",
            [
                "Labour inspectors boarded fishing vessels in the Gulf of Thailand to identify victims of "
                "forced labour. Port-in port-out control centres checked crew lists."
            ],
        ),
    ]
    for heading, paragraphs in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 16)
        pdf.multi_cell(0, 10, heading)
        pdf.ln(4)
        pdf.set_font("Helvetica", size=12)
        for text in paragraphs:
            pdf.multi_cell(0, 7, text)
            pdf.ln(4)
    pdf.output(str(path))


def _docx(path: Path) -> None:
    d = docx.Document()
    d.core_properties.title = "Recruitment Guide"
    d.add_heading("Recruitment Guide", 0)
    d.add_heading("Licensing of agencies", 1)
    d.add_paragraph("Recruitment agencies must hold a licence renewed every two years by the labour ministry.")
    d.add_heading("Fees", 2)
    d.add_paragraph("Workers must never pay recruitment fees; employers bear the cost of recruitment.")
    table = d.add_table(rows=2, cols=2)
    for (r, c), text in {(0, 0): "Country", (0, 1): "Fee cap", (1, 0): "Nepal", (1, 1): "Zero"}.items():
        table.cell(r, c).text = text
    d.save(str(path))


HTML = """<!doctype html><html><head><title>Shelter Network</title><style>.x{color:red}</style>
<script>var secret = "scriptsecret";</script></head><body>
<nav><a href="/">Home</a> navsecret menu</nav>
<h1>Shelter network</h1><p>The shelter network hosts <b>victims of trafficking</b> in three provinces.</p>
<h2>Funding</h2><p>Funding comes from the national budget &amp; foreign donors since 2015.</p>
<ul><li>Province A</li><li>Province B</li></ul><script>alert("scriptsecret")</script></body></html>"""


@pytest.fixture(scope="module")
def formats_index(tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder) -> Path:
    root = tmp_path_factory.mktemp("formats")
    corpus = root / "corpus"
    corpus.mkdir()
    _pdf(corpus / "review.pdf")
    _docx(corpus / "guide.docx")
    (corpus / "shelter.html").write_text(HTML, encoding="utf-8")
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4\n this is not really a pdf \x00\x01")
    (corpus / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    (corpus / "empty.md").write_text("")
    (corpus / "huge.txt").write_text("word " * 30_000)
    build_index(corpus, root / "index", embedder, max_file_bytes=100_000)
    return root


def _top(formats_index: Path, embedder: SentenceTransformerEmbedder, query: str):
    generation = open_current(formats_index / "index", embedder.name, embedder.dim)
    return search(generation, embedder, query, 1)[0]


def test_pdf_passages_carry_pages_and_sections(formats_index: Path, embedder: SentenceTransformerEmbedder) -> None:
    hit = _top(formats_index, embedder, "inspections of fishing vessels for forced labour")
    assert "Gulf of Thailand" in hit.text
    assert hit.citation.page == "2" and hit.citation.pdf_page == 2
    assert hit.citation.section[-1] == "Fisheries inspections in Thailand"
    assert hit.citation.title == "Border Management Review"
    first = _top(formats_index, embedder, "electronic visas for seasonal workers in Kazakhstan")
    assert first.citation.page == "1"
    assert first.citation.section == ("Border management in Central Asia",)


def test_docx_headings_by_style(formats_index: Path, embedder: SentenceTransformerEmbedder) -> None:
    hit = _top(formats_index, embedder, "who pays recruitment fees")
    assert "employers bear the cost" in hit.text
    assert hit.citation.section == ("Licensing of agencies", "Fees")  # the Title paragraph does not root every path
    assert hit.citation.title == "Recruitment Guide"
    assert hit.citation.page is None
    assert "Nepal\tZero" in hit.text


def test_html_body_text_without_script_style_nav(formats_index: Path, embedder: SentenceTransformerEmbedder) -> None:
    hit = _top(formats_index, embedder, "where does shelter funding come from")
    assert "national budget & foreign donors" in hit.text
    assert hit.citation.section == ("Shelter network", "Funding")
    assert hit.citation.title == "Shelter Network"
    generation = open_current(formats_index / "index")
    text = generation.store.document("shelter.html").text
    assert "scriptsecret" not in text and "navsecret" not in text and "color:red" not in text


def test_bad_files_are_skipped_and_listed(formats_index: Path, embedder: SentenceTransformerEmbedder) -> None:
    settings = Settings(corpus_dir=formats_index / "corpus", index_dir=formats_index / "index")
    with TestClient(create_app(settings, embedder=embedder)) as client:
        status = client.get("/api/index").json()
    current = status["current"]
    assert sorted(d["id"] for d in current["per_document"]) == ["guide.docx", "review.pdf", "shelter.html"]
    reasons = {s["path"]: s["reason"] for s in current["skipped"]}
    assert set(reasons) == {"broken.pdf", "image.txt", "empty.md", "huge.txt"}
    assert reasons["broken.pdf"].startswith("not a readable PDF")
    assert "not a text file" in reasons["image.txt"]
    assert "empty" in reasons["empty.md"]
    assert "ASKREPORT_MAX_FILE_MB" in reasons["huge.txt"]


def test_html_in_a_form_or_with_an_open_head_keeps_its_body() -> None:
    from indexer.documents.readers import read_html

    forms = read_html(b"<html><head><title>T</title><body><form><h1>A</h1><p>Text in a form.</p></form></body>")
    assert forms.structure.text == "A\n\nText in a form."
    open_head = read_html(b"<title>Report</title><body><svg><title>Close icon</title></svg><p>Body text.</p>")
    assert open_head.titles == ("Report",) and open_head.structure.text == "Body text."
