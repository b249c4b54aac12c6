"""What the benchmarks share when they report: run statistics, the command line, provenance, doc sections."""

from __future__ import annotations

import shlex
import statistics
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.common.paths import BENCHMARKS_DOC, REPO_ROOT, shown

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

    def full(self, digits: int = 2) -> str:
        """`median (min–max)`, even when all agree."""
        return f"{self.median:.{digits}f} ({self.low:.{digits}f}–{self.high:.{digits}f})"

    def span(self, digits: int = 0) -> str:
        """`min–max`, or one number when all agree."""
        low, high = f"{self.low:.{digits}f}", f"{self.high:.{digits}f}"
        return low if low == high else f"{low}–{high}"


def command_line(module: str, argv: Sequence[str] | None = None) -> str:
    """The command that produced the results (`argv`, default this process's), as typed from the repository root."""
    args = sys.argv[1:] if argv is None else argv
    return " ".join([".venv/bin/python", "-m", module, *(shlex.quote(a) for a in args)])


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


def update_doc(title: str, body: str, path: Path = BENCHMARKS_DOC) -> None:
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


def publish(title: str, body: str, write: bool, path: Path = BENCHMARKS_DOC) -> None:
    """Print the section `body`; with `write`, also replace the section `title` of the doc at `path`."""
    print(body)
    if write:
        update_doc(title, body, path)
        print(f"wrote {shown(path)}", file=sys.stderr, flush=True)


def table_section(title: str, module: str, intro: str, table: Sequence[str], note: str = "") -> str:
    """A doc section: the title, the command and its provenance (then `note`), `intro`, the table's lines."""
    return "\n".join([title, "", f"Command: `{command_line(module)}`. {provenance()}{note}", "", intro, "", *table, ""])
