"""The layout-aware PDF reader, on PDFs made with fpdf2 and on the real reports of shared/realdocs."""

from __future__ import annotations

import json

import pytest

from indexer.documents.readers import read_pdf
from indexer.documents.structure import Structure
from indexer.errors import UnreadableFileError
from indexer.models import BlockKind
from tests.support import pdfs
from tests.support.data import REPO

REALDOCS = REPO.parent / "shared" / "realdocs"


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


@pytest.mark.slow
def test_the_real_reports_have_their_printed_page_labels() -> None:
    if not (REALDOCS / "structure.json").is_file():
        pytest.skip("shared/realdocs is not there")
    given = json.loads((REALDOCS / "structure.json").read_text(encoding="utf-8"))
    wrong = []
    for name, info in given.items():
        if not name.endswith(".pdf"):
            continue
        structure = read_pdf((REALDOCS / "docs" / name).read_bytes()).structure
        labels = {p.number: p.label for p in structure.pages}
        for page, label in info["page_labels"]:
            ours = labels.get(page)
            if ours != (label if label is not None else str(page)):
                wrong.append((name, page, label, ours))
    assert len(wrong) <= 1, wrong
