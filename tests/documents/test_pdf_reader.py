"""The layout-aware PDF reader, on PDFs made with fpdf2 (the real reports: tests/documents/test_realdocs.py)."""

from __future__ import annotations

import pytest

from indexer.documents.readers import read_pdf
from indexer.documents.structure import Structure
from indexer.documents.titles import choose_title
from indexer.errors import UnreadableFileError
from indexer.models import BlockKind
from tests.support import pdfs


def _blocks(structure: Structure) -> list[tuple[BlockKind, str, int | None]]:
    return [(b.kind, structure.text[b.start : b.end], b.page) for b in structure.blocks]


def _check_slices(structure: Structure) -> None:
    parts = [structure.text[b.start : b.end] for b in structure.blocks]
    assert "\n\n".join(parts) == structure.text


def test_two_columns_read_column_by_column() -> None:
    structure = read_pdf(pdfs.two_columns()).structure
    _check_slices(structure)
    text = structure.text
    assert text.index("Left column sentence number 12") < text.index("Right column sentence number 1 ")
    kinds = _blocks(structure)
    assert kinds[0] == (BlockKind.HEADING, "Border Statistics in Two Columns", 1)


def test_a_full_width_table_stays_whole_and_in_place() -> None:
    blocks = _blocks(read_pdf(pdfs.wide_table()).structure)
    rows = [text for kind, text, _ in blocks if kind is BlockKind.TABLE]
    assert rows == ["Country\tArrivals\tDepartures\tShare", "Nepal\t1,204\t988\t12%", "Laos\t877\t650\t9%"]
    texts = [text for _, text, _ in blocks]
    first_row = texts.index(rows[0])
    assert any("Right column sentence number 6" in t for t in texts[:first_row])
    assert any("Left column sentence number 7" in t for t in texts[first_row:])


def test_running_headers_and_page_numbers_are_removed_and_become_labels() -> None:
    structure = read_pdf(pdfs.running_headers(pages=6, first_number=3)).structure
    assert "Labour Migration Review" not in structure.text
    assert [p.label for p in structure.pages] == ["3", "4", "5", "6", "7", "8"]
    assert [page for _, _, page in _blocks(structure)] == [1, 2, 3, 4, 5, 6]
    assert all(not text.strip().isdigit() for _, text, _ in _blocks(structure))


def test_page_labels_come_from_the_pdf() -> None:
    structure = read_pdf(pdfs.roman_front_matter()).structure
    assert [p.label for p in structure.pages] == ["i", "ii", "1", "2"]


def test_ligatures_are_folded_and_line_end_hyphens_rejoined() -> None:
    text = read_pdf(pdfs.ligatures_and_hyphens()).structure.text
    assert "financial records" in text
    assert "\ufb01" not in text
    assert "informal employment hard" in text
    assert "self-Employed" in text


def test_contents_headings_and_references() -> None:
    structure = read_pdf(pdfs.contents_and_references()).structure
    _check_slices(structure)
    blocks = _blocks(structure)
    assert (BlockKind.HEADING, "Introduction", 2) in blocks
    assert (BlockKind.HEADING, "Scope of the study", 2) in blocks
    assert any(kind is BlockKind.CONTENTS and page == 1 for kind, _, page in blocks)
    assert any(kind is BlockKind.REFERENCES and "Smith, J. (2019)" in text for kind, text, _ in blocks)
    levels = {structure.text[s.start : s.end].split("\n")[0]: s.level for s in structure.sections if s.path}
    assert levels["Introduction"] < levels["Scope of the study"]


def test_a_contents_heading_set_larger_than_the_chapters_holds_none_of_them() -> None:
    structure = read_pdf(pdfs.contents_and_references(contents_size=22)).structure
    paths = [s.path for s in structure.sections if s.path]
    assert ("Contents",) in paths and ("Introduction", "Scope of the study") in paths
    assert not any(p[0] == "Contents" and len(p) > 1 for p in paths)


