"""Property tests: random files and text never crash the loaders, the parser or the chunker, and every
offset they report slices the canonical text exactly.

Runs are deterministic (`derandomize`) and keep no example database, so CI sees the same examples
every time and the working tree stays clean; found bugs stay as explicit `@example`s.
"""

from __future__ import annotations

import functools
import io
import re
import string
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
from fpdf import FPDF
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from indexer import (
    Block,
    BlockKind,
    Chunk,
    ChunkerSettings,
    Document,
    Section,
    SentenceTransformerEmbedder,
    UnreadableFileError,
    chunk_document,
    load_corpus,
    load_document,
)
from indexer.documents.chunking import embed_text
from indexer.documents.corpus import SUPPORTED_SUFFIXES
from indexer.documents.readers import READERS
from indexer.documents.structure import Item, Structure, from_items, parse, parse_pages
from tests.support.fakes import HashingEmbedder

settings.register_profile(
    "askreport-properties",
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
_PROFILE = settings.get_profile("askreport-properties")


def _examples(n: int) -> settings:
    return settings(_PROFILE, max_examples=n)


# --- strategies -----------------------------------------------------------------------------------

_ODD = "\t\n\r\f\v\x00\x01\x1b\x1c\x1f\x7f\x85\u00a0\u2028\u2029\u200b\ufeff\u00b9\u00b2\u00b3\u2074\u2070\u2022"
_MARKUP = "#|*_-+[]()!<>&;:.,?\"'\\`~/="
_chars = st.one_of(
    st.sampled_from(string.ascii_letters + string.digits + "     "),
    st.sampled_from(_ODD + _MARKUP),
    st.characters(exclude_categories=["Cs"]),
)
_VOCAB = [
    "labour",
    "Migration",
    "U.N.",
    "30.4%",
    "e.g.",
    "end.",
    "Why?",
    "Yes!",
    "colon:",
    "comma,",
    "(2013-2014)",
    "**bold**",
    "*italic*",
    "[link](http://example.org/a)",
    "![img](a.png)",
    "\\*",
    "\\#",
    "<b>",
    "</span>",
    "<i>x</i>",
    "\u79fb\u6c11\u3002",
    "\U0001f600",
    "\U00010348",
    "word\u00b9",
    "https://example.org/" + "x9" * 40,
    "0",
    "42",
    "2013",
    "-1",
    "1,000",
    "1e9",
    "No.",
    "Fig.\u00a02",
]
_long_word = st.builds(
    lambda c, n: c * n, st.sampled_from(["a", "X", "\u79fb", "9", "\U0001f600", "ab-"]), st.integers(30, 400)
)
_word = st.one_of(st.text(_chars, min_size=1, max_size=10), st.sampled_from(_VOCAB))
_words = st.lists(_word, max_size=8).map(" ".join)
_cells = st.lists(_words, min_size=2, max_size=3)
_FOOTNOTE_MARKS = ["\u00b9", "\u00b2", "\u00b3", "\u00b9\u00b2", "\u2074", "\u2070"]
_BULLETS = ["-", "*", "+", "\u2022", "1.", "2)", "10."]
_line = st.one_of(
    _words,
    _words.map(str.title),
    st.builds(lambda n, w: "#" * n + " " + w, st.integers(1, 7), _words),
    _cells.map("\t".join),
    _cells.map(lambda cells: "| " + " | ".join(cells) + " |"),
    st.builds(lambda m, w: m + " " + w, st.sampled_from(_FOOTNOTE_MARKS), _words),
    st.builds(lambda m, w: m + " " + w, st.sampled_from(_BULLETS), _words),
    st.builds(lambda w, long: w + " " + long, _words, _long_word),
    st.builds(lambda w, n: (w + ". ") * n, _words, st.integers(2, 30)),  # a long paragraph, cheaply
    st.text(_chars, max_size=40),
)
_newline = st.sampled_from(["\n", "\n", "\n\n", "\n\n", "\r\n", "\r", "\r\n\r\n", "\n\f", "\f", "\n \n", "\n\t\n"])
_lines = st.lists(st.tuples(_line, _newline), max_size=12).map(lambda pairs: "".join(a + b for a, b in pairs))
raw_text = st.one_of(st.text(_chars, max_size=200), _lines)
_HTML_BITS = [
    "<p>",
    "</p>",
    "<div>",
    "<h1>",
    "</h1>",
    "<h3 class='x'>",
    "</h3>",
    "<table>",
    "<tr>",
    "<td>",
    "</td>",
    "<th>",
    "</tr>",
    "</table>",
    "<ul>",
    "<li>",
    "</li>",
    "<br>",
    "<br/>",
    "<hr>",
    "<script>",
    "</script>",
    "<style>",
    "<head>",
    "</head>",
    "<body>",
    "<title>",
    "</title>",
    "<svg>",
    "</svg>",
    "<b>",
    "</b>",
    "<!--",
    "-->",
    "<!",
    "<![",
    "<?",
    "]]>",
    "[",
    "]",
    "CDATA",
    "if",
    "&amp;",
    "&#",
    "&#x",
    ";",
    "<",
    ">",
    "</",
    "=",
    '"',
]
html_text = st.lists(st.tuples(st.sampled_from(_HTML_BITS), st.one_of(st.just(""), _words, _newline)), max_size=30).map(
    lambda pairs: "".join(a + b for a, b in pairs)
)


def _mutate(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """Apply byte edits: (position, operation, payload); operations replace, delete, insert, truncate."""
    out = bytearray(data)
    for position, op, payload in edits:
        i = position % (len(out) + 1)
        if op == 0:
            out[i : i + len(payload)] = payload
        elif op == 1:
            del out[i : i + 1 + len(payload) * 8]
        elif op == 2:
            out[i:i] = payload
        else:
            del out[i:]
    return bytes(out)


_edits = st.lists(st.tuples(st.integers(0, 2**20), st.integers(0, 3), st.binary(min_size=1, max_size=8)), max_size=6)


@functools.cache
def _seeds() -> dict[str, bytes]:
    """One small valid file per binary format (uncompressed PDF streams, so edits hit the text)."""
    pdf = FPDF()
    pdf.set_compression(False)
    pdf.set_title("Seed report")
    for heading in ("Border management", "Fisheries inspections"):
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 16)
        pdf.multi_cell(0, 10, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=12)
        pdf.multi_cell(0, 7, "Inspectors boarded vessels. Port control centres checked crew lists, daily.")
    d = docx.Document()
    d.core_properties.title = "Seed guide"
    d.add_heading("Seed guide", 0)
    d.add_heading("Licensing", 1)
    d.add_paragraph("Agencies must hold a licence.")
    d.add_paragraph("First point", style="List Bullet")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).merge(table.cell(1, 0))
    table.cell(0, 1).text = "Fee cap"
    buf = io.BytesIO()
    d.save(buf)
    return {".pdf": bytes(pdf.output()), ".docx": buf.getvalue()}


