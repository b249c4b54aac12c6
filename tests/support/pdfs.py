"""PDFs made with fpdf2 for the PDF reader's tests: columns, running headers, page labels, tables, ligatures."""

from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

LEFT = [f"Left column sentence number {i} tells how the border posts recorded arrivals." for i in range(1, 13)]
RIGHT = [f"Right column sentence number {i} explains why the survey counted departures." for i in range(1, 13)]


def _pdf() -> FPDF:
    pdf = FPDF(format="A4", unit="pt")
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=10)
    return pdf


def _bytes(pdf: FPDF) -> bytes:
    return bytes(pdf.output())


def _columns(pdf: FPDF, top: float, left: list[str], right: list[str]) -> float:
    """Two columns of text from `top`; returns where the taller one ends."""
    pdf.set_font("Helvetica", size=10)
    pdf.set_xy(50, top)
    pdf.multi_cell(230, 13, " ".join(left))
    end = pdf.get_y()
    pdf.set_xy(315, top)
    pdf.multi_cell(230, 13, " ".join(right))
    return max(end, pdf.get_y())


def two_columns() -> bytes:
    """A full-width title over two columns of prose."""
    pdf = _pdf()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.set_xy(50, 50)
    pdf.cell(495, 24, "Border Statistics in Two Columns")
    _columns(pdf, 100, LEFT, RIGHT)
    return _bytes(pdf)


def wide_table() -> bytes:
    """Two columns, a full-width table, two columns again."""
    pdf = _pdf()
    pdf.add_page()
    end = _columns(pdf, 60, LEFT[:6], RIGHT[:6])
    pdf.set_font("Helvetica", size=10)
    top = end + 20
    rows = [
        ("Country", "Arrivals", "Departures", "Share"),
        ("Nepal", "1,204", "988", "12%"),
        ("Laos", "877", "650", "9%"),
    ]
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            pdf.set_xy(50 + c * 125, top + r * 16)
            pdf.cell(120, 14, cell)
    _columns(pdf, top + 16 * len(rows) + 20, LEFT[6:], RIGHT[6:])
    return _bytes(pdf)


def running_headers(pages: int = 6, first_number: int = 3) -> bytes:
    """Pages with a running header and a page number in the footer, numbered from `first_number`."""
    pdf = _pdf()
    for index in range(pages):
        pdf.add_page()
        pdf.set_font("Helvetica", size=8)
        pdf.set_xy(50, 30)
        pdf.cell(495, 10, "Labour Migration Review 2024 | Regional Office", align="C")
        pdf.set_xy(50, 800)
        pdf.cell(495, 10, str(first_number + index), align="C")
        pdf.set_font("Helvetica", size=10)
        pdf.set_xy(50, 80)
        pdf.multi_cell(495, 13, " ".join(LEFT[index : index + 4]))
    return _bytes(pdf)


def roman_front_matter() -> bytes:
    """Two front pages labelled i, ii by /PageLabels, then pages labelled 1, 2."""
    pdf = _pdf()
    for index in range(4):
        pdf.add_page()
        if index == 0:
            pdf.set_page_label("r")
        if index == 2:
            pdf.set_page_label("D", label_start=1)
        pdf.set_xy(50, 200)
        pdf.multi_cell(495, 13, LEFT[index])
    return _bytes(pdf)


def ligatures_and_hyphens() -> bytes:
    """A ligature glyph (U+FB01) and a word hyphenated at a line end."""
    pdf = _pdf()
    pdf.add_font("DejaVu", fname=str(DEJAVU))
    pdf.add_page()
    pdf.set_font("DejaVu", size=10)
    lines = [
        "The \ufb01nancial records of the border agency were incomplete in several",
        "districts, which made informal employ-",
        "ment hard to measure for self-",
        "Employed workers and their families.",
    ]
    for i, line in enumerate(lines):
        pdf.set_xy(50, 80 + 13 * i)
        pdf.cell(495, 13, line)
    return _bytes(pdf)


def contents_and_references(contents_size: int = 16) -> bytes:
    """A contents page (its heading `contents_size` pt), a chapter with headings by size, and a references page."""
    pdf = _pdf()
    pdf.add_page()
    _heading(pdf, 60, "Contents", contents_size)
    pdf.set_font("Helvetica", size=10)
    for i, (title, page) in enumerate([("Introduction", 1), ("Methods of the survey", 4), ("References", 9)]):
        pdf.set_xy(50, 100 + 14 * i)
        pdf.cell(495, 13, f"{title} {'.' * 60} {page}")
    pdf.add_page()
    _heading(pdf, 60, "Introduction", 16)
    _heading(pdf, 90, "Scope of the study", 13)
    pdf.set_font("Helvetica", size=10)
    pdf.set_xy(50, 115)
    pdf.multi_cell(495, 13, " ".join(LEFT[:5]))
    pdf.add_page()
    _heading(pdf, 60, "References", 16)
    pdf.set_font("Helvetica", size=10)
    refs = [
        "Smith, J. (2019). Counting migrants at the border. Journal of Statistics 12.",
        "Khan, A. (2021). Labour surveys.",
    ]
    for i, ref in enumerate(refs):
        pdf.set_xy(50, 100 + 20 * i)
        pdf.cell(495, 13, ref)
    return _bytes(pdf)


def _heading(pdf: FPDF, top: float, text: str, size: int) -> None:
    pdf.set_font("Helvetica", "B", size)
    pdf.set_xy(50, top)
    pdf.cell(495, size + 4, text)


