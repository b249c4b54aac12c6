"""ZIP-based formats checked from the central directory before parsing (issue 11: H2)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO

import pytest

from indexer import UnreadableFileError
from indexer.documents.readers import read_docx
from tests.support.hostile_files import zip_bomb

ASKREPORT = [sys.executable, "-m", "server"]
PEAK_RSS_MARGIN_MB = 150


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
