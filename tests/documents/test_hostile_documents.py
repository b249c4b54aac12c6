"""Hostile corpus files at the loader (issue 11: M1, M2, M8 and the info items): each is skipped with
its reason, or read, and nothing one file does stops the build or reads outside the corpus. Budgets,
archives and ids have their own modules' tests (test_sandbox, test_archives, test_ids)."""

from __future__ import annotations

import io
import logging
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from indexer import (
    SentenceTransformerEmbedder,
    UnreadableFileError,
    build_index,
    corpus_files,
    load_corpus,
    load_document,
)
from indexer.documents.readers import failure_reason
from tests.support.hostile_files import self_referencing_pdf, zip_bomb
from tests.support.processes import read_until, watching

# --- M1: any failure of a reader skips that file ----------------------------------------------------


def test_a_self_referencing_pdf_is_skipped_and_the_build_goes_on(tmp_path: Path) -> None:
    (tmp_path / "loop-self.pdf").write_bytes(self_referencing_pdf())
    (tmp_path / "ok.txt").write_text("Remittances grew in 2017.")
    loaded = load_corpus(tmp_path)
    assert [d.id for d in loaded.documents] == ["ok.txt"]
    assert [s.path for s in loaded.skipped] == ["loop-self.pdf"]


def test_a_looping_pdf_is_refused_with_a_reason_while_logging_is_configured(tmp_path: Path) -> None:
    """With logging configured (as in the server), a reader's warning about the looping object must not
    recurse out of the reader: the file gets a reason instead of ending the build."""
    (tmp_path / "loop-self.pdf").write_bytes(self_referencing_pdf())
    handler = logging.StreamHandler(io.StringIO())
    logging.getLogger().addHandler(handler)
    try:
        with pytest.raises(UnreadableFileError, match=r"no text layer|not a readable PDF|reading it failed"):
            load_document(tmp_path / "loop-self.pdf", tmp_path)
    finally:
        logging.getLogger().removeHandler(handler)


def test_an_unexpected_reader_exception_is_named_in_the_reason() -> None:
    reason = failure_reason(RecursionError("maximum recursion depth exceeded"))
    assert reason.startswith("reading it failed (RecursionError: maximum recursion depth exceeded)")
    assert "re-save it" in reason


# --- M2: links swapped between listing and loading ------------------------------------------------


def _swap_link(link: Path, target: Path) -> None:
    tmp = link.with_name(link.name + ".swap")
    tmp.symlink_to(target)
    os.replace(tmp, link)


@pytest.fixture
def linked_corpus(tmp_path: Path) -> tuple[Path, Path]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "real.txt").write_text("An ordinary document about labour migration.")
    (corpus / "link.txt").symlink_to(corpus / "real.txt")
    return corpus, corpus / "link.txt"


def test_a_link_swapped_to_an_outside_file_after_listing_is_refused(
    tmp_path: Path, linked_corpus: tuple[Path, Path]
) -> None:
    corpus, link = linked_corpus
    secret = tmp_path / "secret.env"
    secret.write_text("ASKREPORT_ADMIN_KEY=topsecretvalue123")
    listed = corpus_files(corpus)
    assert link in listed
    _swap_link(link, secret)
    with pytest.raises(UnreadableFileError, match="outside the corpus"):
        load_document(link, corpus)
    texts = []
    for path in listed:
        try:
            texts.append(load_document(path, corpus).text)
        except UnreadableFileError:
            pass
    assert texts and not any("topsecretvalue123" in t for t in texts)


def test_a_link_swapped_to_a_device_or_a_fifo_is_refused_without_reading(
    tmp_path: Path, linked_corpus: tuple[Path, Path]
) -> None:
    corpus, link = linked_corpus
    fifo = tmp_path / "outside.fifo"
    os.mkfifo(fifo)
    assert link in corpus_files(corpus)
    _swap_link(link, Path("/dev/zero"))  # has size 0 and never ends
    with pytest.raises(UnreadableFileError, match="a device"):
        load_document(link, corpus)
    _swap_link(link, fifo)  # opening it for reading would block until a writer comes
    with pytest.raises(UnreadableFileError, match="named pipe"):
        load_document(link, corpus)


def test_a_link_to_a_hidden_file_inside_the_corpus_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("ASKREPORT_ADMIN_KEY=topsecretvalue123")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config.txt").write_text("url = https://topsecretvalue123@example.org/repo")
    (tmp_path / "notes.txt").symlink_to(".env")
    (tmp_path / "config.txt").symlink_to(tmp_path / ".git" / "config.txt")
    (tmp_path / "ok.txt").write_text("Remittances grew in 2017.")
    loaded = load_corpus(tmp_path)
    assert [d.source for d in loaded.documents] == ["ok.txt"]
    reasons = {s.path: s.reason for s in loaded.skipped}
    assert reasons["notes.txt"].startswith("it leads to a hidden file or folder (.env) inside the corpus")
    assert reasons["config.txt"].startswith("it leads to a hidden file or folder (.git) inside the corpus")
    assert len(reasons) == 2


