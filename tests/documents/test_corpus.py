import re
from pathlib import Path

import pytest

from indexer import CorpusNotFoundError, UnreadableFileError, corpus_files, load_corpus
from indexer.documents.corpus import document_id
from indexer.documents.decoding import decode_text


def _write_corpus(root: Path) -> None:
    (root / "good.txt").write_text("A heading\n\nSome text about migration.\n", encoding="utf-8")
    (root / "notes.md").write_text("# Notes\n\nMarkdown **text**.\n", encoding="utf-8")
    (root / "latin1.txt").write_bytes("Caf\xe9 au lait\n".encode("latin-1"))
    (root / "empty.txt").write_bytes(b"  \n\n")
    (root / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (root / "slides.pptx").write_bytes(b"PK\x03\x04")
    (root / ".hidden.txt").write_text("never indexed", encoding="utf-8")


def test_unreadable_files_are_skipped_with_reasons(tmp_path: Path) -> None:
    _write_corpus(tmp_path)
    loaded = load_corpus(tmp_path)
    assert sorted(d.id for d in loaded.documents) == ["good.txt", "notes.md"]
    reasons = {s.path: s.reason for s in loaded.skipped}
    assert set(reasons) == {"latin1.txt", "empty.txt", "binary.txt", "slides.pptx"}
    assert "not valid UTF-8" in reasons["latin1.txt"] and "save it as UTF-8" in reasons["latin1.txt"]
    assert "empty" in reasons["empty.txt"]
    assert "not a text file" in reasons["binary.txt"]
    assert "unsupported file type '.pptx'" in reasons["slides.pptx"]


def test_markdown_title_and_file_name_title(tmp_path: Path) -> None:
    _write_corpus(tmp_path)
    docs = {d.id: d for d in load_corpus(tmp_path).documents}
    assert docs["notes.md"].title == "Notes"
    assert docs["good.txt"].title == "Good"
    assert docs["notes.md"].text == "Notes\n\nMarkdown text."


def test_missing_corpus_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(CorpusNotFoundError, match="ASKREPORT_CORPUS_DIR"):
        load_corpus(tmp_path / "nowhere")


def test_ids_are_unique_and_url_safe(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "Report A.txt").write_text("one", encoding="utf-8")
    (tmp_path / "report-a.md").write_text("two", encoding="utf-8")
    (tmp_path / "sub" / "x.txt").write_text("three", encoding="utf-8")
    ids = {d.source: d.id for d in load_corpus(tmp_path).documents}
    assert ids["report-a.md"] == "report-a.md" and ids["sub/x.txt"] == "sub--x.txt"
    assert ids["Report A.txt"] == document_id(Path("Report A.txt")) and ids["Report A.txt"].startswith("report-a_")
    assert re.fullmatch(r"etc-passwd_[0-9a-f]{8}", document_id(Path("../../etc/passwd")))


def test_decode_text_accepts_utf8_with_bom() -> None:
    assert decode_text("\ufeffHello".encode()) == "Hello"
    with pytest.raises(UnreadableFileError):
        decode_text(b"\x01\x02\x03\x04 abc")


def test_bom_only_file_is_skipped_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf")
    (tmp_path / "ok.txt").write_text("Fine.")
    loaded = load_corpus(tmp_path)
    assert [d.id for d in loaded.documents] == ["ok.txt"]
    assert "empty" in loaded.skipped[0].reason


def test_symlink_out_of_the_corpus_is_ignored(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    (corpus / "link.txt").symlink_to(secret)
    (corpus / "ok.txt").write_text("Fine.")
    assert [d.id for d in load_corpus(corpus).documents] == ["ok.txt"]


def test_file_over_the_size_limit_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("word " * 1000)
    (tmp_path / "ok.txt").write_text("Fine.")
    loaded = load_corpus(tmp_path, max_bytes=1000)
    assert [d.id for d in loaded.documents] == ["ok.txt"]
    assert "over the 0.000953674 MB limit" in loaded.skipped[0].reason or "limit" in loaded.skipped[0].reason
    assert "ASKREPORT_MAX_FILE_MB" in loaded.skipped[0].reason


def test_sidecars_are_not_documents_and_an_orphan_is_listed_with_what_it_would_describe(tmp_path: Path) -> None:
    (tmp_path / "report.txt").write_text("Report text.", encoding="utf-8")
    (tmp_path / "report.txt.meta.json").write_text('{"title": "The report"}', encoding="utf-8")
    (tmp_path / "gone.pdf.meta.json").write_text('{"title": "Nothing here"}', encoding="utf-8")
    assert corpus_files(tmp_path) == [tmp_path / "report.txt"]
    loaded = load_corpus(tmp_path)
    assert [(d.id, d.title) for d in loaded.documents] == [("report.txt", "The report")]
    [orphan] = loaded.skipped
    assert orphan.path == "gone.pdf.meta.json" and "sidecar for 'gone.pdf'" in orphan.reason
    assert "remove it" in orphan.reason


def test_title_precedence_sidecar_then_file_then_name(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# Heading of a\n\nText.", encoding="utf-8")
    (tmp_path / "a.meta.json").write_text('{"title": "Set title of a"}', encoding="utf-8")
    (tmp_path / "b.md").write_text("# Heading of b\n\nText.", encoding="utf-8")
    (tmp_path / "c-report.md").write_text("# Untitled\n\nText.", encoding="utf-8")
    titles = {d.id: d.title for d in load_corpus(tmp_path).documents}
    assert titles == {"a.md": "Set title of a", "b.md": "Heading of b", "c-report.md": "C report"}