_XML_BITS = [
    b"<w:p><w:r><w:t>x</w:t></w:r></w:p>",
    b"<w:p/>",
    b"<w:tbl/>",
    b"<w:tbl><w:tr><w:tc><w:p/></w:tc></w:tr></w:tbl>",
    b"<w:tr/>",
    b"<w:tr><w:tc/></w:tr>",
    b"<w:tc/>",
    b"<w:tcPr><w:vMerge/></w:tcPr>",
    b'<w:tcPr><w:vMerge w:val="restart"/></w:tcPr>',
    b'<w:tcPr><w:gridSpan w:val="3"/></w:tcPr>',
    b'<w:tcPr><w:gridSpan w:val="0"/></w:tcPr>',
    b'<w:trPr><w:gridBefore w:val="2"/><w:gridAfter w:val="5"/></w:trPr>',
    b'<w:pPr><w:pStyle w:val="Heading9"/></w:pPr>',
    b'<w:pPr><w:pStyle w:val="Title"/></w:pPr>',
    b'<w:pStyle w:val="nope"/>',
    b"<w:br/>",
    b"<w:tab/>",
    b"<w:r><w:t>z</w:t></w:r>",
    b"<w:t>\xc3\xa9</w:t>",
    b'<w:gridCol w:w="x"/>',
    b"<w:sdt><w:sdtContent><w:p><w:r><w:t>y</w:t></w:r></w:p></w:sdtContent></w:sdt>",
    b'<w:hyperlink r:id="rId999"><w:r><w:t>h</w:t></w:r></w:hyperlink>',
    b"<w:style/>",
    b'<w:style w:type="paragraph" w:styleId="Heading1"/>',
    b"<dc:title/>",
]


