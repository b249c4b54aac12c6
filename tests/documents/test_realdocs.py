"""The 17 real reports of `../shared/realdocs`, read through the corpus loader (in its sandboxed reader):
their printed titles and page labels (`structure.json`), and the structure targets of issue 13."""

from __future__ import annotations

from typing import Any

import pytest

from bench.realdocs.reading import MAX_DEPTH, NUMBER_ONLY, fold
from indexer import CorpusLoad, load_corpus
from tests.support.data import REALDOCS, realdocs_structure

TITLES_RIGHT = 14  # of 17, as measured by bench.realdocs (docs/quality.md); the misses are listed on failure
PDF_TITLES_RIGHT = 10  # of the 13 PDFs

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def realdocs() -> tuple[CorpusLoad, dict[str, Any]]:
    given = realdocs_structure()
    return load_corpus(REALDOCS / "docs"), given


def test_every_real_report_is_read(realdocs: tuple[CorpusLoad, dict[str, Any]]) -> None:
    loaded, given = realdocs
    assert loaded.skipped == ()
    assert sorted(d.source for d in loaded.documents) == sorted(given)


def test_the_printed_titles(realdocs: tuple[CorpusLoad, dict[str, Any]]) -> None:
    loaded, given = realdocs
    ours = {d.source: d.title for d in loaded.documents}
    wrong = {
        name: (ours[name], info["title"]) for name, info in given.items() if fold(ours[name]) != fold(info["title"])
    }
    assert len(given) - len(wrong) >= TITLES_RIGHT, wrong
    assert sum(name.endswith(".pdf") for name in given) - sum(n.endswith(".pdf") for n in wrong) >= PDF_TITLES_RIGHT


def test_the_printed_page_labels(realdocs: tuple[CorpusLoad, dict[str, Any]]) -> None:
    loaded, given = realdocs
    by_source = {d.source: d for d in loaded.documents}
    wrong = []
    for name, info in given.items():
        labels = {p.number: p.label for p in by_source[name].pages}
        for page, label in info.get("page_labels") or []:
            if labels.get(page) != (label if label is not None else str(page)):
                wrong.append((name, page, label, labels.get(page)))
    assert len(wrong) <= 1, wrong


def test_section_paths_are_shallow_and_never_a_number(realdocs: tuple[CorpusLoad, dict[str, Any]]) -> None:
    loaded, _ = realdocs
    for doc in loaded.documents:
        for section in doc.sections:
            assert len(section.path) <= MAX_DEPTH, (doc.source, section.path)
            assert not any(NUMBER_ONLY.match(h) for h in section.path), (doc.source, section.path)
