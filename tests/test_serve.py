"""`askreport serve` as a real uvicorn process answering over a socket."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port


@pytest.fixture()
def server(report_index: Path) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "server", "serve", "--port", str(port), "--index", str(report_index)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "ASKREPORT_HOST": "127.0.0.1"},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited early:\n{proc.stdout.read() if proc.stdout else ''}")
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("server did not answer /api/health within 120 s")
    yield base
    proc.send_signal(signal.SIGTERM)
    try:
        output, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status tells why it stopped
    assert proc.returncode in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in output


def test_served_search_returns_the_cited_passage(server: str) -> None:
    r = httpx.get(f"{server}/api/search", params={"q": "remittances Kyrgyzstan GDP"}, timeout=30)
    assert r.status_code == 200
    first = r.json()["passages"][0]
    assert "30.4%" in first["text"]
    citation = first["citation"]
    assert citation["section"][-1] == "Regional migration trends and challenges"
    doc = httpx.get(f"{server}/api/documents/{citation['document']}", timeout=30).json()
    assert doc["text"][citation["start"] : citation["end"]] == first["text"]
    page = httpx.get(f"{server}{citation['url']}", timeout=30)
    assert page.status_code == 200 and '<mark id="cited">' in page.text


def test_served_errors_and_pages(server: str) -> None:
    r = httpx.post(f"{server}/api/ask", json={"question": " "}, timeout=30)
    assert r.status_code == 422 and "must not be empty" in r.json()["detail"]
    assert httpx.get(f"{server}/", timeout=30).status_code == 200
    assert httpx.get(f"{server}/docs", timeout=30).status_code == 200