def _fuzz_docx(
    seed: bytes, part_choice: int, inserts: list[tuple[int, int]], edits: list[tuple[int, int, bytes]]
) -> bytes:
    """Re-zip a DOCX with one XML part changed: elements inserted at tag boundaries, then byte edits."""
    with zipfile.ZipFile(io.BytesIO(seed)) as src:
        names = src.namelist()
        parts = {name: src.read(name) for name in names}
    xml_names = sorted(n for n in names if n.endswith(".xml"))
    target = xml_names[part_choice % len(xml_names)]
    data = parts[target]
    for position, bit in inserts:
        tags = [m.start() for m in re.finditer(rb"<", data)]
        i = tags[position % len(tags)] if tags else 0
        data = data[:i] + _XML_BITS[bit % len(_XML_BITS)] + data[i:]
    parts[target] = _mutate(data, edits)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in names:
            dst.writestr(name, parts[name])
    return out.getvalue()


_few_edits: st.SearchStrategy[list[tuple[int, int, bytes]]] = _edits.map(lambda edits: edits[:1])
_xml_inserts = st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, len(_XML_BITS) - 1)), max_size=4)


@st.composite
def file_bytes(draw: st.DrawFn, suffix: str) -> bytes:
    """Bytes for a file with `suffix`: noise, encoded text, or a damaged copy of a valid file."""
    choices: list[st.SearchStrategy[bytes]] = [
        st.binary(max_size=600),
        raw_text.map(lambda t: t.encode("utf-8")),
        html_text.map(lambda t: t.encode("utf-8")),
        raw_text.map(lambda t: t.encode("utf-16")),
        raw_text.map(lambda t: "\ufeff".encode() + t.encode("utf-8")),
    ]
    seed = _seeds().get(suffix)
    if seed is not None:  # damaged copies of a valid file get past the format check far more often
        choices = [choices[0], _edits.map(functools.partial(_mutate, seed))] * 2
        if suffix == ".docx":
            choices.append(
                st.builds(functools.partial(_fuzz_docx, seed), st.integers(0, 100), _xml_inserts, _few_edits)
            )
    return draw(st.one_of(choices))


# --- invariants -----------------------------------------------------------------------------------


def check_structure(text: str, blocks: tuple[Block, ...], sections: tuple[Section, ...]) -> None:
    """What `_assemble` promises: blocks joined by blank lines, sections contiguous, ordered, nested."""
    if not blocks:
        assert text == "" and sections == ()
        return
    assert blocks[0].start == 0 and blocks[-1].end == len(text)
    for a, b in zip(blocks, blocks[1:], strict=False):
        assert text[a.end : b.start] == "\n\n"
        assert a.section <= b.section
    for block in blocks:
        piece = text[block.start : block.end]
        assert 0 <= block.start < block.end <= len(text)
        assert "\n\n" not in piece
        assert all(line and line == line.strip() for line in piece.split("\n")), piece
        assert 0 <= block.section < len(sections)
    for i, section in enumerate(sections):
        own = [b for b in blocks if b.section == i]
        assert section.ordinal == i and own
        assert (section.start, section.end) == (own[0].start, own[-1].end)
        headings = [b for b in own if b.kind is BlockKind.HEADING]
        if section.path:
            assert own[0].kind is BlockKind.HEADING and headings == [own[0]]
            assert text[own[0].start : own[0].end] == section.path[-1]
        else:
            assert i == 0 and section.level == 0 and section.start == 0 and not headings
    for before, after in zip(sections, sections[1:], strict=False):
        assert before.end < after.start
    _check_nesting(sections)


