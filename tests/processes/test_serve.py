"""`askreport serve` as a real uvicorn process answering over a socket."""

import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from indexer import SentenceTransformerEmbedder, build_index
from tests.support.data import CORPUS
from tests.support.processes import free_port, running


@pytest.fixture()
def server(report_index: Path) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "server", "serve", "--port", str(port), "--index", str(report_index)]
    base = f"http://127.0.0.1:{port}"
    with running(command, {**os.environ, "ASKREPORT_HOST": "127.0.0.1"}, f"{base}/api/health") as proc:
        yield base
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=30)
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


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_workers_share_the_index_and_all_move_to_a_new_generation(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    build_index(CORPUS, tmp_path / "index", embedder)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "server", "serve", "--port", str(port), "--index", str(tmp_path / "index")]
    env = {**os.environ, "ASKREPORT_RELOAD_INTERVAL": "0.2"}
    with running([*command, "--workers", "2"], env, f"{base}/api/health") as proc:
        deadline = time.monotonic() + 60
        while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(_children(proc.pid)) >= 2, "two worker processes serve the port"
        with httpx.Client(base_url=base, timeout=30) as http:
            first = {
                http.get("/api/search", params={"q": "remittances"}).json()["index"]["generation"] for _ in range(20)
            }
            assert len(first) == 1
            published = build_index(CORPUS, tmp_path / "index", embedder, full=True).generation
            assert published not in first
            seen: list[str] = []
            while time.monotonic() < deadline + 30:
                seen = [
                    http.get("/api/search", params={"q": "remittances"}).json()["index"]["generation"]
                    for _ in range(30)
                ]
                if set(seen) == {published}:
                    break
                time.sleep(0.3)
            assert set(seen) == {published}, "every worker answers from the new generation"
