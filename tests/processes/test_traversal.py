"""Documents are served by id only: no path trick reaches a file outside the corpus.

A real server is sent raw request lines (no client-side URL clean-up) for every route that
takes a document id, with `../`, percent-encoded and double-encoded dots and slashes, absolute
paths, NUL bytes and the name of a symlink inside the corpus that points outside it.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from indexer import SentenceTransformerEmbedder, build_index
from tests.support.data import REPORT
from tests.support.processes import free_port, running

pytestmark = pytest.mark.slow
MARKER = "TOP-SECRET-MARKER-7731"
PAYLOADS = [
    "../secret.txt",
    "../../secret.txt",
    "..%2fsecret.txt",
    "%2e%2e%2fsecret.txt",
    "%2e%2e/secret.txt",
    "%252e%252e%252fsecret.txt",
    "..%252fsecret.txt",
    "....//secret.txt",
    "..\\secret.txt",
    "..%5csecret.txt",
    "/etc/passwd",
    "%2fetc%2fpasswd",
    "{secret}",
    "secret.txt%00.md",
    "mieux-asia-labour-migration-and-thb.txt%00../../secret.txt",
    "link-to-secret",
    "link-to-secret.txt",
    "link-to-secret%2etxt",
    "%c0%ae%c0%ae%c0%afsecret.txt",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("traversal")
    secret = root / "secret.txt"
    secret.write_text(f"{MARKER} salaries and passwords\n", encoding="utf-8")
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copy(REPORT, corpus)
    (corpus / "link-to-secret.txt").symlink_to(secret)
    build_index(corpus, root / "index", embedder)
    port = free_port()
    env = {**os.environ, "ASKREPORT_CORPUS_DIR": str(corpus)}
    command = [sys.executable, "-m", "server", "serve", "--port", str(port), "--index", str(root / "index")]
    with running(command, env, f"http://127.0.0.1:{port}/api/health"):
        yield f"127.0.0.1:{port}", secret


def raw_get(address: str, target: str) -> tuple[int, bytes]:
    """Send the request target exactly as given; (status, whole response)."""
    host, port = address.split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n".encode("latin-1"))
        response = b""
        while chunk := sock.recv(65536):
            response += chunk
    status = int(response.split(b" ", 2)[1]) if response.startswith(b"HTTP/") else 400
    return status, response


@pytest.mark.parametrize("prefix", ["/api/documents/", "/documents/"])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_path_reaches_outside_the_corpus(site: tuple[str, Path], prefix: str, payload: str) -> None:
    address, secret = site
    target = prefix + payload.replace("{secret}", str(secret))
    for suffix in ("", "?start=0&end=10"):
        status, response = raw_get(address, target + suffix)
        assert status in (400, 404, 422), (target, status, response[:300])
        assert MARKER.encode() not in response and b"root:x:0:0" not in response


def test_the_symlink_out_of_the_corpus_was_never_indexed(site: tuple[str, Path]) -> None:
    address, _ = site
    base = f"http://{address}"
    ids = [d["id"] for d in httpx.get(f"{base}/api/documents", timeout=30).json()["documents"]]
    assert ids == ["mieux-asia-labour-migration-and-thb.txt"]
    found = httpx.get(f"{base}/api/search", params={"q": f"{MARKER} salaries passwords", "k": 50}, timeout=30)
    assert not [p for p in found.json()["passages"] if MARKER in p["text"]]