def _check_nesting(sections: tuple[Section, ...]) -> None:
    """A section's parent is the last earlier section one level up the path, with a lower heading level."""
    for i, section in enumerate(sections):
        depth = len(section.path)
        if depth == 0:
            continue
        earlier = [s for s in sections[:i] if s.path]
        shallower = [s for s in earlier if len(s.path) < depth]
        if depth == 1:
            assert not shallower
            continue
        parent = shallower[-1]
        assert parent.path == section.path[:-1] and parent.level < section.level
        between = earlier[earlier.index(parent) + 1 :]
        assert all(len(s.path) >= depth for s in between)
        previous = earlier[-1]
        assert (len(section.path) == len(previous.path) + 1) == (section.level > previous.level)


def check_pages(blocks: tuple[Block, ...], pages: int | None = None) -> None:
    """Every block of a paged document knows its page, and pages only go forward."""
    numbers = [b.page for b in blocks]
    assert all(n is not None and 1 <= n <= (pages or n) for n in numbers)
    assert numbers == sorted(n for n in numbers if n is not None)


def check_document(doc: Document) -> None:
    check_structure(doc.text, doc.blocks, doc.sections)
    if doc.source.endswith(".pdf"):
        check_pages(doc.blocks)
    else:
        assert all(b.page is None for b in doc.blocks)
    assert doc.text.strip() and doc.title.strip() == doc.title and doc.id and doc.content_hash


def check_chunks(
    doc: Document, chunks: list[Chunk], count: Callable[[str], int], limits: ChunkerSettings, monotone: bool
) -> None:
    """Every documented promise of the chunker.

    `monotone` says the token counter never decreases when a span grows at its end (the fake's
    word count does; a real tokenizer need not), which the merge rules are checked against.
    """
    for c in chunks:
        section = doc.sections[c.section]
        assert c.document_id == doc.id and c.section_path == section.path
        assert doc.text[c.start : c.end] == c.text and c.text and c.text == c.text.strip()
        assert section.start <= c.start < c.end <= section.end
        # the model sees the innermost headings that fit half the window (and half the cap), then the passage
        shown = next(p for p in _suffixes(section.path) if c.embed_text == embed_text(p, c.text))
        budget, char_budget = limits.max_tokens // 2, limits.max_chars // 2
        assert not shown or (count(embed_text(shown, "")) <= budget and len(embed_text(shown, "")) <= char_budget)
        full = embed_text(section.path, "")
        assert shown == section.path or count(full) > budget or len(full) > char_budget
        assert count(c.embed_text) <= limits.max_tokens, (count(c.embed_text), c.embed_text[:200])
        assert len(c.text) <= limits.max_chars
        home = [b for b in doc.blocks if b.start <= c.start < b.end]
        assert len(home) == 1 and home[0].section == c.section and c.page == home[0].page
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert a.end <= b.start and a.section <= b.section
    for section in doc.sections:
        own = [c for c in chunks if c.section == section.ordinal]
        blocks = [b for b in doc.blocks if b.section == section.ordinal]
        if all(b.kind is BlockKind.HEADING for b in blocks):
            assert not own
            continue
        assert own[0].start == section.start  # the heading leads the section's first passage
        covered = set().union(*(range(c.start, c.end) for c in own))
        assert all(i in covered for b in blocks for i in range(b.start, b.end) if not doc.text[i].isspace())
        if monotone:
            _check_merging(doc, own, blocks, count, limits)


