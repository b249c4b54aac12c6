"""What the reliability clients saw, shared under one lock: statuses, latencies, generations, conversations."""

from __future__ import annotations

import math
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

KINDS = ("search", "ask", "source", "documents", "index")
KEPT_FAILURES = 25


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of unsorted values (0.0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def generation_of(body: Any) -> str | None:
    """The generation a JSON response was answered from (`index.generation`, or `current` of /api/index)."""
    if not isinstance(body, dict):
        return None
    for key in ("index", "current"):
        part = body.get(key)
        if isinstance(part, dict) and isinstance(part.get("generation"), str):
            return str(part["generation"])
    return None


@dataclass
class ConversationRecord:
    """A conversation as a client saw it: the questions answered with 200, and the one in flight, if any."""

    id: str
    answered: list[str]
    pending: str | None = None


@dataclass
class Tally:
    """What all clients saw, shared under one lock."""

    started: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)  # (kind, "200" | "socket: Error")
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    failures: list[str] = field(default_factory=list)  # the first few, described
    failure_times: list[float] = field(default_factory=list)  # monotonic time of every failure
    first_seen: dict[str, float] = field(default_factory=dict)  # generation -> seconds into the run
    high: str = ""  # newest generation a completed response came from
    backwards: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)  # follow-ups whose query lacked the conversation
    conversations: list[ConversationRecord] = field(default_factory=list)

    def snapshot_high(self) -> str:
        with self.lock:
            return self.high

    def record(self, kind: str, status: str, seconds: float, high_at_send: str, generation: str | None) -> None:
        with self.lock:
            self.counts[(kind, status)] += 1
            if status.isdigit():
                self.latencies[kind].append(seconds)
            if generation is None:
                return
            self.first_seen.setdefault(generation, round(time.monotonic() - self.started, 1))
            if generation < high_at_send:
                self.backwards.append(f"{kind} answered from {generation} after {high_at_send} had answered")
            self.high = max(self.high, generation)

    def fail(self, description: str) -> None:
        with self.lock:
            self.failure_times.append(time.monotonic())
            if len(self.failures) < KEPT_FAILURES:
                self.failures.append(description)

    # the figures

    def total(self) -> int:
        return sum(self.counts.values())

    def errors(self, after: float | None = None) -> int:
        """Failed requests (not 2xx, or a socket error); with `after`, only those before that time."""
        if after is None:
            return sum(n for (_, status), n in self.counts.items() if not status.startswith("2"))
        return sum(1 for t in self.failure_times if t < after)

    def by_kind(self) -> dict[str, Counter[str]]:
        out: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
        for (kind, status), n in self.counts.items():
            out.setdefault(kind, Counter())[status] += n
        return out

    def all_latencies(self) -> list[float]:
        return [x for values in self.latencies.values() for x in values]
