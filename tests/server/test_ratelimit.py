"""Rate limits per key, else per address: token buckets, 429 with Retry-After."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from indexer import SentenceTransformerEmbedder
from server.app import create_app
from server.ratelimit import RateLimiter
from server.settings import Settings
from tests.support.processes import free_port, running

KEY_A = "search-key-aaaaaaaaaaaa"
KEY_B = "search-key-bbbbbbbbbbbb"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_bursts_then_the_sustained_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=2, burst=3, clock=clock)
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a") == pytest.approx(0.5)  # half a second until the next token
    assert limiter.take("b") == 0.0  # another identity has its own bucket
    clock.now += 0.5
    assert limiter.take("a") == 0.0
    assert limiter.take("a") > 0
    clock.now += 100  # refills up to the burst, no further
    assert [limiter.take("a") for _ in range(4)].count(0.0) == 3


def test_the_table_of_identities_is_bounded() -> None:
    limiter = RateLimiter(rate=1, burst=1, max_identities=2, clock=Clock())
    for who in ("a", "b", "c"):
        limiter.take(who)
    assert limiter.take("a") == 0.0  # "a" was dropped as the least recently seen: a fresh bucket


@pytest.fixture()
def limited(settings: Settings, embedder: SentenceTransformerEmbedder) -> Iterator[Settings]:
    yield settings.model_copy(update={"rate_limit": 0.5, "rate_burst": 3, "search_keys": f"{KEY_A},{KEY_B}"})


def test_429_with_retry_after_per_key(limited: Settings, embedder: SentenceTransformerEmbedder) -> None:
    with TestClient(create_app(limited, embedder=embedder)) as client:
        a = {"Authorization": f"Bearer {KEY_A}"}
        codes = [client.get("/api/search", params={"q": "remittances"}, headers=a).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        refused = client.get("/api/search", params={"q": "remittances"}, headers=a)
        assert refused.status_code == 429 and refused.headers["retry-after"] in ("1", "2")
        assert "at most 0.5 per second (bursts of 3)" in refused.json()["detail"]
        b = {"Authorization": f"Bearer {KEY_B}"}
        assert client.get("/api/search", params={"q": "remittances"}, headers=b).status_code == 200
        assert client.get("/api/health").status_code == 200  # health checks are never limited


def test_wrong_keys_are_limited_per_address(limited: Settings, embedder: SentenceTransformerEmbedder) -> None:
    with TestClient(create_app(limited, embedder=embedder)) as client:
        wrong = {"Authorization": "Bearer guessing-000000000"}
        codes = [client.get("/api/documents", headers=wrong).status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]  # guessing keys is throttled too


def test_loopback_is_exempt_only_when_the_setting_says_so(
    limited: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    open_search = limited.model_copy(update={"search_keys": ""})
    for exempt, expected in ((False, 429), (True, 200)):
        app = create_app(open_search.model_copy(update={"rate_limit_exempt_loopback": exempt}), embedder=embedder)
        with TestClient(app, client=("127.0.0.1", 50000)) as client:
            codes = [client.get("/api/search", params={"q": "remittances"}).status_code for _ in range(5)]
        assert codes[-1] == expected
    app = create_app(open_search.model_copy(update={"rate_limit_exempt_loopback": True}), embedder=embedder)
    with TestClient(app, client=("10.1.2.3", 50000)) as client:  # other addresses are still limited
        codes = [client.get("/api/search", params={"q": "remittances"}).status_code for _ in range(5)]
    assert codes[-1] == 429


@pytest.mark.slow
def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_bucket(report_index: Path) -> None:
    port = free_port()
    env = {**os.environ, "ASKREPORT_RATE_LIMIT": "0.1", "ASKREPORT_RATE_BURST": "1"}
    command = [sys.executable, "-m", "server", "serve", "--port", str(port), "--index", str(report_index)]
    base = f"http://127.0.0.1:{port}"
    with running(command, env, f"{base}/api/health"):

        def search(client_address: str) -> int:
            headers = {"X-Forwarded-For": client_address}
            return httpx.get(f"{base}/api/search", params={"q": "remittances"}, headers=headers, timeout=30).status_code

        assert [search("10.0.0.1"), search("10.0.0.1")] == [200, 429]
        assert search("10.0.0.2") == 200  # the proxy (127.0.0.1) is trusted: the forwarded address counts
