from indexer import BlockKind, ChunkerSettings, Document, SentenceTransformerEmbedder, chunk_document
from indexer.documents.chunking import embed_text
from indexer.documents.structure import Item, from_items
from tests.support.fakes import HashingEmbedder


def _chunks(report: Document, embedder: SentenceTransformerEmbedder) -> list:
    return chunk_document(report, embedder.count_tokens)


def test_every_chunk_slices_the_canonical_text(report: Document, embedder: SentenceTransformerEmbedder) -> None:
    chunks = _chunks(report, embedder)
    assert chunks
    for c in chunks:
        assert report.text[c.start : c.end] == c.text
        assert c.text == c.text.strip()


def test_no_chunk_exceeds_the_model_window(report: Document, embedder: SentenceTransformerEmbedder) -> None:
    for c in _chunks(report, embedder):
        assert embedder.count_tokens(c.embed_text) <= embedder.max_tokens == 256


def test_chunks_stay_inside_their_section(report: Document, embedder: SentenceTransformerEmbedder) -> None:
    for c in _chunks(report, embedder):
        section = report.sections[c.section]
        assert section.start <= c.start < c.end <= section.end
        assert c.section_path == section.path
        assert c.embed_text == embed_text(section.path, c.text)


def test_table_block_stays_with_its_heading(report: Document, embedder: SentenceTransformerEmbedder) -> None:
    chunks = _chunks(report, embedder)
    tajik = [c for c in chunks if c.section_path[-1] == "Tajikistan (2017 - ongoing)"]
    assert len(tajik) == 1
    assert tajik[0].text.startswith("Tajikistan (2017 - ongoing)\n\nObjective\t")
    assert "Result\tRoadmap on External Labour Migration" in tajik[0].text
    assert tajik[0].embed_text.startswith("Asia > MIEUX Actions in Asia according to thematic areas > Tajikistan")


def test_split_paragraph_is_one_passage(report: Document, embedder: SentenceTransformerEmbedder) -> None:
    texts = [c.text for c in _chunks(report, embedder)]
    assert any("30.4% and 26.9%" in t and "representing 10.2% of the GDP" in t for t in texts)


def test_heading_is_quoted_with_its_first_passage(report: Document, embedder: SentenceTransformerEmbedder) -> None:
    texts = [c.text for c in _chunks(report, embedder)]
    assert any(
        t.startswith("Preventing abusive migration practices and protecting migrant workers' rights\n\n") for t in texts
    )
    assert not any(t.strip() in {"MIEUX in Asia", "Asia"} for t in texts)


def test_tiny_paragraphs_merge_and_large_ones_do_not() -> None:
    fake = HashingEmbedder()
    big = " ".join(["word"] * 80) + "."
    text = f"Title\n\nShort one.\n\nShort two.\n\n{big}\n\n{big}"
    from indexer.documents.structure import parse

    s = parse(text)
    doc = Document("d", "D", "d.txt", s.text, s.sections, s.blocks, "h")
    chunks = chunk_document(doc, fake.count_tokens, ChunkerSettings(max_tokens=256, min_tokens=20))
    assert [c.text.split("\n\n")[:3] for c in chunks][0] == ["Title", "Short one.", "Short two."]
    assert len(chunks) == 2


def test_long_paragraph_is_cut_at_sentences_then_words() -> None:
    fake = HashingEmbedder()
    sentences = " ".join(f"Sentence number {i} talks about labour migration." for i in range(60))
    giant_word_run = " ".join(["x"] * 500)
    from indexer.documents.structure import parse

    s = parse(f"Heading\n\n{sentences}\n\n{giant_word_run}")
    doc = Document("d", "D", "d.txt", s.text, s.sections, s.blocks, "h")
    settings = ChunkerSettings(max_tokens=64, min_tokens=8)
    chunks = chunk_document(doc, fake.count_tokens, settings)
    assert len(chunks) > 10
    for c in chunks:
        assert doc.text[c.start : c.end] == c.text
        assert fake.count_tokens(c.embed_text) <= 64
    sentence_chunks = [c for c in chunks if "Sentence" in c.text]
    assert all(c.text.endswith(".") for c in sentence_chunks)


def test_section_without_body_yields_no_chunk() -> None:
    from indexer.documents.structure import parse

    s = parse("# A\n\n# B\n\nText under B.")
    doc = Document("d", "D", "d.md", s.text, s.sections, s.blocks, "h")
    chunks = chunk_document(doc, HashingEmbedder().count_tokens)
    assert [c.section_path for c in chunks] == [("B",)]


