"""Request size limits: 413 before an oversized body is read, with or without Content-Length."""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.support.processes import free_port, running


def test_declared_oversized_body_gets_413_with_the_limit(client: TestClient) -> None:
    body = json.dumps({"question": "remittances", "history": ["x" * 999] * 20, "pad": "y" * 70_000})
    r = client.post("/api/ask", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert "larger than 64 KB" in r.json()["detail"]


def test_a_body_under_the_limit_is_answered(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "remittances", "history": ["What about Kyrgyzstan?"] * 20})
    assert r.status_code == 200


@pytest.fixture(scope="module")
def live(report_index: Path) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "server", "serve", "--port", str(port), "--index", str(report_index)]
    with running(command, dict(os.environ), f"http://127.0.0.1:{port}/api/health"):
        yield f"127.0.0.1:{port}"


def _send_chunked(address: str, limit: int) -> tuple[bytes, int]:
    """Stream a never-ending chunked JSON body; stop when the server answers. (response, bytes sent)."""
    host, port = address.split(":")
    sent = 0
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16 * 1024)
        sock.sendall(
            f"POST /api/ask HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n".encode()
        )
        chunk = b'{"question": "' + b"a" * 8000
        sock.setblocking(False)
        response = b""
        while sent < limit:
            try:
                response += sock.recv(65536)
                if response:
                    break
            except BlockingIOError:
                pass
            try:
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sent += len(chunk)
                chunk = b"a" * 8000
            except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                break
        sock.setblocking(True)
        sock.settimeout(10)
        try:
            while b"\r\n\r\n" not in response or not response.rstrip().endswith(b"}"):
                more = sock.recv(65536)
                if not more:
                    break
                response += more
        except (TimeoutError, ConnectionResetError):
            pass
    return response, sent


def test_chunked_oversized_body_is_refused_while_streaming(live: str) -> None:
    response, sent = _send_chunked(live, limit=50 * 1024 * 1024)
    assert response.startswith(b"HTTP/1.1 413"), response[:200]
    assert b"larger than 64 KB" in response
    # the answer came while the body was still streaming (what was sent beyond 64 KB sat in socket buffers)
    assert sent < 8 * 1024 * 1024, f"the server answered only after {sent} bytes"
