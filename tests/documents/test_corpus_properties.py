"""Property tests of the loaders: random files never crash them, and every document they return is consistent."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from indexer import UnreadableFileError, load_corpus, load_document
from indexer.documents.corpus import SUPPORTED_SUFFIXES
from tests.support.invariants import check_document
from tests.support.strategies import file_bytes, max_examples


@st.composite
def suffixed_file(draw: st.DrawFn) -> tuple[str, bytes]:
    suffix = draw(st.sampled_from(SUPPORTED_SUFFIXES))
    return suffix, draw(file_bytes(suffix))


@max_examples(200)
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


@max_examples(50)
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