def _suffixes(path: tuple[str, ...]) -> list[tuple[str, ...]]:
    return [path[i:] for i in range(len(path) + 1)]


def _check_merging(
    doc: Document, own: list[Chunk], blocks: list[Block], count: Callable[[str], int], limits: ChunkerSettings
) -> None:
    """A small chunk, or a chunk that is only its heading, stands alone only when joining the next overflows
    (the window in tokens or the cap in characters)."""
    heading = blocks[0] if blocks[0].kind is BlockKind.HEADING else None
    path = own[0].embed_text[: len(own[0].embed_text) - len(own[0].text)]

    def overflows(a: Chunk, b: Chunk) -> bool:
        return b.end - a.start > limits.max_chars or count(path + doc.text[a.start : b.end]) > limits.max_tokens

    for a, b in zip(own, own[1:], strict=False):
        if count(a.embed_text) < limits.min_tokens:
            assert overflows(a, b)
    first = own[0]
    if heading is not None and first.end == heading.end and count(path + first.text) <= limits.max_tokens:
        assert len(own) > 1 and overflows(first, own[1])


def _doc(structure: Structure) -> Document:
    return Document("d", "D", "d.txt", structure.text, structure.sections, structure.blocks, "h")


# --- loaders --------------------------------------------------------------------------------------


@st.composite
def suffixed_file(draw: st.DrawFn) -> tuple[str, bytes]:
    suffix = draw(st.sampled_from(SUPPORTED_SUFFIXES))
    return suffix, draw(file_bytes(suffix))


@_examples(200)
@given(suffixed_file())
@example((".html", b"<p>Text</p><![x[ more"))
def test_load_document_returns_a_document_or_says_why_not(case: tuple[str, bytes]) -> None:
    suffix, data = case
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = root / f"random{suffix}"
        path.write_bytes(data)
        try:
            doc = load_document(path, root)
        except UnreadableFileError as exc:
            assert str(exc).strip()
            return
    check_document(doc)


_stems = st.text(st.sampled_from("abAB -_\u00e91"), min_size=1, max_size=6)
_corpus_files = st.lists(
    st.tuples(_stems, st.sampled_from((*SUPPORTED_SUFFIXES, ".pptx", ""))).flatmap(
        lambda name: st.tuples(st.just(name[0] + name[1]), file_bytes(name[1]))
    ),
    max_size=6,
    unique_by=lambda f: f[0],
)


