"""Property tests of the text readers: random text and HTML are read into a consistent structure or refused."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from indexer import UnreadableFileError
from indexer.documents.readers import READERS
from tests.support.invariants import check_structure
from tests.support.strategies import html_text, max_examples, raw_text


@max_examples(250)
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
    assert all(t.strip() == t != "" for t in read.titles)
