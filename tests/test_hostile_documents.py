"""Hostile corpus files (issue 11: H2, M1, M2, M8, L7 and the info items): each is skipped with its
reason, or read, and nothing one file does stops the build or reads outside the corpus."""

from __future__ import annotations

import io
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path, PurePath
from typing import IO

import pytest

from indexer import (
    ParseBudget,
    SentenceTransformerEmbedder,
    UnreadableFileError,
    build_index,
    corpus_files,
    load_corpus,
    load_document,
)
from indexer.ids import document_id
from indexer.readers import read_docx
from indexer.sandbox import ParserProcess

ASKREPORT = [sys.executable, "-m", "server"]
PEAK_RSS_MARGIN_MB = 150
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType='
    '"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)


def zip_bomb(path: Path, megabytes: int, paragraphs: bool = False) -> None:
    """A DOCX whose word/document.xml expands to `megabytes` MB (about 1/300 to 1/1000 on disk): one text
    run of "A", or the same short paragraph over and over (what parses into the largest tree)."""
    para = b"<w:p><w:r><w:t>word word word word.</w:t></w:r></w:p>" * 1000
    block = para * ((1 << 20) // len(para)) if paragraphs else b"A" * (1 << 20)
    text = b"" if paragraphs else b"<w:p><w:r><w:t>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            f.write(f'<?xml version="1.0"?><w:document {W}><w:body>'.encode() + text)
            for _ in range(megabytes):
                f.write(block)
            f.write((b"" if paragraphs else b"</w:t></w:r></w:p>") + b"</w:body></w:document>")


def pdf(objects: dict[int, bytes]) -> bytes:
    """A PDF with a correct cross-reference table holding `objects` (number -> body)."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for n in sorted(objects):
        offsets[n] = out.tell()
        out.write(f"{n} 0 obj\n".encode() + objects[n] + b"\nendobj\n")
    xref, size = out.tell(), max(objects) + 1
    out.write(f"xref\n0 {size}\n0000000000 65535 f \n".encode())
    for n in range(1, size):
        out.write(f"{offsets[n]:010d} 00000 n \n".encode() if n in offsets else b"0000000000 65535 f \n")
    out.write(f"trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def self_referencing_pdf() -> bytes:
    """The audit's 450-byte PDF whose page resources and contents refer to themselves."""
    return pdf(
        {
            1: b"<< /Type /Catalog /Pages 2 0 R >>",
            2: b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
            3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources 4 0 R /Contents 5 0 R >>",
            4: b"4 0 R",
            5: b"5 0 R",
        }
    )


def many_pages_pdf(pages: int) -> bytes:
    """A valid PDF of `pages` pages that share one content stream: slow to read, small on disk."""
    text = b"BT /F1 12 Tf 72 720 Td (Page text about migration and remittances.) Tj ET"
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        4: f"<< /Length {len(text)} >>\nstream\n".encode() + text + b"\nendstream",
    }
    kids = " ".join(f"{5 + i} 0 R" for i in range(pages))
    objects[2] = f"<< /Type /Pages /Count {pages} /Kids [{kids}] >>".encode()
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
    page += b"/Contents 4 0 R >>"
    objects.update({5 + i: page for i in range(pages)})
    return pdf(objects)


# --- H2: zip bombs and per-file budgets -----------------------------------------------------------


def test_a_docx_zip_bomb_is_refused_from_its_archive_directory(tmp_path: Path) -> None:
    zip_bomb(tmp_path / "bomb.docx", 64)
    with pytest.raises(UnreadableFileError, match=r"word/document\.xml expands [\d,]+ times.*zip bomb"):
        read_docx((tmp_path / "bomb.docx").read_bytes())


