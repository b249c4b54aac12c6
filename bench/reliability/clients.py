"""The clients of the reliability benchmark: mixed HTTP load, each a thread with a keep-alive connection.

Every client is a thread of the benchmark process with one keep-alive `http.client` connection. A
client sends requests back to back until it is told to stop and records, per request kind, the
status (or the socket error) and the latency. Responses that name their index generation feed a
check that the served generation never goes backwards: a request must not be answered from a
generation older than one that had already answered before that request was sent.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

from bench.reliability.tally import ConversationRecord, Tally, generation_of

MIX = (("search", 0.45), ("ask", 0.2), ("source", 0.2), ("documents", 0.07), ("index", 0.08))
TIMEOUT = 60.0


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
