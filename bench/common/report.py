"""What the serving and startup benchmarks share when they report: statistics, provenance, the doc section."""

from __future__ import annotations

import os
import platform
import shlex
import statistics
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from machine import cpu_model  # bench/ is on sys.path when a script runs

REPO_ROOT = Path(__file__).resolve().parent.parent
DOC_PATH = REPO_ROOT / "docs" / "benchmarks.md"
DOC_HEADER = (
    "# Benchmarks\n\n"
    "Numbers measured on shared machines: other jobs run at the same time, so single timings are "
    "noisy. Each benchmark repeats its measurements and reports the median with min/max; compare "
    "medians measured on the same machine, and rerun the given command before drawing conclusions.\n\n"
)


@dataclass(frozen=True)
class Spread:
    """Median, minimum and maximum of repeated measurements."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(statistics.median(values), min(values), max(values))

    def show(self, digits: int = 1) -> str:
        """`median (min–max)`, or just the value when there is one measurement or all agree."""
        median = f"{self.median:.{digits}f}"
        low, high = f"{self.low:.{digits}f}", f"{self.high:.{digits}f}"
        return median if low == high else f"{median} ({low}–{high})"


def command_line(script: str) -> str:
    """The command that produced the results, as typed from the repository root."""
    return " ".join([".venv/bin/python", script, *(shlex.quote(a) for a in sys.argv[1:])])


def provenance() -> str:
    """Date, commit, and which of the measured packages' files differ from that commit."""
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    try:
        commit = _git("rev-parse", "--short", "HEAD")
        status = _git("status", "--porcelain", "--", "indexer", "server", strip=False)
        dirty = [line[3:] for line in status.splitlines() if line.strip()]
    except (OSError, subprocess.CalledProcessError):
        return f"Date: {date}. Commit: unknown (not a git checkout)."
    changes = f"; uncommitted changes in {', '.join(f'`{d}`' for d in dirty)}" if dirty else ", clean"
    return f"Date: {date}. Commit: `{commit}` (working tree of `indexer/` and `server/`{changes})."


def _git(*args: str, strip: bool = True) -> str:
    out = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout
    return out.strip() if strip else out


def machine_facts(load: Sequence[tuple[float, float, float]]) -> list[str]:
    """CPUs, memory, Python, torch threads, and the load average before and after the runs."""
    import torch

    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f"{pages / 2**30:.0f} GiB"
    except (OSError, ValueError):
        memory = "unknown"
    return [
        f"CPUs available (nproc): {len(os.sched_getaffinity(0))}; CPU model: {cpu_model()}; memory: {memory}",
        f"Python {platform.python_version()}, torch {torch.__version__}, torch threads: {torch.get_num_threads()}",
        "load average (1/5/15 min) before and after the runs: "
        + ", ".join("/".join(f"{x:.2f}" for x in triple) for triple in load)
        + " (other processes share the machine)",
    ]


def update_doc(title: str, body: str, path: Path = DOC_PATH) -> None:
    """Replace the section headed `title` (through the next `## `), keeping the others; append if absent."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(DOC_HEADER + body, encoding="utf-8")
        return
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == title), None)
    if start is None:
        text = "".join(lines).rstrip("\n") + "\n\n" + body
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        tail = "".join(lines[end:])
        text = "".join(lines[:start]) + body + ("\n" + tail if tail else "")
    path.write_text(text, encoding="utf-8")
