"""Probes of a server under test: its memory over time and what its log holds that it should not."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common.processes import memory_mib


class MemorySampler(threading.Thread):
    """VmRSS of a process and its children, every `interval` seconds: (seconds since start, MiB)."""

    def __init__(self, pid: int, interval: float = 1.0) -> None:
        super().__init__(name="rss-sampler", daemon=True)
        self.pid = pid
        self.interval = interval
        self.samples: list[tuple[float, float]] = []
        self.halt = threading.Event()
        self.started_at = time.monotonic()

    def run(self) -> None:
        while not self.halt.is_set():
            rss = memory_mib(self.pid, "VmRSS")
            if rss > 0:
                self.samples.append((time.monotonic() - self.started_at, rss))
            self.halt.wait(self.interval)

    def finish(self) -> list[tuple[float, float]]:
        self.halt.set()
        self.join(5)
        return self.samples


def mean_between(samples: Sequence[tuple[float, float]], start: float, end: float) -> float:
    values = [rss for t, rss in samples if start <= t <= end]
    return sum(values) / len(values) if values else 0.0


@dataclass(frozen=True)
class LogCheck:
    """What a server log holds that it should not: error lines, tracebacks, "Already borrowed"."""

    lines: int
    errors: int  # JSON lines at level error or critical
    tracebacks: int  # lines mentioning Traceback (also inside a JSON line's exc_info)
    borrowed: int  # "Already borrowed": the fast tokenizer used from two threads
    not_json: int  # lines that are not JSON objects (a raw traceback, a crash message)
    examples: tuple[str, ...]

    @property
    def clean(self) -> bool:
        return not (self.errors or self.tracebacks or self.borrowed)


def check_log(path: Path, keep: int = 8) -> LogCheck:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines() if path.exists() else []
    errors = tracebacks = borrowed = not_json = 0
    examples: list[str] = []
    for line in lines:
        bad = False
        try:
            entry = json.loads(line)
        except ValueError:
            entry = None
        if not isinstance(entry, dict):
            not_json += 1
        elif str(entry.get("level", "")).lower() in ("error", "critical"):
            errors += 1
            bad = True
        if "Traceback" in line:
            tracebacks += 1
            bad = True
        if "Already borrowed" in line:
            borrowed += 1
            bad = True
        if bad and len(examples) < keep:
            examples.append(_example(entry, line))
    return LogCheck(len(lines), errors, tracebacks, borrowed, not_json, tuple(examples))


def _example(entry: Any, line: str) -> str:
    """A log line to quote: a JSON line's time, level, logger and message, and the end of its traceback."""
    if not isinstance(entry, dict):
        return line if len(line) <= 600 else line[:600] + " …"
    head = f"{entry.get('time')} {entry.get('level')} {entry.get('logger')}: {str(entry.get('message', '')).strip()}"
    error = str(entry.get("error") or "")
    if not error:
        return head
    tail = error.strip().splitlines()[-6:]
    return head + "\n    … " + "\n    ".join(tail)


WORDS = re.compile(r"\s+")


def one_line(text: str, limit: int = 400) -> str:
    text = WORDS.sub(" ", text).strip()
    return text if len(text) <= limit else text[:limit] + " …"
