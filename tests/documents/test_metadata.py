"""Team-set metadata: `NAME.meta.json` sidecars and Markdown front matter; a set title always wins."""

import json
import logging
from pathlib import Path

import pytest

from indexer import build_index, load_corpus, load_document, open_current
from indexer.documents.metadata import (
    MAX_METADATA_BYTES,
    is_sidecar,
    orphan_sidecars,
    parse_sidecar,
    sidecar_paths,
    split_front_matter,
)
from tests.support.data import CORPUS, REPORT
from tests.support.fakes import HashingEmbedder

BUNDLED_TITLE = "MIEUX Asia Regional Factsheet: Labour Migration and Trafficking in Human Beings"


def test_a_sidecar_sets_the_title_and_keeps_other_fields() -> None:
    data = json.dumps({"title": "  Labour  migration ", "year": 2019, "tags": ["asia", "thb"], "draft": False})
    metadata = parse_sidecar(data.encode())
    assert metadata.title == "Labour migration" and metadata.problem is None
    assert metadata.fields == {"year": 2019, "tags": ("asia", "thb"), "draft": False}


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"{not json", "not valid JSON"),
        (b'["a list"]', "not a JSON object"),
        (b'{"title": ""}', '"title" is not a non-empty string'),
        (b'{"title": 3}', '"title" is not a non-empty string'),
        (b"\xff\xfe", "not valid JSON"),
        (b'{"title": "' + b"x" * MAX_METADATA_BYTES + b'"}', "over 64 KB"),
    ],
)
def test_an_unusable_sidecar_says_what_to_fix(data: bytes, problem: str) -> None:
    metadata = parse_sidecar(data)
    assert metadata.title is None
    assert metadata.problem is not None and problem in metadata.problem


def test_nested_fields_are_dropped_with_a_reason_and_the_title_kept() -> None:
    metadata = parse_sidecar(b'{"title": "Kept", "owner": {"name": "x"}, "ok": "yes"}')
    assert metadata.title == "Kept" and metadata.fields == {"ok": "yes"}
    assert metadata.problem is not None and "owner" in metadata.problem


def test_front_matter_is_split_from_the_text() -> None:
    metadata, body = split_front_matter("---\ntitle: Border review\ndate: 2019-09-18\n---\n# Heading\n\nText.\n")
    assert metadata is not None and metadata.title == "Border review"
    assert metadata.fields == {"date": "2019-09-18"}
    assert body == "# Heading\n\nText.\n"


@pytest.mark.parametrize(
    "text",
    [
        "# No front matter\n",
        "---\nnot closed\n",
        "---\n- a list, not a mapping\n---\nText\n",
        "---\n[unbalanced\n---\nText\n",
        "---\ntitle: " + "x" * (MAX_METADATA_BYTES + 10) + "\n---\nText\n",
        "Text first\n---\ntitle: x\n---\n",
    ],
)
def test_what_is_not_front_matter_stays_text(text: str) -> None:
    assert split_front_matter(text) == (None, text)


def test_sidecar_names() -> None:
    assert sidecar_paths(Path("c/report.pdf")) == (Path("c/report.pdf.meta.json"), Path("c/report.meta.json"))
    assert is_sidecar(Path("report.pdf.meta.json")) and is_sidecar(Path("REPORT.META.JSON"))
    assert not is_sidecar(Path(".meta.json")) and not is_sidecar(Path("report.json"))
    files = [Path("a.pdf"), Path("a.meta.json"), Path("b.txt.meta.json"), Path("c.meta.json")]
    assert orphan_sidecars(files) == [Path("b.txt.meta.json"), Path("c.meta.json")]


def test_the_sidecar_title_wins_over_the_file_and_the_first_sidecar_over_the_second(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("# Heading in the file\n\nText.")
    (tmp_path / "notes.md.meta.json").write_text('{"title": "Set by the team"}')
    (tmp_path / "notes.meta.json").write_text('{"title": "Second place"}')
    (tmp_path / "other.txt").write_text("Other text.")
    (tmp_path / "other.meta.json").write_text('{"title": "x"}')  # a set title wins even when it looks like junk
    docs = {d.id: d for d in load_corpus(tmp_path).documents}
    assert docs["notes.md"].title == "Set by the team" and docs["other.txt"].title == "x"


def test_front_matter_sets_the_title_and_is_not_text(tmp_path: Path) -> None:
    (tmp_path / "note.md").write_text("---\ntitle: Shelter network\nowner: team\n---\n# Funding\n\nDonors pay.\n")
    document = load_document(tmp_path / "note.md", tmp_path)
    assert document.title == "Shelter network"
    assert document.text == "Funding\n\nDonors pay." and "owner" not in document.text


def test_a_broken_sidecar_keeps_the_document_and_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "notes.md").write_text("# Heading in the file\n\nText.")
    (tmp_path / "notes.md.meta.json").write_text('{"title": ')
    with caplog.at_level(logging.WARNING, logger="indexer.documents.corpus"):
        loaded = load_corpus(tmp_path)
    assert [d.title for d in loaded.documents] == ["Heading in the file"] and loaded.skipped == ()
    assert "notes.md.meta.json" in caplog.text and "not valid JSON" in caplog.text


def test_a_sidecar_linking_out_of_the_corpus_is_not_read(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (tmp_path / "secret.json").write_text('{"title": "Secret title"}')
    (corpus / "notes.txt").write_text("Some text.")
    (corpus / "notes.txt.meta.json").symlink_to(tmp_path / "secret.json")
    with caplog.at_level(logging.WARNING, logger="indexer.documents.corpus"):
        document = load_document(corpus / "notes.txt", corpus)
    assert document.title == "Notes" and "outside the corpus" in caplog.text


def test_editing_only_a_sidecar_changes_the_title_in_the_next_build(tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "notes.md").write_text("# Seasonal work\n\nWorkers from Tajikistan travel to Russia.")
    sidecar = corpus / "notes.md.meta.json"
    sidecar.write_text('{"title": "First title"}')
    embedder = HashingEmbedder()
    first = build_index(corpus, index, embedder)
    hash_before = open_current(index).store.document("notes.md").content_hash
    sidecar.write_text('{"title": "Second title"}')
    embedded = len(embedder.embedded)
    second = build_index(corpus, index, embedder)
    assert len(embedder.embedded) == embedded  # the text did not change: its chunks and vectors are reused
    assert second.generation != first.generation
    stored = open_current(index).store.document("notes.md")
    assert stored.title == "Second title"
    assert stored.content_hash == hash_before  # the hash of the document's own bytes, not of its metadata


def test_the_bundled_report_has_its_printed_title() -> None:
    assert load_document(REPORT, CORPUS).title == BUNDLED_TITLE
