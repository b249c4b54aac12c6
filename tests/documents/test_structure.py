from indexer import BlockKind, Document
from indexer.documents.structure import parse


def _texts(doc: Document, kind: BlockKind) -> list[str]:
    return [doc.text[b.start : b.end] for b in doc.blocks if b.kind is kind]


def test_report_headings(report: Document) -> None:
    headings = _texts(report, BlockKind.HEADING)
    for title in [
        "Regional migration trends and challenges",
        "MIEUX in Asia",
        "Kyrgyzstan (2013-2014)",
        "Thailand (2013 \u2013 2017)",
        "Managing labour migration and countering THB in Asia: the way forward",
        "Using more and better data on labour migration for enhanced labour migration policies and actions",
    ]:
        assert title in headings
    assert "One way in which MIEUX has contributed to" not in headings


def test_report_table_sections(report: Document) -> None:
    tables = [s for s in report.sections if s.level == 3 and "thematic areas" in s.path[1]]
    assert [s.path[-1] for s in tables] == [
        "Kyrgyzstan (2013-2014)",
        "Tajikistan (2017 - ongoing)",
        "Philippines (2014-ongoing)",
        "Timor-Leste (2016-ongoing)",
        "Philippines (2010-2012)",
        "Thailand (2013 \u2013 2017)",
    ]
    for section in tables:
        rows = [
            report.text[b.start : b.end]
            for b in report.blocks
            if b.section == section.ordinal and b.kind is BlockKind.TABLE
        ]
        labels = [line.split("\t")[0] for row in rows for line in row.split("\n")]
        assert labels == ["Objective", "MIEUX Approach", "Result"], section.path


def test_rows_that_lost_their_tab_are_table_rows(report: Document) -> None:
    rows = _texts(report, BlockKind.TABLE)
    assert "Result\tMultidisciplinary teams are better equipped to assist victims of trafficking" in rows
    assert "Objective\tStrengthening institutional knowledge and skills to investigate THB cases" in rows


def test_footnotes(report: Document) -> None:
    notes = _texts(report, BlockKind.FOOTNOTE)
    assert len(notes) == 3
    assert notes[0].startswith("\u00b9 United Nations Department of Economic and Social Affairs")
    assert "International Migration Report 2017" in notes[0]
    assert "corridor in the world.\u00b9" in report.text


def test_page_break_split_paragraphs_are_rejoined(report: Document) -> None:
    paragraphs = _texts(report, BlockKind.PARAGRAPH)
    for joined in [
        "with inward remittances representing 10.2% of the GDP.\u00b2",
        "One way in which MIEUX has contributed to redressing the situation",
        "National authorities could benefit from targeted capacity building activities",
        "operational tools documents and information/ awareness raising campaigns.",
    ]:
        assert any(joined in p for p in paragraphs), joined


def test_footnote_inside_a_split_paragraph_moves_after_it(report: Document) -> None:
    joined = report.text.index("documents and information/ awareness raising campaigns.")
    footnote = report.text.index("\u00b3 An Action can cover multiple themes")
    assert footnote > joined


def test_markup_is_removed(report: Document) -> None:
    for markup in ["**", "<i>", "</i>", "](#)", "\\("]:
        assert markup not in report.text


def test_blocks_and_sections_slice_the_text(report: Document) -> None:
    for block in report.blocks:
        piece = report.text[block.start : block.end]
        assert piece == piece.strip() and piece
    for section in report.sections:
        assert report.text[section.start :].startswith(section.path[-1])


def test_markdown_headings_nest() -> None:
    structure = parse(
        "# Title\n\nIntro text.\n\n## Part one\n\nBody **one**.\n\n### Detail\n\nMore.\n\n## Part two\n\nEnd."
    )
    paths = [s.path for s in structure.sections]
    assert paths == [
        ("Title",),
        ("Title", "Part one"),
        ("Title", "Part one", "Detail"),
        ("Title", "Part two"),
    ]
    assert "Body one." in structure.text


def test_text_before_the_first_heading_has_a_root_section() -> None:
    structure = parse("Some text that opens the file.\n\n# Heading\n\nBody.")
    assert structure.sections[0].path == ()
    assert structure.sections[1].path == ("Heading",)


def test_heading_followed_by_a_number_stays_a_heading() -> None:
    structure = parse("Kyrgyzstan\n\n2013 was the year the Action began.\n\nMore text follows here.")
    assert structure.sections[0].path == ("Kyrgyzstan",)


def test_page_break_before_a_number_is_rejoined() -> None:
    first = (
        "Remittances sent by migrant workers to their families have become an essential part of the "
        "national revenue, especially in the Philippines, with inward remittances representing"
    )
    structure = parse(f"{first}\n\n\n\n10.2% of the GDP.")
    assert structure.text == f"{first} 10.2% of the GDP."


def test_row_label_alone_is_not_a_table_row() -> None:
    raw = "Objective\tOne\nResult\tTwo\n\nSome heading\n\nResult of the review was that nothing changed at all."
    structure = parse(raw)
    assert "Result of the review" in structure.text
    assert "Result\tof" not in structure.text


def test_double_underscores_are_not_bold() -> None:
    assert "__init__" in parse("Call __init__ first.").text


def test_headings_introduced_by_a_colon_become_children(report: Document) -> None:
    forward = "Managing labour migration and countering THB in Asia: the way forward"
    children = [s.path[-1] for s in report.sections if s.path[:2] == ("Asia", forward) and len(s.path) == 3]
    assert children == [
        "Preventing abusive migration practices and protecting migrant workers' rights",
        "Using more and better data on labour migration for enhanced labour migration policies and actions",
        "Further addressing the link between labour exploitation and trafficking",
        "Strengthening national capacities and expertise, and promoting awareness raising on THB",
        "Fostering coordination and cooperation among relevant national stakeholders and among Governments",
    ]


def test_colon_before_a_table_heading_does_not_nest_further() -> None:
    raw = "Title\n\nIntro text.\n\nActions\n\nThe table lists:\n\nKyrgyzstan (2013)\n\nObjective\tX\nResult\tY"
    structure = parse(raw)
    assert structure.sections[-1].path == ("Title", "Actions", "Kyrgyzstan (2013)")


def test_a_chain_of_colons_nests_no_deeper_than_markdown() -> None:
    doc_text = "Report\n\n" + "".join(f"Head {i}\n\nSome text:\n\n" for i in range(50))
    s = parse(doc_text)
    assert [sec.level for sec in s.sections[:7]] == [1, 2, 3, 4, 5, 6, 6]
    assert max(len(sec.path) for sec in s.sections) == 6
    assert s.sections[-1].path == ("Report", "Head 0", "Head 1", "Head 2", "Head 3", "Head 49")  # siblings at 6
