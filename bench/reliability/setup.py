"""The work directory the reliability experiments share: the corpus, its first index, `askreport index` runs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.common.corpus import write_markdown
from bench.common.servers import askreport_command

RELOAD_INTERVAL = "0.5"
SUMMARY = re.compile(r"indexed (\d+) documents into (\d+) chunks.*")
PROGRESS = re.compile(r"^embedding:|\d+/\d+ \[")  # tqdm's lines on stderr
CHILDREN: set[subprocess.Popen[bytes]] = set()  # `askreport index` processes running right now


def log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Setup:
    """The work directory shared by the experiments: corpus, index, conversations DB, request texts."""

    work: Path
    corpus: Path
    index: Path
    data: Path  # SciFact corpus.jsonl
    scifact_docs: int  # SciFact documents in the corpus
    texts: Sequence[str]
    scripts: Sequence[tuple[str, ...]]
    documents: int = 0
    chunks: int = 0
    build_seconds: float = 0.0

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of every server and build: ours, with every ASKREPORT_ variable set here."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASKREPORT_")}
        env.update(
            ASKREPORT_RATE_LIMIT="0",
            ASKREPORT_MAX_CONVERSATIONS_PER_CLIENT="0",  # the load generator is one client
            ASKREPORT_RELOAD_INTERVAL=RELOAD_INTERVAL,
            ASKREPORT_CONVERSATIONS_DB=str(self.work / "conversations.sqlite3"),
            ASKREPORT_INDEX_DIR=str(self.index),
            ASKREPORT_CORPUS_DIR=str(self.corpus),
            ASKREPORT_LOG_LEVEL="info",
            ASKREPORT_WORKERS="1",
        )
        env.update(extra)
        return env


@dataclass(frozen=True)
class IndexRun:
    """One `askreport index` process."""

    command: tuple[str, ...]
    returncode: int
    seconds: float
    stdout: str
    stderr: str  # without the progress bar

    @property
    def summary(self) -> str:
        match = SUMMARY.search(self.stdout)
        return match[0] if match else ""

    @property
    def chunks(self) -> int:
        match = SUMMARY.search(self.stdout)
        return int(match[2]) if match else 0

    @property
    def documents(self) -> int:
        match = SUMMARY.search(self.stdout)
        return int(match[1]) if match else 0


def run_index(
    corpus: Path, index: Path, env: dict[str, str], logfile: Path, full: bool = False, timeout: float = 1200
) -> IndexRun:
    """Run `askreport index` (the CLI) as a subprocess; its output also goes to `logfile`."""
    command = [*askreport_command(), "index", "--corpus", str(corpus), "--index", str(index), *(["--full"] * full)]
    started = time.monotonic()
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    CHILDREN.add(process)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
    finally:
        CHILDREN.discard(process)
    seconds = time.monotonic() - started
    stdout, stderr = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    logfile.parent.mkdir(parents=True, exist_ok=True)
    logfile.write_text(f"$ {' '.join(command)}\n{stdout}\n--- stderr ---\n{stderr}", encoding="utf-8")
    lines = [line for line in re.split(r"[\r\n]+", stderr) if line.strip() and not PROGRESS.search(line)]
    return IndexRun(tuple(command), process.returncode, seconds, stdout, "\n".join(lines))


def kill_children() -> None:
    """Stop the `askreport index` processes this benchmark started that are still running."""
    for process in list(CHILDREN):
        if process.poll() is None:
            process.kill()


def prepare(work: Path, report_corpus: Path, data: Path, docs: int, texts: Sequence[str], scripts: Any) -> Setup:
    """Write the corpus (the report and `docs` SciFact abstracts) and build its first index with the CLI."""
    corpus = work / "corpus"
    corpus.mkdir(parents=True)
    for path in sorted(report_corpus.glob("*.txt")):
        shutil.copyfile(path, corpus / path.name)  # copyfile: the copy is writable, the soak edits it
    write_markdown(data, docs, corpus, prefix="scifact", width=5)
    setup = Setup(work, corpus, work / "index", data, docs, texts, scripts)
    run = run_index(corpus, setup.index, setup.env(), work / "logs" / "first-build.log")
    if run.returncode != 0:
        raise SystemExit(f"the first `askreport index` failed ({run.returncode}):\n{run.stderr[-2000:]}")
    log(f"first build: {run.summary} ({run.seconds:.0f} s with model load)")
    return Setup(work, corpus, setup.index, data, docs, texts, scripts, run.documents, run.chunks, run.seconds)
