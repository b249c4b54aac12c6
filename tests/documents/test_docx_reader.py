"""The DOCX reader on generated files (python-docx, with raw XML where it has no API) and the two real ones."""

import copy
import io
import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.shared import Pt

from indexer.documents.readers import read_docx
from indexer.documents.titles import choose_title
from indexer.models import BlockKind

REAL = Path("/work/shared/realdocs/docs")
W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _bytes(d: docx.document.Document) -> bytes:
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _blocks(data: bytes) -> list[tuple[BlockKind, str]]:
    s = read_docx(data).structure
    return [(b.kind, s.text[b.start : b.end]) for b in s.blocks]


def test_headings_by_style_and_by_outline_level() -> None:
    d = docx.Document()
    d.add_heading("Licensing", 1)
    outlined = d.add_paragraph("Fees by outline level")
    outlined._p.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {W_NS} w:val="1"/>'))
    custom = d.styles.add_style("Chapter Head", WD_STYLE_TYPE.PARAGRAPH)
    custom.element.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {W_NS} w:val="0"/>'))
    d.add_paragraph("Custom styled chapter", style="Chapter Head")
    d.add_paragraph("Body text under the chapter.")
    structure = read_docx(_bytes(d)).structure
    assert [(s.path, s.level) for s in structure.sections] == [
        (("Licensing",), 1),
        (("Licensing", "Fees by outline level"), 2),
        (("Custom styled chapter",), 1),
    ]


def test_a_plausible_title_paragraph_is_a_title_and_a_date_is_not() -> None:
    d = docx.Document()
    d.add_heading("Recruitment Guide", 0)
    d.add_paragraph("September 18, 2019", style="Title")
    d.add_heading("Licensing of agencies", 1)
    d.add_paragraph("Agencies hold a licence.")
    read = read_docx(_bytes(d))
    assert read.titles == ("Recruitment Guide", "Licensing of agencies")
    assert _blocks(_bytes(d))[:2] == [
        (BlockKind.HEADING, "Recruitment Guide"),
        (BlockKind.PARAGRAPH, "September 18, 2019"),
    ]
    assert read.structure.sections[-1].path == ("Licensing of agencies",)  # the title does not root every path


def test_title_candidates_core_title_then_title_style_then_cover_then_heading() -> None:
    d = docx.Document()
    d.core_properties.title = "Microsoft Word - draft.doc"
    for line in ("Tajikistan", "Household Budget Survey 2024"):
        d.add_paragraph().add_run(line).font.size = Pt(24)
    d.add_paragraph("Prepared by the statistics office")
    d.add_heading("Background", 1)
    d.add_paragraph("Body text.")
    read = read_docx(_bytes(d))
    assert read.titles == ("Microsoft Word - draft.doc", "Tajikistan Household Budget Survey 2024", "Background")
    assert choose_title(read.titles, "Technical Note.docx") == "Tajikistan Household Budget Survey 2024"


def test_tables_row_by_row_merged_cells_once_nested_tables_flattened() -> None:
    d = docx.Document()
    table = d.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "Country"
    table.cell(0, 2).text = "Fee cap"
    table.cell(1, 0).merge(table.cell(2, 0)).text = "Nepal"
    table.cell(1, 1).text = "Agencies"
    table.cell(1, 2).text = "Zero"
    table.cell(2, 1).text = "Brokers"
    table.cell(2, 2).text = "0"
    inner = table.cell(2, 2).add_table(rows=1, cols=2)
    inner.cell(0, 0).text = "inner a"
    inner.cell(0, 1).text = "inner b"
    rows = [text for kind, text in _blocks(_bytes(d)) if kind is BlockKind.TABLE]
    assert rows == ["Country\tFee cap", "Nepal\tAgencies\tZero", "Brokers\t0", "inner a\tinner b"]


