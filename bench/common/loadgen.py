"""A lean closed-loop HTTP load generator: the fallback of bench.common.load when wrk is not installed.

C threads, each with one keep-alive `http.client` connection, take the next path from a shared list
and send GET requests back to back until MAX_RESPONSES responses have come back or the time bound
has passed. It prints one line, `LOADGEN_RESULT {json}`, with the same keys as bench/common/wrk_paths.lua.

    .venv/bin/python -m bench.common.loadgen http://127.0.0.1:8000 PATHS_FILE --concurrency 16 --requests 400
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import threading
import time
from collections.abc import Sequence
from pathlib import Path


class Walker:
    """Hands out paths in order until the request limit or the deadline; collects latencies."""

    def __init__(self, paths: Sequence[str], limit: int, seconds: float) -> None:
        self.paths = paths
        self.limit = limit
        self.deadline = time.monotonic() + seconds
        self.sent = 0
        self.failed = 0
        self.statuses: dict[str, int] = {}
        self.socket_errors = 0
        self.latencies: list[float] = []
        self.first_sent = 0.0
        self.last_answer = 0.0
        self.lock = threading.Lock()

    def next_path(self) -> str | None:
        with self.lock:
            if self.sent >= self.limit or time.monotonic() >= self.deadline:
                return None
            if self.sent == 0:
                self.first_sent = time.monotonic()
            self.sent += 1
            return self.paths[(self.sent - 1) % len(self.paths)]

    def record(self, latency: float, status: int) -> None:
        with self.lock:
            self.latencies.append(latency)
            self.last_answer = time.monotonic()
            if status != 200:
                self.failed += 1
                self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1


def client(host: str, port: int, walker: Walker) -> None:
    """One connection sending requests back to back."""
    conn = http.client.HTTPConnection(host, port, timeout=60)
    try:
        while (path := walker.next_path()) is not None:
            started = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                walker.record(time.perf_counter() - started, response.status)
            except (OSError, http.client.HTTPException):
                with walker.lock:
                    walker.socket_errors += 1
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=60)
    finally:
        conn.close()


def percentile_us(sorted_seconds: Sequence[float], p: float) -> int:
    """Nearest-rank percentile in microseconds."""
    if not sorted_seconds:
        return 0
    rank = max(1, math.ceil(p / 100 * len(sorted_seconds)))
    return round(sorted_seconds[rank - 1] * 1e6)


def result(walker: Walker) -> dict[str, object]:
    """The summary wrk_paths.lua prints, from this run's latencies."""
    lat = sorted(walker.latencies)
    return {
        "sent": walker.sent,
        "answered": len(lat),
        "failed": walker.failed,
        "first_sent": walker.first_sent,
        "last_answer": walker.last_answer,
        "socket_errors": walker.socket_errors,
        "timeouts": 0,
        "p50_us": percentile_us(lat, 50),
        "p90_us": percentile_us(lat, 90),
        "p99_us": percentile_us(lat, 99),
        "max_us": percentile_us(lat, 100),
        "mean_us": sum(lat) / len(lat) * 1e6 if lat else 0.0,
        "statuses": walker.statuses,
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Closed-loop HTTP GET load over a list of paths (keep-alive).")
    parser.add_argument("url", help="base URL, http://HOST:PORT")
    parser.add_argument("paths", type=Path, help="file of request paths, one per line, sent in order")
    parser.add_argument("--concurrency", type=int, default=1, help="concurrent connections (default: %(default)s)")
    parser.add_argument("--requests", type=int, default=100, help="stop after this many (default: %(default)s)")
    parser.add_argument("--seconds", type=float, default=30, help="or after this long (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.concurrency < 1 or args.requests < 1:
        parser.error("--concurrency and --requests must be at least 1")
    host, port = args.url.removeprefix("http://").rstrip("/").split(":")
    paths = args.paths.read_text(encoding="utf-8").splitlines()
    walker = Walker(paths, args.requests, args.seconds)
    threads = [
        threading.Thread(target=client, args=(host, int(port), walker), daemon=True) for _ in range(args.concurrency)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print("LOADGEN_RESULT " + json.dumps(result(walker)), flush=True)


if __name__ == "__main__":
    main()