# --- M8: a corpus changing while it is scanned ----------------------------------------------------


def test_the_scan_passes_over_directories_removed_while_it_runs(tmp_path: Path) -> None:
    for i in range(40):
        (tmp_path / f"d{i}" / "inner").mkdir(parents=True)
        (tmp_path / f"d{i}" / "inner" / "x.txt").write_text("x")
    stop = threading.Event()

    def churn() -> None:
        while not stop.is_set():
            for i in range(40):
                inner = tmp_path / f"d{i}" / "inner"
                for path in (inner / "x.txt", inner):
                    try:
                        path.unlink() if path.suffix else path.rmdir()
                    except OSError:
                        pass
                inner.mkdir(exist_ok=True)
                (inner / "x.txt").write_text("x")

    thread = threading.Thread(target=churn, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 3
        scans = 0
        while time.monotonic() < deadline:
            corpus_files(tmp_path)  # must never raise FileNotFoundError
            scans += 1
    finally:
        stop.set()
        thread.join()
    assert scans > 0


# --- info items: UTF-16, FIFOs, devices and sockets -----------------------------------------------


def test_utf16_with_a_byte_order_mark_is_read_and_without_one_is_named(tmp_path: Path) -> None:
    (tmp_path / "le.txt").write_bytes("\ufeffUTF-16 text about migration.".encode("utf-16-le"))
    (tmp_path / "be.md").write_bytes(b"\xfe\xff" + "# Seasonal work\n\nUTF-16 BE text.".encode("utf-16-be"))
    (tmp_path / "nobom.txt").write_bytes("No mark, but UTF-16 all the same.".encode("utf-16-le"))
    loaded = load_corpus(tmp_path)
    docs = {d.id: d for d in loaded.documents}
    assert docs["le.txt"].text == "UTF-16 text about migration."
    assert docs["be.md"].title == "Seasonal work" and "UTF-16 BE text." in docs["be.md"].text
    assert [(s.path, s.reason) for s in loaded.skipped] == [
        ("nobom.txt", "looks like UTF-16 without a byte-order mark: save it as UTF-8")
    ]


def test_fifos_and_sockets_are_listed_as_skipped_without_being_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")  # opening it for reading would block the build
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "sock.md"))
    (tmp_path / "ok.txt").write_text("Remittances grew in 2017.")
    try:
        loaded = load_corpus(tmp_path)
    finally:
        server.close()
    assert [d.id for d in loaded.documents] == ["ok.txt"]
    reasons = {s.path: s.reason for s in loaded.skipped}
    assert reasons["pipe.txt"].startswith("a named pipe (FIFO), not a document")
    assert reasons["sock.md"].startswith("a socket, not a document")


# --- M8: `askreport watch` survives any failed build ----------------------------------------------


@pytest.mark.slow
def test_watch_survives_a_failed_build_and_builds_again(tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "one.md").write_text("# One\n\nSeasonal workers from Tajikistan travel to Russia.")
    with watching(corpus, index) as proc:
        read_until(proc, "watching", 120)
        generations = index / "generations"
        generations.rename(tmp_path / "moved")
        generations.write_text("not a directory")  # the next build cannot create its staging directory
        (corpus / "two.md").write_text("# Two\n\nThe shelter in Chiang Mai assists victims.")
        failed = read_until(proc, "error:", 120)
        assert any("watching for the next change" in line for line in failed), failed
        generations.unlink()
        (corpus / "three.md").write_text("# Three\n\nA hotline for migrants opened in Bishkek.")
        lines = read_until(proc, "is now current", 120)
        assert any("indexed 3 documents" in line for line in lines), lines
        assert proc.poll() is None


def test_a_build_indexes_the_rest_of_a_hostile_corpus(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "loop-self.pdf").write_bytes(self_referencing_pdf())
    zip_bomb(corpus / "zipbomb.docx", 8)
    os.mkfifo(corpus / "pipe.md")
    (corpus / "ok.md").write_text("# Remittances\n\nRemittances grew in 2017.")
    summary = build_index(corpus, tmp_path / "index", embedder)
    assert summary.documents == 1
    assert {s.path for s in summary.skipped} == {"loop-self.pdf", "zipbomb.docx", "pipe.md"}
