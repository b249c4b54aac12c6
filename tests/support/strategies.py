"""Hypothesis strategies for the document property tests: random text, HTML, damaged files, block items.

Runs are deterministic (`derandomize`) and keep no example database, so CI sees the same examples
every time and the working tree stays clean; found bugs stay as explicit `@example`s in the tests.
"""

from __future__ import annotations

import functools
import io
import re
import string
import zipfile

import docx
from fpdf import FPDF
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from indexer import BlockKind
from indexer.documents.structure import Item

settings.register_profile(
    "askreport-properties",
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
_PROFILE = settings.get_profile("askreport-properties")


def max_examples(n: int) -> settings:
    """The shared profile with at most `n` examples a test."""
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
text_line = st.one_of(
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
line_break = st.sampled_from(["\n", "\n", "\n\n", "\n\n", "\r\n", "\r", "\r\n\r\n", "\n\f", "\f", "\n \n", "\n\t\n"])
_lines = st.lists(st.tuples(text_line, line_break), max_size=12).map(lambda pairs: "".join(a + b for a, b in pairs))
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
html_text = st.lists(
    st.tuples(st.sampled_from(_HTML_BITS), st.one_of(st.just(""), _words, line_break)), max_size=30
).map(lambda pairs: "".join(a + b for a, b in pairs))


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


item_lists = st.lists(
    st.builds(
        Item,
        st.sampled_from(list(BlockKind)),
        st.one_of(_words, st.lists(text_line, max_size=3).map("\n".join), st.text(_chars, max_size=40)),
        st.integers(0, 9),
        st.one_of(st.none(), st.integers(1, 3)),
    ),
    max_size=10,
)
