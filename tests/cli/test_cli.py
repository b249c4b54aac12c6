"""The `askreport` command, run as a real process with the real model."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.data import CORPUS, DEV_SET
from tests.support.processes import read_until, watching

ASKREPORT = [sys.executable, "-m", "server"]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ASKREPORT, *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("index", "ask", "serve", "info"):
        assert command in result.stdout


@pytest.mark.slow
def test_index_info_ask_round_trip(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "report.txt").write_text((CORPUS / "mieux-asia-labour-migration-and-thb.txt").read_text())
    (corpus / "broken.txt").write_bytes(b"\xff\xfe\xfa broken")
    index = tmp_path / "index"

    built = run("index", "--corpus", str(corpus), "--index", str(index))
    assert built.returncode == 0, built.stderr
    assert "indexed 1 documents" in built.stdout and "1 files skipped" in built.stdout
    assert "warning: skipped broken.txt: not valid UTF-8" in built.stderr
    assert "embedding" in built.stderr  # the progress bar

    info = run("info", "--index", str(index))
    assert info.returncode == 0
    assert "all-MiniLM-L6-v2 (dimension 384)" in info.stdout
    assert "report.txt:" in info.stdout and "skipped broken.txt" in info.stdout

    asked = run("ask", "remittances Kyrgyzstan GDP", "--k", "2", "--json", env={"ASKREPORT_INDEX_DIR": str(index)})
    assert asked.returncode == 0, asked.stderr
    body = json.loads(asked.stdout)
    assert "30.4%" in body["passages"][0]["text"]
    assert body["passages"][0]["citation"]["section"][-1] == "Regional migration trends and challenges"

    plain = run("ask", "remittances Kyrgyzstan GDP", "--k", "1", "--index", str(index))
    assert plain.returncode == 0
    assert plain.stdout.startswith("[1] Report — Asia › Regional migration trends and challenges [")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["info", "--index", "{tmp}/none"], "no index at"),
        (["ask", "anything", "--index", "{tmp}/none"], "run `askreport index`"),
        (["index", "--corpus", "{tmp}/missing", "--index", "{tmp}/idx"], "does not exist"),
    ],
)
def test_errors_exit_non_zero_with_a_message(tmp_path: Path, args: list[str], message: str) -> None:
    result = run(*[a.format(tmp=tmp_path) for a in args])
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_setting_is_a_message_not_a_traceback() -> None:
    result = run("info", env={"ASKREPORT_PORT": "abc"})
    assert result.returncode == 2
    assert "invalid setting: ASKREPORT_PORT" in result.stderr and "Traceback" not in result.stderr


def test_bad_options_are_usage_errors(tmp_path: Path) -> None:
    assert run("ask", "q", "--k", "0").returncode == 2
    blank = run("ask", "   ", "--index", str(tmp_path))
    assert blank.returncode == 2 and "the question is empty" in blank.stderr


def _small_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "one.md").write_text("# One\n\nSeasonal workers from Tajikistan travel to Russia.")
    return corpus


@pytest.mark.slow
def test_rollback_switches_to_the_previous_generation(tmp_path: Path) -> None:
    corpus, index = _small_corpus(tmp_path), tmp_path / "index"
    nothing = run("rollback", "--index", str(index))
    assert nothing.returncode == 1 and "no index at" in nothing.stderr
    assert run("index", "--corpus", str(corpus), "--index", str(index)).returncode == 0
    only = run("rollback", "--index", str(index))
    assert only.returncode == 1 and "nothing to roll back to" in only.stderr
    (corpus / "two.md").write_text("# Two\n\nThe shelter in Chiang Mai assists victims.")
    second = run("index", "--corpus", str(corpus), "--index", str(index))
    assert "1 embedded, 1 reused, 0 removed" in second.stdout
    names = sorted(p.name for p in (index / "generations").iterdir())
    rolled = run("rollback", "--index", str(index))
    assert rolled.returncode == 0
    assert rolled.stdout.strip() == f"rolled back from {names[1]} to {names[0]}"
    assert (index / "CURRENT").read_text().strip() == names[0]
    info = json.loads(run("info", "--json", "--index", str(index)).stdout)
    assert [d["id"] for d in info["documents"]] == ["one.md"]


@pytest.mark.slow
def test_watch_rebuilds_when_the_corpus_changes(tmp_path: Path) -> None:
    corpus, index = _small_corpus(tmp_path), tmp_path / "index"
    with watching(corpus, index, stderr=subprocess.DEVNULL) as proc:
        lines = read_until(proc, "watching", 120)
        assert any("indexed 1 documents" in line for line in lines)
        (corpus / "two.md").write_text("# Two\n\nThe shelter in Chiang Mai assists victims.")
        lines = read_until(proc, "is now current", 120)
        assert any("rebuilding" in line for line in lines)
        assert any("indexed 2 documents into 2 chunks: 1 embedded, 1 reused" in line for line in lines)
        (corpus / "two.md.meta.json").write_text('{"title": "Shelters in Thailand"}')  # a title, no new text
        lines = read_until(proc, "is now current", 120)
        assert any("indexed 2 documents into 2 chunks: 0 embedded, 2 reused" in line for line in lines)
        info = json.loads(run("info", "--json", "--index", str(index)).stdout)
        assert {d["id"]: d["title"] for d in info["documents"]}["two.md"] == "Shelters in Thailand"


@pytest.mark.slow
def test_eval_reports_groups_as_json(report_index: Path) -> None:
    result = run("eval", str(DEV_SET), "--json", "--index", str(report_index))
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert set(body["groups"]) == {"singles", "first turns", "follow-ups", "follow-ups (question only)"}
    assert body["groups"]["singles"]["count"] == 16
    assert body["groups"]["singles"]["hit5"] >= 0.8
    assert 0 <= body["unanswerable_flagged"] <= 1
    both = run("eval", str(DEV_SET), "--beir", "somewhere")
    assert both.returncode == 2 and "either a question set FILE or --beir DIR" in both.stderr
