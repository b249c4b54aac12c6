from indexer import Document
from indexer.structure import parse
from server.pages import render_document


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
