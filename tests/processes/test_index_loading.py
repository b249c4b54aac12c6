"""Loading generations under a real `askreport serve` process: no broken or edited generation takes it down.

H1: a failed reload used to end the watcher thread (the server then served its old generation
forever, saying it was ready), and the same failure at start-up made uvicorn exit.
L5: truncating the served vectors.npy in place used to kill the server with SIGBUS.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from indexer.index.generations import point_current
from tests.support.generations import VECTORS, empty_vectors, good_broken_good, root_with
from tests.support.processes import free_port, running

pytestmark = pytest.mark.slow
RELOAD_INTERVAL = "0.2"
QUESTION = "remittances Kyrgyzstan GDP"


@dataclass(frozen=True)
class Served:
    base: str
    root: Path
    proc: subprocess.Popen[str]
    log: Path

    def get(self, path: str, **params: str) -> httpx.Response:
        return httpx.get(f"{self.base}{path}", params=params, timeout=30)

    def json(self, path: str) -> dict[str, object]:
        body: dict[str, object] = self.get(path).json()
        return body

    def gauge(self) -> float:
        for line in self.get("/metrics").text.splitlines():
            if line.startswith("askreport_index_load_failed "):
                return float(line.split()[1])
        raise AssertionError("no askreport_index_load_failed in /metrics")

    def log_tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])


def _wait_for(condition: Callable[[], bool], timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    return condition()


@pytest.fixture()
def serve(tmp_path: Path) -> Iterator[Callable[[Path], Served]]:
    """Start `askreport serve` on an index root; it must answer /api/health (whatever /api/ready says)."""
    numbers = itertools.count()
    with ExitStack() as stack:

        def start(root: Path) -> Served:
            port, log = free_port(), tmp_path / f"server-{next(numbers)}.log"
            env = {k: v for k, v in os.environ.items() if not k.startswith("ASKREPORT_")}
            env |= {"ASKREPORT_HOST": "127.0.0.1", "ASKREPORT_MODEL": "", "ASKREPORT_RELOAD_INTERVAL": RELOAD_INTERVAL}
            command = [sys.executable, "-m", "server", "serve", "--port", str(port), "--index", str(root)]
            base = f"http://127.0.0.1:{port}"
            proc = stack.enter_context(running(command, env, f"{base}/api/health", log=log))
            return Served(base, root, proc, log)

        yield start


def test_the_server_moves_past_a_generation_that_fails_to_load(
    report_index: Path, tmp_path: Path, serve: Callable[[Path], Served]
) -> None:
    root, good_a = good_broken_good(report_index, tmp_path / "index")
    server = serve(root)
    assert _wait_for(lambda: server.json("/api/ready").get("generation") == good_a), server.log_tail()

    point_current(root, "broken-b")  # 0-byte vectors.npy: EOFError inside numpy
    assert _wait_for(lambda: server.json("/api/ready").get("status") == "stale"), server.log_tail()
    ready = server.get("/api/ready")
    assert ready.status_code == 200 and ready.json()["generation"] == good_a
    assert "vectors.npy cannot be read" in ready.json()["load_error"] and server.gauge() == 1
    assert server.get("/api/search", q=QUESTION).json()["index"]["generation"] == good_a

    point_current(root, "good-c")
    assert _wait_for(lambda: server.json("/api/ready").get("generation") == "good-c"), server.log_tail()
    assert server.json("/api/ready")["status"] == "ready" and server.gauge() == 0
    assert server.get("/api/search", q=QUESTION).json()["index"]["generation"] == "good-c"
    assert server.proc.poll() is None


def test_start_up_with_a_broken_generation_serves_503_then_recovers(
    report_index: Path, tmp_path: Path, serve: Callable[[Path], Served]
) -> None:
    root = root_with(report_index, tmp_path / "index", ["good"], {"broken": empty_vectors})
    point_current(root, "broken")
    server = serve(root)
    ready = server.get("/api/ready")
    assert ready.status_code == 503 and "broken/vectors.npy cannot be read" in ready.json()["detail"]
    search = server.get("/api/search", q=QUESTION)
    assert search.status_code == 503 and "askreport index --full" in search.json()["detail"]
    assert server.gauge() == 1

    point_current(root, "good")  # as a new build would
    assert _wait_for(lambda: server.get("/api/ready").status_code == 200), server.log_tail()
    assert server.get("/api/search", q=QUESTION).status_code == 200 and server.gauge() == 0


def test_truncating_the_served_vectors_in_place_does_not_kill_the_server(
    report_index: Path, tmp_path: Path, serve: Callable[[Path], Served]
) -> None:
    root = root_with(report_index, tmp_path / "index", ["served"], {})
    server = serve(root)
    assert _wait_for(lambda: server.get("/api/ready").status_code == 200), server.log_tail()
    with open(root / "generations" / "served" / VECTORS, "r+b") as fh:  # what generations must never see
        fh.truncate(0)
    for mode in ("dense", "hybrid", "dense"):
        try:
            search = server.get("/api/search", q=QUESTION, mode=mode, k="8")
        except httpx.TransportError:
            server.proc.wait(timeout=30)
            pytest.fail(f"the server died (exit status {server.proc.returncode}):\n{server.log_tail()}")
        assert search.status_code == 200, search.text
        assert "30.4%" in search.json()["passages"][0]["text"]
    assert server.proc.poll() is None, f"the server died ({server.proc.returncode}):\n{server.log_tail()}"