@pytest.mark.slow
def test_askreport_index_skips_a_zip_bomb_with_bounded_memory(tmp_path: Path) -> None:
    """A real build: the 256 MB bomb is refused before python-docx opens it, so the peak RSS of the
    process tree is what the same build without it needs (unguarded: +470 MB, and lxml refused the text
    node only because it is one; 128 MB of paragraphs still grew past 2 GB after 90 s)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.md").write_text("# Notes\n\nSeasonal workers from Tajikistan travel to Russia.")
    (corpus / "bad\nname\x1b[31m.txt").write_bytes(b"\xff\xfe\xfa not UTF-8 at all")
    command = [*ASKREPORT, "index", "--corpus", str(corpus), "--index", str(tmp_path / "index"), "--full"]
    _, _, baseline_mb = _run_measured(command)
    zip_bomb(corpus / "zipbomb.docx", 256)
    out, err, peak_mb = _run_measured(command)
    assert "indexed 1 documents" in out, err
    assert "warning: skipped zipbomb.docx: the DOCX's part word/document.xml expands" in err
    assert "warning: skipped bad\\nname\\u001b[31m.txt: " in err  # escaped: one line, no terminal codes
    assert len([line for line in err.splitlines() if line.startswith("warning:")]) == 2
    assert peak_mb < baseline_mb + PEAK_RSS_MARGIN_MB, f"{peak_mb:.0f} MB, {baseline_mb:.0f} MB without"


def _run_measured(command: list[str]) -> tuple[str, str, float]:
    """Run `command` to the end: its stdout, its stderr, and the peak RSS (MB) of its largest process."""
    with open(os.devnull, "rb") as stdin, _scratch() as out, _scratch() as err:
        proc = subprocess.Popen(command, stdin=stdin, stdout=out, stderr=err)
        timer = threading.Timer(600, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)  # the rusage of this child and its reaped children
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        assert proc.returncode == 0, err.read()
        return out.read(), err.read(), usage.ru_maxrss / 1024


def _scratch() -> IO[str]:
    return tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")


def test_a_file_over_the_time_budget_is_skipped_and_the_others_are_indexed(tmp_path: Path) -> None:
    (tmp_path / "many-pages.pdf").write_bytes(many_pages_pdf(10_000))  # several seconds to read
    (tmp_path / "ok.txt").write_text("Remittances grew in 2017.")
    loaded = load_corpus(tmp_path, budget=ParseBudget(timeout_s=1.0))
    assert [d.id for d in loaded.documents] == ["ok"]
    [skipped] = loaded.skipped
    assert skipped.path == "many-pages.pdf"
    assert skipped.reason.startswith("reading it took more than 1 s (ASKREPORT_PARSE_TIMEOUT_S)")


def test_a_file_over_the_memory_budget_is_skipped_and_the_others_are_indexed(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("Migration policy and remittances. " * 600_000)  # 20 MB, parsed into much more
    (tmp_path / "ok.txt").write_text("Remittances grew in 2017.")
    loaded = load_corpus(tmp_path, budget=ParseBudget(memory_mb=64))
    assert [d.id for d in loaded.documents] == ["ok"]
    [skipped] = loaded.skipped
    assert skipped.path == "big.txt"
    assert "needed more than 64 MB of memory (ASKREPORT_PARSE_MEMORY_MB)" in skipped.reason


def test_a_reader_that_dies_mid_file_is_replaced_for_the_next_file() -> None:
    with ParserProcess(ParseBudget(timeout_s=60)) as parser:
        assert parser.read(".txt", b"Before.").structure.text == "Before."
        pid = parser.pid
        assert pid is not None
        threading.Timer(0.5, os.kill, (pid, signal.SIGKILL)).start()
        with pytest.raises(UnreadableFileError, match="the reader was killed while reading it"):
            parser.read(".pdf", many_pages_pdf(10_000))
        assert parser.read(".md", b"# After\n\nThe next file.").title == "After"
        assert parser.pid != pid and parser.starts == 2


# --- M1: any failure of a reader skips that file ----------------------------------------------------


def test_a_self_referencing_pdf_is_skipped_and_the_build_goes_on(tmp_path: Path) -> None:
    (tmp_path / "loop-self.pdf").write_bytes(self_referencing_pdf())
    (tmp_path / "ok.txt").write_text("Remittances grew in 2017.")
    loaded = load_corpus(tmp_path)
    assert [d.id for d in loaded.documents] == ["ok"]
    assert [s.path for s in loaded.skipped] == ["loop-self.pdf"]


def test_an_unexpected_reader_exception_is_named_in_the_reason(tmp_path: Path) -> None:
    """With logging configured (as in the server), pypdf's warning about the looping object recurses
    while it is formatted: the RecursionError becomes the file's reason instead of ending the build."""
    (tmp_path / "loop-self.pdf").write_bytes(self_referencing_pdf())
    handler = logging.StreamHandler(io.StringIO())
    logging.getLogger().addHandler(handler)
    try:
        with pytest.raises(UnreadableFileError, match=r"reading it failed \(RecursionError: maximum recursion"):
            load_document(tmp_path / "loop-self.pdf", tmp_path)
    finally:
        logging.getLogger().removeHandler(handler)


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


