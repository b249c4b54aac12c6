"""Clients and probes of bench/reliability.py: mixed HTTP load, conversation records, RSS, log checks.

Every client is a thread of the benchmark process with one keep-alive `http.client` connection. A
client sends requests back to back until it is told to stop and records, per request kind, the
status (or the socket error) and the latency. Responses that name their index generation feed a
check that the served generation never goes backwards: a request must not be answered from a
generation older than one that had already answered before that request was sent.
"""

from __future__ import annotations

import http.client
import json
import math
import random
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from procs import memory_mib
from queries import dev_questions

KINDS = ("search", "ask", "source", "documents", "index")
# soak mix: the share of *actions*; an "ask" action is a whole conversation of 2-3 requests
MIX = (("search", 0.45), ("ask", 0.2), ("source", 0.2), ("documents", 0.07), ("index", 0.08))
FOLLOW_UPS = (
    "And in Thailand?",
    "What about Kyrgyzstan?",
    "When was it carried out?",
    "What came out of it?",
    "And in Viet Nam?",
    "Which of them is listed first?",
)
CHECK_FOLLOW_UP = "And in Thailand?"
TIMEOUT = 60.0
KEPT_FAILURES = 25


def question_texts(dev: Path, scifact_queries: Path) -> list[str]:
    """Distinct search texts: every dev question (turns included) and every SciFact query."""
    seen: set[str] = set()
    texts: list[str] = []
    scifact = [str(json.loads(line)["text"]) for line in scifact_queries.read_text("utf-8").splitlines() if line]
    for text in [*dev_questions(dev), *scifact]:
        key = " ".join(text.casefold().split())
        if key and key not in seen and len(text) <= 1000:
            seen.add(key)
            texts.append(" ".join(text.split()))
    return texts


def conversation_scripts(dev: Path, texts: Sequence[str], count: int = 300, seed: int = 7) -> list[tuple[str, ...]]:
    """The dev set's conversations, and `count` more: a question followed by one or two follow-ups."""
    scripts: list[tuple[str, ...]] = []
    for line in dev.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            if row.get("turns"):
                scripts.append(tuple(str(t["question"]) for t in row["turns"]))
    rng = random.Random(seed)
    for _ in range(count):
        scripts.append((rng.choice(texts), *rng.sample(FOLLOW_UPS, rng.choice((1, 2)))))
    return scripts


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


class Client(threading.Thread):
    """One keep-alive connection sending the soak mix (or, with `conversations_only`, conversations)."""

    def __init__(
        self,
        url: str,
        tally: Tally,
        texts: Sequence[str],
        scripts: Sequence[tuple[str, ...]],
        stop: threading.Event,
        seed: int,
        rewrite: Callable[[str, Sequence[str]], str],
        conversations_only: bool = False,
    ) -> None:
        super().__init__(name=f"client-{seed}", daemon=True)
        host, port = url.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.tally = tally
        self.texts = texts
        self.scripts = scripts
        self.stop = stop
        self.rng = random.Random(seed)
        self.rewrite = rewrite
        self.conversations_only = conversations_only
        self.urls: list[str] = []  # citation urls seen lately, for source views
        self.next_text = self.rng.randrange(len(texts))
        self.last_status = 0  # of the previous answer on this connection
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                kind = "ask" if self.conversations_only else self.pick()
                getattr(self, f"do_{kind}")()
        finally:
            self.conn.close()

    def pick(self) -> str:
        roll, acc = self.rng.random(), 0.0
        for kind, share in MIX:
            acc += share
            if roll < acc:
                return kind
        return MIX[-1][0]

    def request(self, kind: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Send one request; the parsed JSON (or True for other 2xx content), None when it failed."""
        high = self.tally.snapshot_high()
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"content-type": "application/json"} if payload is not None else {}
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=payload, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            seconds = time.perf_counter() - started
            self.tally.record(kind, f"socket: {type(exc).__name__}", seconds, high, None)
            after = (
                f" (the previous answer on this connection was a {self.last_status})" if self.last_status >= 500 else ""
            )
            self.tally.fail(f"{method} {path[:80]}: {type(exc).__name__}: {exc} after {seconds:.1f} s{after}")
            self.conn.close()
            self.last_status = 0
            return None
        seconds = time.perf_counter() - started
        self.last_status = response.status
        parsed: Any = True
        if response.getheader("content-type", "").startswith("application/json"):
            try:
                parsed = json.loads(data)
            except ValueError:
                parsed = None
        self.tally.record(kind, str(response.status), seconds, high, generation_of(parsed))
        if not 200 <= response.status < 300 or parsed is None:
            self.tally.fail(f"{method} {path[:80]}: {response.status} {data[:300]!r}")
            return None
        return parsed

    def remember(self, answer: Any) -> None:
        for passage in answer.get("passages", [])[:3]:
            self.urls.append(passage["citation"]["url"])
        del self.urls[:-20]

    def text(self) -> str:
        self.next_text = (self.next_text + 1) % len(self.texts)
        return self.texts[self.next_text]

    def do_search(self) -> None:
        k = self.rng.choice((3, 5, 10))
        answer = self.request("search", "GET", f"/api/search?q={quote(self.text(), safe='')}&k={k}")
        if answer is not None:
            self.remember(answer)

    def do_ask(self) -> None:
        """One conversation: each turn sent with the conversation id the first answer returned."""
        record: ConversationRecord | None = None
        for question in self.rng.choice(self.scripts):
            if self.stop.is_set() and record is not None:
                break
            body: dict[str, Any] = {"question": question, "k": 5}
            if record is not None:
                body["conversation_id"] = record.id
                record.pending = question
            answer = self.request("ask", "POST", "/api/ask", body)
            if answer is None:
                return
            earlier = record.answered if record is not None else []
            expected = self.rewrite(question, earlier)
            if answer.get("query") != expected:
                with self.tally.lock:
                    self.tally.mismatches.append(f"{question!r} after {earlier!r}: query {answer.get('query')!r}")
            if record is None:
                record = ConversationRecord(str(answer["conversation_id"]), [])
                with self.tally.lock:
                    self.tally.conversations.append(record)
            record.answered.append(question)
            record.pending = None
            self.remember(answer)

    def do_source(self) -> None:
        if not self.urls:
            self.do_search()
            return
        self.request("source", "GET", self.urls.pop(self.rng.randrange(len(self.urls))))

    def do_documents(self) -> None:
        self.request("documents", "GET", "/api/documents")

    def do_index(self) -> None:
        self.request("index", "GET", "/api/index")


def start_clients(
    count: int,
    url: str,
    tally: Tally,
    texts: Sequence[str],
    scripts: Sequence[tuple[str, ...]],
    stop: threading.Event,
    rewrite: Callable[[str, Sequence[str]], str],
    conversations_only: bool = False,
    seed: int = 0,
) -> list[Client]:
    clients = [Client(url, tally, texts, scripts, stop, seed + i, rewrite, conversations_only) for i in range(count)]
    for client in clients:
        client.start()
    return clients


def stop_clients(clients: Sequence[Client], stop: threading.Event, timeout: float = TIMEOUT + 10) -> int:
    """Tell the clients to stop and wait for them; how many are still running after `timeout`."""
    stop.set()
    deadline = time.monotonic() + timeout
    for client in clients:
        client.join(max(0.0, deadline - time.monotonic()))
    return sum(1 for c in clients if c.is_alive())


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