def _doc(raw: str) -> Document:
    from indexer.documents.structure import parse

    s = parse(raw)
    return Document("d", "D", "d.txt", s.text, s.sections, s.blocks, "h")


def test_window_holds_for_urls_unspaced_scripts_and_huge_tokens(
    embedder: SentenceTransformerEmbedder,
) -> None:
    url = "https://example.org/" + "x9" * 3000
    cjk = "移民劳工的权利需要保护。" * 300
    huge = "A" * 20000
    doc = _doc(f"Heading\n\nSee {url} for details.\n\n{cjk}\n\n{huge}")
    chunks = chunk_document(doc, embedder.count_tokens)
    assert len(chunks) > 5
    for c in chunks:
        assert doc.text[c.start : c.end] == c.text
        assert embedder.count_tokens(c.embed_text) <= 256
    covered = set()
    for c in chunks:
        covered.update(range(c.start, c.end))
    assert all(i in covered for i, ch in enumerate(doc.text) if not ch.isspace())


def test_heading_leads_a_long_first_block(embedder: SentenceTransformerEmbedder) -> None:
    body = " ".join(f"Sentence {i} describes the labour migration programme in detail." for i in range(80))
    doc = _doc(f"# Big heading\n\n{body}")
    chunks = chunk_document(doc, embedder.count_tokens)
    assert chunks[0].text.startswith("Big heading\n\nSentence 0")
    assert all(c.text != "Big heading" for c in chunks)


def _paged(items: list[Item], labels: list[str | None]) -> Document:
    structure = from_items(items, labels)
    return Document(
        "paged", "Paged", "paged.pdf", structure.text, structure.sections, structure.blocks, "hash", structure.pages
    )


def test_contents_and_reference_lists_are_kept_in_the_text_but_never_passages() -> None:
    body = "Brick kilns hold workers in debt bondage across the region. " * 3
    doc = _paged(
        [
            Item(BlockKind.HEADING, "Contents", 1, page=1),
            Item(BlockKind.CONTENTS, "Brick kilns ........ 2", page=1),
            Item(BlockKind.HEADING, "Brick kilns", 1, page=2),
            Item(BlockKind.PARAGRAPH, body, page=2),
            Item(BlockKind.REFERENCES, "Smith, J. (2019). Kilns and debt. Geneva: ILO.", page=2),
            Item(BlockKind.PARAGRAPH, "Inspections found bondage in nine of forty kilns.", page=3),
            Item(BlockKind.HEADING, "References", 1, page=4),
            Item(BlockKind.REFERENCES, "Jones, K. (2020). Recruitment fees. Bangkok.", page=4),
        ],
        ["i", "1", "2", "3"],
    )
    chunks = chunk_document(doc, HashingEmbedder().count_tokens, ChunkerSettings(min_tokens=1))
    assert "Smith, J." in doc.text and "Jones, K." in doc.text and "........" in doc.text
    assert [c.text for c in chunks] == [
        "Brick kilns\n\n" + body.strip(),
        "Inspections found bondage in nine of forty kilns.",
    ]
    assert [(c.page, c.page_label) for c in chunks] == [(2, "1"), (3, "2")]
    for c in chunks:
        assert doc.text[c.start : c.end] == c.text


def test_a_page_without_a_printed_label_is_cited_by_its_index() -> None:
    doc = _paged(
        [Item(BlockKind.PARAGRAPH, "Front matter text.", page=1), Item(BlockKind.PARAGRAPH, "Body text.", page=2)],
        ["ii"],
    )
    assert [(p.number, p.label) for p in doc.pages] == [(1, "ii"), (2, "2")]
    assert doc.text[doc.pages[1].start :].startswith("Body text.")


def test_small_pieces_of_two_pages_are_two_passages_each_citing_its_page() -> None:
    doc = _paged(
        [
            Item(BlockKind.HEADING, "Wages", 1, page=1),
            Item(BlockKind.PARAGRAPH, "Wages rose by a third.", page=1),
            Item(BlockKind.PARAGRAPH, "Hours fell in 2020.", page=2),
            Item(BlockKind.PARAGRAPH, "Overtime was rare.", page=2),
        ],
        ["7", "8"],
    )
    chunks = chunk_document(doc, HashingEmbedder().count_tokens)
    assert [(c.text, c.page_label) for c in chunks] == [
        ("Wages\n\nWages rose by a third.", "7"),
        ("Hours fell in 2020.\n\nOvertime was rare.", "8"),
    ]