def encrypted() -> bytes:
    """A PDF that opens only with a user password."""
    pdf = _pdf()
    pdf.add_page()
    pdf.set_xy(50, 80)
    pdf.cell(200, 13, "A secret report.")
    pdf.set_encryption(owner_password="owner-secret", user_password="user-secret")
    return _bytes(pdf)


def drawing_only() -> bytes:
    """Pages with vector drawings and no text at all."""
    pdf = _pdf()
    pdf.add_page()
    pdf.rect(50, 50, 200, 100, style="F")
    pdf.line(50, 200, 300, 400)
    return _bytes(pdf)


_UNMAPPED_CMAP = b"""/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Unmapped def
1 begincodespacerange <00> <FF> endcodespacerange
1 beginbfrange <20> <7E> <E020> endbfrange
endcmap CMapName currentdict /CMap defineresource pop end end"""


def unmapped_font_page(text: str) -> bytes:
    """A one-page PDF whose font maps every glyph to a private-use character: what a font without a
    usable Unicode mapping gives a reader (the page looks right and reads as garbage)."""
    content = b"BT /F1 12 Tf 72 700 Td (" + text.encode("ascii") + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(_UNMAPPED_CMAP) + _UNMAPPED_CMAP + b"\nendstream",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def with_unmapped_page(readable: bytes, text: str) -> bytes:
    """`readable` with one more page at its end whose text is unmapped (see `unmapped_font_page`)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for data in (readable, unmapped_font_page(text)):
        for page in PdfReader(io.BytesIO(data)).pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _text(pdf: FPDF, x: float, top: float, text: str, size: float, style: str = "") -> None:
    pdf.set_font("Helvetica", style, size)
    pdf.set_xy(x, top)
    pdf.cell(0, size + 2, text)


def _body_page(pdf: FPDF, sentences: list[str]) -> None:
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    pdf.set_xy(50, 80)
    pdf.multi_cell(495, 13, " ".join(sentences))


def cover_with_subtitle() -> bytes:
    """A cover: a short title, a two-line subtitle right under it, a date further down; then a page of text."""
    pdf = _pdf()
    pdf.add_page()
    _text(pdf, 150, 180, "In Harm's Way", 44, "B")
    _text(pdf, 150, 236, "How Systems Fail Human", 24)
    _text(pdf, 150, 266, "Trafficking Survivors", 24)
    _text(pdf, 150, 420, "JANUARY 2023", 10, "B")
    _body_page(pdf, LEFT[:6])
    return _bytes(pdf)


def cover_with_large_date() -> bytes:
    """A cover whose largest text is a date, over a title of three lines; then a page of text."""
    pdf = _pdf()
    pdf.add_page()
    _text(pdf, 200, 150, "15.05.2024", 30, "B")
    for i, line in enumerate(["INDICATORS OF THE LABOUR FORCE", "(EMPLOYMENT AND UNEMPLOYMENT)", "2023"]):
        _text(pdf, 160, 240 + 22 * i, line, 16)
    _body_page(pdf, LEFT[:6])
    return _bytes(pdf)


def columns_with_chart() -> bytes:
    """Two columns: on the left a figure (caption, scattered chart numbers and labels, source), on the right
    prose whose lines fall between the chart's; under both, two columns of prose again."""
    pdf = _pdf()
    pdf.add_page()
    _text(pdf, 50, 80, "Figure 3 Arrivals recorded at the border posts, 2019", 9)
    for i, tick in enumerate(["2,500", "2,000", "1,500", "1,000", "500", "0"]):
        _text(pdf, 52, 104 + 19 * i, tick, 7)
    _text(pdf, 200, 110, "Boys", 7)
    _text(pdf, 200, 121, "Girls", 7)
    for i, label in enumerate(["2017", "2018", "2019"]):
        _text(pdf, 90 + 55 * i, 222, label, 7)
    _text(pdf, 50, 240, "Source: national border records.", 7)
    pdf.set_font("Helvetica", size=10)
    pdf.set_xy(315, 80)
    pdf.multi_cell(230, 13, " ".join(RIGHT[:5]))
    _columns(pdf, 300, LEFT[:6], RIGHT[5:11])
    return _bytes(pdf)


def running_header_digit_spacing(pages: int = 6) -> bytes:
    """Pages whose running header prints its year with spaces that come and go ("2017", "201 7", "2 0 1 7")."""
    pdf = _pdf()
    years = ["2017", "201 7", "20 1 7", "2 0 1 7"]
    for index in range(pages):
        pdf.add_page()
        _text(pdf, 50, 30, f"ARIZONA STATE UNIVERSITY  APRIL {years[index % len(years)]}", 9, "B")
        pdf.set_font("Helvetica", size=10)
        pdf.set_xy(50, 80)
        pdf.multi_cell(495, 13, " ".join(LEFT[index : index + 4]))
    return _bytes(pdf)


def list_item_wrapped_apart() -> bytes:
    """Two bullets; the second one's wrapped line is set further down than a line gap, as some reports do."""
    pdf = _pdf()
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    top = 140
    for item in ("Three-quarters of the cases involved only minor victims.", "Most women arrested held the role of"):
        pdf.set_xy(50, top)
        pdf.cell(10, 13, "-")
        pdf.set_xy(62, top)
        pdf.cell(480, 13, item)
        top += 16
    pdf.set_xy(62, top + 20)
    pdf.cell(480, 13, "a bottom, the most trusted person of the trafficker, who may also recruit victims.")
    return _bytes(pdf)