def test_a_list_item_keeps_its_wrapped_line_set_apart_from_it() -> None:
    structure = read_pdf(pdfs.list_item_wrapped_apart()).structure
    assert _blocks(structure)[-1][:2] == (
        BlockKind.LIST,
        "- Most women arrested held the role of a bottom, the most trusted person of the trafficker, "
        "who may also recruit victims.",
    )


def test_an_encrypted_pdf_says_to_remove_the_password() -> None:
    with pytest.raises(UnreadableFileError, match="encrypted PDF: save a copy without a password"):
        read_pdf(pdfs.encrypted())


def test_a_pdf_without_text_says_to_run_ocr() -> None:
    with pytest.raises(UnreadableFileError, match="no text layer: run OCR first"):
        read_pdf(pdfs.drawing_only())


def test_a_page_of_unmapped_glyphs_is_named_and_the_rest_is_read() -> None:
    data = pdfs.with_unmapped_page(pdfs.two_columns(), "Wages of migrant workers rose by a third in 2019 and 2020.")
    read = read_pdf(data)
    assert read.unreadable_pages == (max(b.page or 0 for b in read.structure.blocks),)
    assert read_pdf(pdfs.two_columns()).unreadable_pages == ()


@pytest.mark.parametrize("data", [b"", b"%PDF-1.4\n garbage \x00\x01", b"\x89PNG\r\n\x1a\n" + bytes(range(256))])
def test_broken_bytes_are_unreadable(data: bytes) -> None:
    with pytest.raises(UnreadableFileError, match="not a readable PDF"):
        read_pdf(data)


def test_the_cover_title_is_joined_with_its_subtitle_and_cover_lines_are_not_headings() -> None:
    read = read_pdf(pdfs.cover_with_subtitle())
    assert read.titles[0] == "In Harm's Way: How Systems Fail Human Trafficking Survivors"
    assert choose_title(read.titles, "in-harms-way.pdf") == read.titles[0]
    cover = [(kind, text) for kind, text, page in _blocks(read.structure) if page == 1]
    assert (BlockKind.PARAGRAPH, "JANUARY 2023") in cover
    assert all(kind is not BlockKind.HEADING for kind, _ in cover)


def test_a_date_printed_larger_than_the_title_is_passed_over() -> None:
    read = read_pdf(pdfs.cover_with_large_date())
    assert "15.05.2024" in read.titles
    title = choose_title(read.titles, "GEO_2023_report.pdf")
    assert title == "INDICATORS OF THE LABOUR FORCE (EMPLOYMENT AND UNEMPLOYMENT) 2023"


def test_prose_beside_a_chart_is_read_by_column_without_the_chart_numbers() -> None:
    structure = read_pdf(pdfs.columns_with_chart()).structure
    _check_slices(structure)
    blocks = _blocks(structure)
    text = structure.text
    assert (BlockKind.CAPTION, "Figure 3 Arrivals recorded at the border posts, 2019", 1) in blocks
    assert text.index("Right column sentence number 1 ") < text.index("Right column sentence number 5 ")
    right = next(t for _, t, _ in blocks if t.startswith("Right column sentence number 1 "))
    assert all(f"Right column sentence number {i} " in right for i in range(1, 6))
    assert all("\t" not in t for kind, t, _ in blocks if kind is not BlockKind.TABLE)
    assert not any(kind is BlockKind.TABLE for kind, _, _ in blocks)
    for label in ("2,500", "1,000", "Girls", "2018"):
        assert label not in text
    assert "Source: national border records." in text


def test_a_running_header_whose_digits_are_spaced_differently_is_removed() -> None:
    structure = read_pdf(pdfs.running_header_digit_spacing()).structure
    assert "ARIZONA" not in structure.text
    assert "APRIL" not in structure.text
    assert all(kind is BlockKind.PARAGRAPH for kind, _, _ in _blocks(structure))