@_examples(50)
@given(_corpus_files)
@example([(" .htm", b"<p>Text</p>")])
def test_load_corpus_never_raises_and_accounts_for_every_file(files: list[tuple[str, bytes]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "sub").mkdir()
        for i, (name, data) in enumerate(files):
            (root / ("sub" if i % 2 else ".") / name).write_bytes(data)
        (root / ".hidden.txt").write_bytes(b"never read")
        loaded = load_corpus(root)
    names = {("sub/" if i % 2 else "") + name for i, (name, _) in enumerate(files)}
    assert {d.source for d in loaded.documents} | {s.path for s in loaded.skipped} == names
    assert len(loaded.documents) + len(loaded.skipped) == len(files)
    assert all(s.reason.strip() for s in loaded.skipped)
    assert len({d.id for d in loaded.documents}) == len(loaded.documents)
    for doc in loaded.documents:
        check_document(doc)


# --- text readers and the structure parser --------------------------------------------------------


@_examples(250)
@given(st.sampled_from(sorted(s for s in READERS if s not in (".pdf", ".docx"))), st.one_of(raw_text, html_text))
@example(".html", "<![x[")
@example(".html", "<p>a</p><![ x<p>b</p>")
@example(".htm", "<p>Intro</p><![CDATA[kept]]><![if !IE]>shown<![endif]><![y[")
def test_text_readers_read_or_refuse(suffix: str, text: str) -> None:
    try:
        read = READERS[suffix](text.encode("utf-8"))
    except UnreadableFileError as exc:
        assert str(exc).strip()
        return
    s = read.structure
    check_structure(s.text, s.blocks, s.sections)
    assert read.title is None or read.title.strip() == read.title != ""


@_examples(300)
@given(raw_text)
def test_parse_keeps_offsets_and_sections_consistent(raw: str) -> None:
    s = parse(raw)
    check_structure(s.text, s.blocks, s.sections)
    assert all(b.page is None for b in s.blocks)


@_examples(120)
@given(st.lists(raw_text, max_size=5))
def test_parse_pages_numbers_blocks_by_page(pages: list[str]) -> None:
    s = parse_pages(pages)
    check_structure(s.text, s.blocks, s.sections)
    check_pages(s.blocks, len(pages))


_items = st.lists(
    st.builds(
        Item,
        st.sampled_from(list(BlockKind)),
        st.one_of(_words, st.lists(_line, max_size=3).map("\n".join), st.text(_chars, max_size=40)),
        st.integers(0, 9),
        st.one_of(st.none(), st.integers(1, 3)),
    ),
    max_size=10,
)


@_examples(200)
@given(_items)
def test_from_items_keeps_offsets_and_sections_consistent(items: list[Item]) -> None:
    s = from_items(items)
    check_structure(s.text, s.blocks, s.sections)
    kept = [item for item in items if any(line.strip(" \t") for line in item.text.split("\n"))]
    assert len(s.blocks) <= len(kept)


# --- the chunker ----------------------------------------------------------------------------------


@st.composite
def structures(draw: st.DrawFn) -> Structure:
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return parse(draw(raw_text))
    if kind == 1:
        return parse_pages(draw(st.lists(raw_text, max_size=4)))
    return from_items(draw(_items))


@st.composite
def chunker_settings(draw: st.DrawFn) -> ChunkerSettings:
    max_tokens = draw(st.integers(4, 48))
    return ChunkerSettings(max_tokens=max_tokens, min_tokens=draw(st.integers(0, max_tokens)))


@_examples(300)
@given(structures(), chunker_settings())
@example(parse("# 0 0\n\n0"), ChunkerSettings(max_tokens=4, min_tokens=0))
@example(parse("# Outer heading\n\n## " + "inner " * 30 + "\n\nBody text."), ChunkerSettings(max_tokens=40))
def test_chunks_slice_the_text_and_fit_the_window(structure: Structure, limits: ChunkerSettings) -> None:
    doc = _doc(structure)
    count = HashingEmbedder().count_tokens
    check_chunks(doc, chunk_document(doc, count, limits), count, limits, monotone=True)


_long_text = st.builds(  # repeating a random document makes one longer than the model window cheaply
    lambda pairs, times: "".join(a + b for a, b in pairs) * times,
    st.lists(st.tuples(_line, _newline), min_size=4, max_size=16),
    st.integers(1, 8),
)


@_examples(40)
@given(text=st.one_of(_long_text, raw_text), max_tokens=st.sampled_from([24, 64, None]))
@example(text="# " + "\u79fb" * 90 + "\n\n\u79fb", max_tokens=24)
@example(text="# " + "A very long heading " * 80 + "\n\nThe body of the section.", max_tokens=None)
def test_chunks_fit_the_real_model_window(
    embedder: SentenceTransformerEmbedder, text: str, max_tokens: int | None
) -> None:
    """The model's own window by default, smaller ones to force more cuts with the real tokenizer."""
    if max_tokens is None:
        limits = ChunkerSettings(max_tokens=embedder.max_tokens)
    else:
        limits = ChunkerSettings(max_tokens=max_tokens, min_tokens=max_tokens // 4)
    doc = _doc(parse(text))
    chunks = chunk_document(doc, embedder.count_tokens, limits)
    check_chunks(doc, chunks, embedder.count_tokens, limits, monotone=False)
    assert all(embedder.count_tokens(c.embed_text) <= embedder.max_tokens for c in chunks)