def _with_notes(data: bytes) -> bytes:
    """Add word/footnotes.xml (two notes and the separators) to a DOCX whose body refers to notes 1 and 2."""
    notes = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:footnotes {W_NS}>'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:id="1"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> Source: ILO 2019.</w:t>'
        "</w:r></w:p></w:footnote>"
        '<w:footnote w:id="2"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t>Ministry data.</w:t></w:r></w:p></w:footnote>'
        "</w:footnotes>"
    )
    rel = (
        '<Relationship Id="rIdNotes" Target="footnotes.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"/>'
    )
    override = (
        '<Override PartName="/word/footnotes.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item)
            if item.filename == "word/_rels/document.xml.rels":
                body = body.replace(b"</Relationships>", rel.encode() + b"</Relationships>")
            elif item.filename == "[Content_Types].xml":
                body = body.replace(b"</Types>", override.encode() + b"</Types>")
            dst.writestr(item, body)
        dst.writestr("word/footnotes.xml", notes)
    return out.getvalue()


def test_footnotes_follow_the_body_and_their_marks_stay_in_the_text() -> None:
    d = docx.Document()
    p = d.add_paragraph("Fees were banned in 2019")
    for note_id in ("2", "1"):  # referred to out of id order: numbered in reading order
        p.add_run()._r.append(parse_xml(f'<w:footnoteReference {W_NS} w:id="{note_id}"/>'))
        p.add_run(" and more")
    blocks = _blocks(_with_notes(_bytes(d)))
    assert blocks[0] == (BlockKind.PARAGRAPH, "Fees were banned in 2019\u00b9 and more\u00b2 and more")
    assert blocks[1:] == [(BlockKind.FOOTNOTE, "1 Ministry data."), (BlockKind.FOOTNOTE, "2 Source: ILO 2019.")]


def test_list_paragraphs_by_style_or_numbering() -> None:
    d = docx.Document()
    d.add_paragraph("First point", style="List Bullet")
    numbered = d.add_paragraph("Numbered point")
    numbered._p.get_or_add_pPr().append(parse_xml(f'<w:numPr {W_NS}><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>'))
    d.add_paragraph("Plain paragraph.")
    assert _blocks(_bytes(d)) == [
        (BlockKind.LIST, "- First point"),
        (BlockKind.LIST, "- Numbered point"),
        (BlockKind.PARAGRAPH, "Plain paragraph."),
    ]


def test_content_controls_are_read_and_a_table_of_contents_is_not() -> None:
    d = docx.Document()
    d.add_paragraph("Intro text.")
    body = d.element.body
    sdt = parse_xml(
        f"<w:sdt {W_NS}><w:sdtPr><w:docPartObj><w:docPartGallery w:val='Table of Contents'/></w:docPartObj>"
        "</w:sdtPr><w:sdtContent><w:p><w:r><w:t>Contents 3</w:t></w:r></w:p></w:sdtContent></w:sdt>"
    )
    kept = copy.deepcopy(sdt)
    kept.find(qn("w:sdtPr")).clear()
    kept.find(qn("w:sdtContent")).find(qn("w:p")).find(qn("w:r")).find(qn("w:t")).text = "Inside a control."
    body.insert(1, sdt)
    body.insert(2, kept)
    assert [text for _, text in _blocks(_bytes(d))] == ["Intro text.", "Inside a control."]


@pytest.mark.skipif(not REAL.is_dir(), reason="the real documents are not here")
@pytest.mark.parametrize(
    ("name", "title", "first_section"),
    [
        (
            "Technical Note on HBS 2024 Sampling.docx",
            "Tajikistan Household Budget Survey 2024 SAMPLE DESIGN",
            "Background",
        ),
        (
            "Technical-Design-of-the-Kenya-Continuous-Household-Survey.docx",
            "Technical Design of the Kenya Continuous Household Survey",
            "List of Abbreviations",
        ),
    ],
)
def test_real_docx_titles_sections_and_notes(name: str, title: str, first_section: str) -> None:
    read = read_docx((REAL / name).read_bytes())
    assert choose_title(read.titles, name) == title
    paths = [s.path for s in read.structure.sections]
    assert (first_section,) in paths
    kinds = [b.kind for b in read.structure.blocks]
    assert kinds[-1] is BlockKind.FOOTNOTE and BlockKind.HEADING in kinds
    assert read.structure.text.count("\n\n1 ") == 1  # the first note, once, after the body
