"""server/connections.py in a real `askreport serve`: slow headers time out, descriptors are raised, logs stay small.

Every connection here goes to 127.0.0.1, and every loop is bounded in count and time.
"""

from __future__ import annotations

import os
import resource
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import h11
import httpx
import pytest

from tests.support.processes import free_port, running

HEADER_TIMEOUT = 2.0
PATIENCE = 30.0  # seconds to wait for what must happen; generous: a loaded CI machine is slow
PARTIAL_REQUEST = b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-a: b\r\n"  # no blank line: the headers never end


def _file_limit(soft: int, hard: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    return apply


@contextmanager
def serving(index: Path, log: Path, soft: int, hard: int, env: dict[str, str] | None = None) -> Iterator[str]:
    """`askreport serve` with an open-file limit, its output in `log`; the base URL while it runs."""
    port = free_port()
    command = [sys.executable, "-m", "server", "serve", "--port", str(port), "--index", str(index)]
    environment = {**os.environ, "ASKREPORT_HEADER_TIMEOUT": str(HEADER_TIMEOUT), **(env or {})}
    base = f"http://127.0.0.1:{port}"
    with running(command, environment, f"{base}/api/health", log=log, preexec_fn=_file_limit(soft, hard)):
        yield base


def _status(url: str, timeout: float) -> int | None:
    """The status of GET `url`, or None when the connection was refused, reset or timed out."""
    try:
        return httpx.get(url, timeout=timeout).status_code
    except httpx.TransportError:
        return None


def _answers(url: str, timeout: float) -> bool:
    return _status(url, timeout) == 200


def _half_open(port: int, count: int, stack: ExitStack) -> list[socket.socket]:
    """`count` loopback connections that each sent part of a request's headers, then nothing.

    A connection the server refuses or resets (it may, beyond its limits) is kept too: it is closed.
    """
    held = []
    for _ in range(count):
        try:
            sock = stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=5))
        except OSError:
            continue
        held.append(sock)
        try:
            sock.sendall(PARTIAL_REQUEST)
        except OSError:
            pass
    return held


def _closed_by_server(sock: socket.socket, deadline: float) -> bool:
    """Whether the server closes `sock` (EOF or reset) without sending anything, by `deadline`."""
    sock.settimeout(max(0.1, deadline - time.monotonic()))
    try:
        return sock.recv(1024) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False


def _get_on(conn: h11.Connection, sock: socket.socket, path: str) -> int:
    """One GET on a connection that is already open; its status, failing if the server closes it first."""
    sock.sendall(conn.send(h11.Request(method="GET", target=path, headers=[("Host", "x")])) or b"")
    sock.sendall(conn.send(h11.EndOfMessage()) or b"")
    status = 0
    try:
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                conn.receive_data(sock.recv(65536))
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.EndOfMessage):
                conn.start_next_cycle()
                return status
            elif isinstance(event, h11.ConnectionClosed):
                break
    except (h11.RemoteProtocolError, ConnectionResetError):
        pass
    pytest.fail("the server closed a kept-alive connection between requests")


def test_more_half_open_connections_than_descriptors_do_not_stop_the_service(
    tmp_path: Path, report_index: Path
) -> None:
    log = tmp_path / "server.log"
    with serving(report_index, log, soft=256, hard=256) as base, ExitStack() as stack:
        port = int(base.rsplit(":", 1)[1])
        held = _half_open(port, 300, stack)  # more than the server's 256 descriptors
        deadline = time.monotonic() + PATIENCE
        while not _answers(f"{base}/api/health", 5.0):
            # the first slow ones are closed after HEADER_TIMEOUT, the rest at once: then the probe is served
            assert time.monotonic() < deadline, "/api/health was never answered while the slow connections were held"
            time.sleep(0.1)
        deadline = time.monotonic() + PATIENCE
        still_open = [sock for sock in held if not _closed_by_server(sock, deadline)]
        assert not still_open, f"{len(still_open)} of {len(held)} half-open connections were never closed"
    output = log.read_text()
    assert len(output) < 50_000, f"the server logged {len(output)} bytes"
    assert output.count("out of system resource") <= 2, "accept() failures are logged once per interval"
    assert "Traceback" not in output


def test_a_slow_header_is_cut_off_and_kept_alive_requests_are_not(tmp_path: Path, report_index: Path) -> None:
    with serving(report_index, tmp_path / "server.log", soft=256, hard=256) as base:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=PATIENCE) as slow:
            slow.sendall(PARTIAL_REQUEST)
            started = time.monotonic()
            assert _closed_by_server(slow, started + PATIENCE), "a connection whose headers never end is closed"
            assert time.monotonic() - started >= HEADER_TIMEOUT - 0.5, "not before the header timeout"
        # one connection, several requests, alive for longer than the header timeout in all: each request's
        # headers are prompt, so none is cut off (the pauses stay under uvicorn's 5 s keep-alive timeout)
        with socket.create_connection(("127.0.0.1", port), timeout=PATIENCE) as kept:
            conn = h11.Connection(h11.CLIENT)
            for _ in range(3):
                assert _get_on(conn, kept, "/api/health") == 200
                time.sleep(0.75 * HEADER_TIMEOUT)
            assert _get_on(conn, kept, "/api/health") == 200


def test_the_open_file_limit_is_raised_to_the_hard_limit(tmp_path: Path, report_index: Path) -> None:
    log = tmp_path / "server.log"
    with serving(report_index, log, soft=200, hard=700):
        pid_line = next(line for line in log.read_text().splitlines() if "Started server process" in line)
        pid = pid_line.rsplit("[", 1)[1].split("]")[0]
        limits = Path(f"/proc/{pid}/limits").read_text()
        assert [line.split()[3:5] for line in limits.splitlines() if line.startswith("Max open files")] == [
            ["700", "700"]
        ]
    assert "raised the open-file limit from 200 to 700" in log.read_text()


def test_beyond_the_concurrency_limit_requests_get_503_at_once(tmp_path: Path, report_index: Path) -> None:
    # a longer header timeout, so that the held connections stay while the probes look for the 503
    env = {"ASKREPORT_LIMIT_CONCURRENCY": "20", "ASKREPORT_HEADER_TIMEOUT": "5"}
    with serving(report_index, tmp_path / "server.log", soft=1024, hard=1024, env=env) as base, ExitStack() as stack:
        _half_open(int(base.rsplit(":", 1)[1]), 25, stack)
        deadline = time.monotonic() + PATIENCE
        # refused with an answer, not queued: a queued probe would be served (200) once the held ones go
        while _status(f"{base}/api/health", PATIENCE) != 503:
            assert time.monotonic() < deadline, "no probe got 503 while 25 connections were held"
            time.sleep(0.05)
        deadline = time.monotonic() + PATIENCE
        while not _answers(f"{base}/api/health", 5.0):  # the held connections time out: served again
            assert time.monotonic() < deadline, "/api/health was not served again after the header timeout"
            time.sleep(0.2)
