"""Files parsed in a child process under a time and memory budget (issue 11: H2)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import docx
import pytest

from indexer import ParseBudget, UnreadableFileError, load_corpus
from indexer.documents.sandbox import ParserProcess
from tests.support.hostile_files import many_pages_pdf, many_text_pages_pdf

SLOW_PDF_PAGES = 1_500  # about 3.5 s of CPU to read (2,000 pages: 4.7 s on these cores)
BUSY_CPU_S = 0.3  # far more than receiving the file takes: a child this busy is parsing it


def test_a_file_over_the_time_budget_is_skipped_and_the_others_are_indexed(tmp_path: Path) -> None:
    (tmp_path / "many-pages.pdf").write_bytes(many_text_pages_pdf(SLOW_PDF_PAGES))
    (tmp_path / "ok.txt").write_text("Remittances grew in 2017.")
    loaded = load_corpus(tmp_path, budget=ParseBudget(timeout_s=1.0))
    assert [d.id for d in loaded.documents] == ["ok.txt"]
    [skipped] = loaded.skipped
    assert skipped.path == "many-pages.pdf"
    assert skipped.reason.startswith("reading it took more than 1 s (ASKREPORT_PARSE_TIMEOUT_S)")


def test_a_file_over_the_memory_budget_is_skipped_and_the_others_are_indexed(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("Migration policy and remittances. " * 600_000)  # 20 MB, parsed into much more
    (tmp_path / "ok.txt").write_text("Remittances grew in 2017.")
    loaded = load_corpus(tmp_path, budget=ParseBudget(memory_mb=64))
    assert [d.id for d in loaded.documents] == ["ok.txt"]
    [skipped] = loaded.skipped
    assert skipped.path == "big.txt"
    assert "needed more than 64 MB of memory (ASKREPORT_PARSE_MEMORY_MB)" in skipped.reason


def test_every_file_of_a_long_lived_child_gets_the_whole_memory_budget() -> None:
    """Memory kept by lazily imported readers (about 30 MB) and by earlier files (about 15 MB) must not
    come off the budget of the files after them: each 3 MB text needs about 40 MB of the 64."""
    text = b"Migration policy and remittances. " * 90_000
    document = docx.Document()
    document.add_paragraph("Remittances grew in 2017.")
    saved = io.BytesIO()
    document.save(saved)
    with ParserProcess(ParseBudget(memory_mb=64)) as parser:
        assert parser.read(".pdf", many_pages_pdf(3)).structure.text
        assert parser.read(".docx", saved.getvalue()).structure.text == "Remittances grew in 2017."
        assert parser.read(".html", b"<html><body><h1>Notes</h1><p>Remittances.</p></body></html>").structure.text
        for _ in range(4):
            assert parser.read(".txt", text).structure.text.startswith("Migration policy")
        assert parser.starts == 1


def _cpu_s(pid: int) -> float:
    """User plus system CPU seconds of process `pid` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 300  # a guard against a hang, not a timing assertion
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.01)


def test_a_reader_that_dies_mid_file_is_replaced_for_the_next_file() -> None:
    with ParserProcess(ParseBudget(timeout_s=600)) as parser:
        assert parser.read(".txt", b"Before.").structure.text == "Before."
        pid = parser.pid
        assert pid is not None
        idle = _cpu_s(pid)
        reasons: list[str] = []

        def read_slow_file() -> None:
            try:
                parser.read(".pdf", many_text_pages_pdf(SLOW_PDF_PAGES))
            except UnreadableFileError as exc:
                reasons.append(str(exc))

        reader = threading.Thread(target=read_slow_file)
        reader.start()
        _wait_for(lambda: _cpu_s(pid) >= idle + BUSY_CPU_S, "the child to start parsing the PDF")
        os.kill(pid, signal.SIGKILL)
        reader.join(timeout=300)  # a guard against a hang, not a timing assertion
        assert not reader.is_alive()
        assert len(reasons) == 1 and reasons[0].startswith("the reader was killed while reading it"), reasons
        assert parser.read(".md", b"# After\n\nThe next file.").titles == ("After",)
        assert parser.pid != pid and parser.starts == 2


def test_the_reader_process_gets_no_keys_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASKREPORT_ADMIN_KEY", "admin-key-that-must-stay-here")
    monkeypatch.setenv("ASKREPORT_SEARCH_KEYS", "search-key-that-must-stay-here")
    with ParserProcess() as parser:
        assert parser.read(".txt", b"Fine.").structure.text == "Fine."
        environ = Path(f"/proc/{parser.pid}/environ").read_bytes()
    names = {entry.split(b"=", 1)[0] for entry in environ.split(b"\0") if entry}
    assert b"PYTHONPATH" in names and b"PATH" in names
    assert not any(name.startswith(b"ASKREPORT_") for name in names), names
    assert b"must-stay-here" not in environ


OUT_OF_FILES = """
import os, resource, sys
from pathlib import Path
from indexer import ReaderStartError, load_corpus
highest = max(int(fd) for fd in os.listdir("/proc/self/fd"))
# room to list the corpus and open one file, none for the reader's pipes
resource.setrlimit(resource.RLIMIT_NOFILE, (highest + 3, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
try:
    load_corpus(Path(sys.argv[1]))
except ReaderStartError as exc:
    print(exc)
"""


def test_a_reader_process_that_cannot_start_fails_the_build_once_with_the_reason(tmp_path: Path) -> None:
    for name in ("one.txt", "two.md"):
        (tmp_path / name).write_text("Remittances grew in 2017.")
    done = subprocess.run(
        [sys.executable, "-c", OUT_OF_FILES, str(tmp_path)], capture_output=True, text=True, timeout=300, check=True
    )
    assert done.stdout.startswith("the reader process could not start (Too many open files): "), done.stdout
    assert "ulimit -n" in done.stdout
