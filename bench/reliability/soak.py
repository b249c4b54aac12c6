"""The soak: mixed load for minutes while a corpus file is edited and `askreport index` rebuilds."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from bench.common.processes import free_port, running
from bench.reliability.api import current_generation, poll, serve_command, wait_until_served
from bench.reliability.clients import start_clients, stop_clients
from bench.reliability.probes import LogCheck, MemorySampler, check_log, mean_between, one_line
from bench.reliability.setup import IndexRun, Setup, log, run_index
from bench.reliability.tally import Tally
from indexer.retrieval.followups import rewrite  # the server's own rewrite: what a follow-up's query must be


@dataclass(frozen=True)
class Rebuild:
    """One `askreport index` run during the soak."""

    number: int
    full: bool
    edited: str
    at: float  # seconds into the soak
    run: IndexRun


class Rebuilder(threading.Thread):
    """Every `every` seconds (or right after a longer build): edit a corpus file, run `askreport index`."""

    def __init__(self, setup: Setup, every: float, deadline: float, started: float) -> None:
        super().__init__(name="rebuilder", daemon=True)
        self.setup = setup
        self.every = every
        self.deadline = deadline
        self.started = started
        self.halt = threading.Event()
        self.builds: list[Rebuild] = []

    def run(self) -> None:
        files = sorted(self.setup.corpus.iterdir())
        next_at = time.monotonic() + self.every
        number = 0
        while not self.halt.wait(max(0.0, next_at - time.monotonic())):
            if time.monotonic() > self.deadline - self.every / 2:
                return  # a build now would end after the load: its generation would not be exercised
            number += 1
            path = files[(number * 7) % len(files)]
            with path.open("a", encoding="utf-8") as fh:
                fh.write(f"\n\nEdit number {number} made by the reliability soak at {datetime.now(UTC).isoformat()}.\n")
            began = time.monotonic()
            full = number % 3 == 0
            run = run_index(
                self.setup.corpus,
                self.setup.index,
                self.setup.env(),
                self.setup.work / "logs" / f"soak-build-{number}.log",
                full,
            )
            self.builds.append(Rebuild(number, full, path.name, round(began - self.started, 1), run))
            state = "ok" if run.returncode == 0 else f"FAILED ({run.returncode}): {one_line(run.stderr, 300)}"
            log(f"  build {number}{' --full' if full else ''} after editing {path.name}: {state}, {run.seconds:.0f} s")
            next_at = began + self.every


@dataclass
class SoakResult:
    seconds: float
    clients: int
    every: float
    warmup: float
    tally: Tally
    builds: list[Rebuild]
    rss: list[tuple[float, float]]
    log: LogCheck
    stuck_clients: int
    first_generation: str  # CURRENT when the load started
    end_generation: str  # CURRENT when it stopped
    final_generation: str  # CURRENT after the last build
    final_served: bool
    server_exit: int | None  # the server's exit status if it died during the soak
    documents: int
    chunks: int

    @property
    def rss_start(self) -> float:
        return mean_between(self.rss, self.warmup - 5, self.warmup + 5)

    @property
    def rss_end(self) -> float:
        end = self.rss[-1][0] if self.rss else 0.0
        return mean_between(self.rss, end - 10, end)

    @property
    def rss_growth(self) -> float:
        return (self.rss_end - self.rss_start) / self.rss_start if self.rss_start else math.nan


def soak(setup: Setup, seconds: float, clients: int, every: float) -> SoakResult:
    """`clients` threads of mixed requests for `seconds` while the corpus is edited and rebuilt every `every` s."""
    port = free_port()
    logfile = setup.work / "logs" / "soak-server.log"
    warmup = min(0.2 * seconds, 60.0)
    first = current_generation(setup.index)
    with running(serve_command(setup.index, port), port, logfile, setup.env()) as server:
        ready, _ = poll(server, "/api/ready")
        log(f"soak: server ready after {ready:.1f} s; {clients} clients for {seconds:.0f} s, a build every {every:g} s")
        sampler = MemorySampler(server.pid)
        sampler.start()
        tally, stop = Tally(), threading.Event()
        threads = start_clients(clients, server.url, tally, setup.texts, setup.scripts, stop, rewrite)
        deadline = time.monotonic() + seconds
        rebuilder = Rebuilder(setup, every, deadline, tally.started)
        rebuilder.start()
        next_report = time.monotonic() + 30
        while time.monotonic() < deadline and server.process.poll() is None:
            time.sleep(0.5)
            if time.monotonic() >= next_report:
                next_report += 30
                rss = sampler.samples[-1][1] if sampler.samples else 0.0
                log(
                    f"  {time.monotonic() - tally.started:.0f} s: {tally.total()} requests, {tally.errors()} errors, "
                    f"{len(tally.first_seen)} generations, RSS {rss:.0f} MiB"
                )
        stuck = stop_clients(threads, stop)
        at_end = current_generation(setup.index)
        rss = sampler.finish()
        rebuilder.halt.set()
        rebuilder.join()
        final = current_generation(setup.index)
        alive = server.process.poll() is None
        served = alive and wait_until_served(server, final)
        exit_status = None if alive else server.process.returncode
    return SoakResult(
        seconds, clients, every, warmup, tally, rebuilder.builds, rss, check_log(logfile), stuck, first, at_end,
        final, served,
        exit_status, setup.documents, setup.chunks,
    )  # fmt: skip