# --- L7: document ids -----------------------------------------------------------------------------


def test_ids_of_existing_files_survive_added_colliding_names(tmp_path: Path) -> None:
    (tmp_path / "a-b.txt").write_text("The first document.")
    (tmp_path / "mieux-asia-labour-migration-and-thb.txt").write_text("The report.")
    (tmp_path / "Report 2019.md").write_text("# Report\n\nA report from 2019.")
    before = {d.source: d.id for d in load_corpus(tmp_path).documents}
    assert before["a-b.txt"] == "a-b"
    assert before["mieux-asia-labour-migration-and-thb.txt"] == "mieux-asia-labour-migration-and-thb"
    for name in ("A b.md", "a_b.txt", "A B.txt", "a b.html", "report-2019.md", "Report_2019.txt"):
        (tmp_path / name).write_text(f"Collides with an existing id: {name}.")
    after = {d.source: d.id for d in load_corpus(tmp_path).documents}
    assert {source: after[source] for source in before} == before
    assert len(set(after.values())) == len(after) == 9
    assert all(value == document_id(PurePath(source)) for source, value in after.items())


def test_non_latin_names_get_distinct_readable_ids(tmp_path: Path) -> None:
    names = ["отчёт.txt", "доклад 2024.txt", "文件.md", "报告.md", "تقرير.txt"]
    for name in names:
        (tmp_path / name).write_text(f"A document named {name}.")
    ids = {d.source: d.id for d in load_corpus(tmp_path).documents}
    assert len(set(ids.values())) == len(names)
    assert ids["отчёт.txt"] == "отчёт" and ids["文件.md"] == "文件" and ids["تقرير.txt"] == "تقرير"
    assert ids["доклад 2024.txt"].startswith("доклад-2024_")


# --- info items: UTF-16, FIFOs, devices and sockets -----------------------------------------------


def test_utf16_with_a_byte_order_mark_is_read_and_without_one_is_named(tmp_path: Path) -> None:
    (tmp_path / "le.txt").write_bytes("\ufeffUTF-16 text about migration.".encode("utf-16-le"))
    (tmp_path / "be.md").write_bytes(b"\xfe\xff" + "# Title\n\nUTF-16 BE text.".encode("utf-16-be"))
    (tmp_path / "nobom.txt").write_bytes("No mark, but UTF-16 all the same.".encode("utf-16-le"))
    loaded = load_corpus(tmp_path)
    docs = {d.id: d for d in loaded.documents}
    assert docs["le"].text == "UTF-16 text about migration."
    assert docs["be"].title == "Title" and "UTF-16 BE text." in docs["be"].text
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
    assert [d.id for d in loaded.documents] == ["ok"]
    reasons = {s.path: s.reason for s in loaded.skipped}
    assert reasons["pipe.txt"].startswith("a named pipe (FIFO), not a document")
    assert reasons["sock.md"].startswith("a socket, not a document")


# --- M8: `askreport watch` survives any failed build ----------------------------------------------


@pytest.mark.slow
def test_watch_survives_a_failed_build_and_builds_again(tmp_path: Path) -> None:
    from tests.test_cli import _read_until

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "one.md").write_text("# One\n\nSeasonal workers from Tajikistan travel to Russia.")
    proc = subprocess.Popen(
        [*ASKREPORT, "watch", "--corpus", str(corpus), "--index", str(index), "--debounce", "200"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        _read_until(proc, "watching", 120)
        generations = index / "generations"
        generations.rename(tmp_path / "moved")
        generations.write_text("not a directory")  # the next build cannot create its staging directory
        (corpus / "two.md").write_text("# Two\n\nThe shelter in Chiang Mai assists victims.")
        failed = _read_until(proc, "error:", 120)
        assert any("watching for the next change" in line for line in failed), failed
        generations.unlink()
        (corpus / "three.md").write_text("# Three\n\nA hotline for migrants opened in Bishkek.")
        lines = _read_until(proc, "is now current", 120)
        assert any("indexed 3 documents" in line for line in lines), lines
        assert proc.poll() is None
    finally:
        proc.terminate()
        proc.wait(timeout=30)


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
