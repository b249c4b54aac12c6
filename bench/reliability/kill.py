"""kill -9 under load: SIGKILL the server mid-conversation, restart it, check every conversation survived."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from bench.common.processes import free_port, running
from bench.reliability.api import call, current_generation, poll, serve_command
from bench.reliability.clients import start_clients, stop_clients
from bench.reliability.probes import LogCheck, check_log
from bench.reliability.setup import Setup, log
from bench.reliability.tally import ConversationRecord, Tally
from bench.reliability.texts import CHECK_FOLLOW_UP
from indexer.retrieval.followups import rewrite  # the server's own rewrite: what a follow-up's query must be


@dataclass
class KillRun:
    number: int
    load_seconds: float
    requests_before: int
    errors_before: int  # failed requests before the kill (target 0)
    in_flight_errors: int  # requests cut by the kill (expected)
    conversations: int  # conversations with at least one answered turn
    pending: int  # of which a follow-up was in flight at the kill
    ready: float  # restart -> first 200 of /api/ready
    first_search: float  # restart -> first answered search
    served: str
    current: str
    lost: list[str] = field(default_factory=list)
    check_failures: list[str] = field(default_factory=list)  # follow-ups not answered 200
    logs: tuple[LogCheck, LogCheck] | None = None
    wal_left: bool = False  # the conversations DB's WAL file was there after the kill

    @property
    def generation_ok(self) -> bool:
        return self.served == self.current


def check_conversations(
    url: str, records: Sequence[ConversationRecord], threads: int = 8
) -> tuple[list[str], list[str]]:
    """Send "And in Thailand?" in every recorded conversation; (lost conversations, failed requests)."""
    lost: list[str] = []
    failed: list[str] = []

    def one(record: ConversationRecord) -> None:
        options = [rewrite(CHECK_FOLLOW_UP, record.answered)]
        if record.pending is not None:  # the server may have stored the turn whose answer the kill cut off
            options.append(rewrite(CHECK_FOLLOW_UP, [*record.answered, record.pending]))
        body = {"question": CHECK_FOLLOW_UP, "k": 3, "conversation_id": record.id}
        try:
            status, answer = call(url, "POST", "/api/ask", body)
        except OSError as exc:
            failed.append(f"{record.id}: {type(exc).__name__}: {exc}")
            return
        if status != 200:
            failed.append(f"{record.id}: {status} {answer!r:.200}")
        elif answer.get("query") not in options:
            lost.append(f"{record.id} (asked {record.answered!r}): query {answer.get('query')!r}")

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, records))
    return lost, failed


def kill_once(setup: Setup, number: int, clients: int, load_seconds: float) -> KillRun:
    """Serve, load with conversations, SIGKILL the process group, restart on the same port, check."""
    port = free_port()
    logs = setup.work / "logs"
    before_log, after_log = logs / f"kill-{number}-before.log", logs / f"kill-{number}-restart.log"
    tally, stop = Tally(), threading.Event()
    with running(serve_command(setup.index, port), port, before_log, setup.env()) as server:
        poll(server, "/api/ready")
        threads = start_clients(
            clients,
            server.url,
            tally,
            setup.texts,
            setup.scripts,
            stop,
            rewrite,
            conversations_only=True,
            seed=1000 * number,
        )
        time.sleep(load_seconds)
        killed_at = time.monotonic()
        stop.set()  # no new requests; the ones in flight are cut by the kill
        os.killpg(server.pid, signal.SIGKILL)
        server.process.wait()
        stop_clients(threads, stop)
    wal = Path(str(setup.work / "conversations.sqlite3") + "-wal").exists()
    errors_before = tally.errors(after=killed_at)
    records = [r for r in tally.conversations if r.answered]
    log(
        f"kill run {number}: killed after {load_seconds:g} s of load, {tally.total()} requests, "
        f"{len(records)} conversations recorded; restarting"
    )
    with running(serve_command(setup.index, port), port, after_log, setup.env()) as server:
        ready, body = poll(server, "/api/ready")
        first_search, _ = poll(server, f"/api/search?q={quote('Which countries does MIEUX work with?')}&k=3")
        current = current_generation(setup.index)
        lost, failed = check_conversations(server.url, records)
    result = KillRun(
        number, load_seconds, tally.total(), errors_before, tally.errors() - errors_before, len(records),
        sum(1 for r in records if r.pending is not None), ready, first_search, str(body.get("generation")), current,
        lost, failed, (check_log(before_log), check_log(after_log)), wal,
    )  # fmt: skip
    log(
        f"  ready {ready:.1f} s, first search {first_search:.1f} s after restart; generation "
        f"{'= CURRENT' if result.generation_ok else 'DIFFERS from CURRENT'}; {len(lost)} conversations lost"
    )
    return result
