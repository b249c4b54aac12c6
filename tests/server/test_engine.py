"""The engine's generation watcher with real generations: any failed load is reported, none is fatal."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer import IndexCorruptError, SentenceTransformerEmbedder
from indexer.index.generations import point_current
from server.app import create_app
from server.engine import Engine
from server.settings import Settings
from tests.support.data import CORPUS
from tests.support.generations import BREAKERS, VECTORS, empty_vectors, good_broken_good, root_with


def _wait_for(condition: Callable[[], bool], timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@pytest.fixture()
def engine(embedder: SentenceTransformerEmbedder) -> Iterator[Callable[[Path], Engine]]:
    engines: list[Engine] = []

    def make(root: Path) -> Engine:
        engines.append(Engine(root, embedder, reload_interval=0.05))
        return engines[-1]

    yield make
    for e in engines:
        e.close()


def test_the_watcher_survives_every_failed_reload_and_follows_the_next_good_one(
    report_index: Path, tmp_path: Path, engine: Callable[[Path], Engine]
) -> None:
    root, good_a = good_broken_good(report_index, tmp_path / "index")
    e = engine(root)
    assert e.refresh() and e.loaded is not None and e.loaded.name == good_a
    e.start_watching()

    point_current(root, "broken-b")
    assert _wait_for(lambda: isinstance(e.load_error, IndexCorruptError)), e.load_error
    assert "vectors.npy cannot be read (EOFError" in str(e.load_error) and e.loaded.name == good_a
    point_current(root, "good-c")
    assert _wait_for(lambda: e.loaded is not None and e.loaded.name == "good-c"), e.load_error
    assert e.load_error is None

    (root / "CURRENT").write_bytes(b"\xff" + good_a.encode() + b"\n")  # not UTF-8, for a moment
    assert _wait_for(lambda: "CURRENT cannot be read" in str(e.load_error))
    (root / "CURRENT").unlink()
    (root / "CURRENT").mkdir()  # a directory
    assert _wait_for(lambda: "Is a directory" in str(e.load_error))
    (root / "CURRENT").rmdir()
    point_current(root, good_a)
    assert _wait_for(lambda: e.loaded is not None and e.loaded.name == good_a and e.load_error is None)


def test_a_generation_copied_under_another_name_is_loaded_once(
    report_index: Path, tmp_path: Path, engine: Callable[[Path], Engine], caplog: pytest.LogCaptureFixture
) -> None:
    root = root_with(report_index, tmp_path / "index", ["restored-copy"], {})
    e = engine(root)
    with caplog.at_level(logging.INFO, logger="server.engine"):
        swaps = [e.refresh() for _ in range(5)]
    assert swaps == [True, False, False, False, False]
    assert [r.getMessage() for r in caplog.records] == ["serving generation restored-copy (was none)"]
    assert e.loaded is not None and e.loaded.name == "restored-copy" and e.load_error is None


def test_a_broken_generation_is_logged_once_and_tried_again_after_a_back_off(
    report_index: Path, tmp_path: Path, engine: Callable[[Path], Engine], caplog: pytest.LogCaptureFixture
) -> None:
    root = root_with(report_index, tmp_path / "index", ["good"], {"broken": empty_vectors})
    point_current(root, "broken")
    e = engine(root)
    with caplog.at_level(logging.INFO, logger="server.engine"):
        assert not any(e.refresh() for _ in range(20))
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "vectors.npy cannot be read" in warnings[0], warnings
    with pytest.raises(IndexCorruptError, match="vectors.npy cannot be read"):
        e.generation()
    (root / "generations" / "broken" / VECTORS).write_bytes((root / "generations" / "good" / VECTORS).read_bytes())
    assert _wait_for(lambda: e.refresh() or e.loaded is not None, timeout=60)  # repaired in place, say
    assert e.loaded is not None and e.loaded.name == "broken" and e.load_error is None


def test_rolling_back_to_the_served_generation_clears_the_load_error(
    report_index: Path, tmp_path: Path, engine: Callable[[Path], Engine]
) -> None:
    root = root_with(report_index, tmp_path / "index", ["good"], {"broken": empty_vectors})
    e = engine(root)
    assert e.refresh()
    point_current(root, "broken")
    assert not e.refresh() and e.load_error is not None
    point_current(root, "good")
    assert not e.refresh() and e.load_error is None


def _gauge(client: TestClient) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith("askreport_index_load_failed "):
            return float(line.split()[1])
    raise AssertionError("no askreport_index_load_failed in /metrics")


def _app(root: Path, embedder: SentenceTransformerEmbedder) -> TestClient:
    settings = Settings(corpus_dir=CORPUS, index_dir=root, reload_interval=0.05)
    return TestClient(create_app(settings, embedder=embedder))


def _non_utf8_current(root: Path) -> None:
    (root / "CURRENT").write_bytes(b"\xff\xfe\n")


def _directory_current(root: Path) -> None:
    (root / "CURRENT").unlink()
    (root / "CURRENT").mkdir()


def _breaking_the_generation(breaker: Callable[[Path], None]) -> Callable[[Path], None]:
    return lambda root: breaker(root / "generations" / "good")


START_UP_BREAKAGES = {
    "CURRENT not UTF-8": _non_utf8_current,
    "CURRENT a directory": _directory_current,
    **{name: _breaking_the_generation(breaker) for name, breaker in BREAKERS.items()},
}


@pytest.mark.parametrize("breakage", list(START_UP_BREAKAGES))
def test_start_up_with_an_index_that_cannot_be_loaded_answers_503_with_the_reason(
    report_index: Path, tmp_path: Path, embedder: SentenceTransformerEmbedder, breakage: str
) -> None:
    root = root_with(report_index, tmp_path / "index", ["good"], {})
    START_UP_BREAKAGES[breakage](root)
    with _app(root, embedder) as client:
        assert client.get("/api/health").json()["index_loaded"] is False
        ready = client.get("/api/ready")
        assert ready.status_code == 503 and "run `askreport index" in ready.json()["detail"], ready.text
        assert client.get("/api/search", params={"q": "remittances", "mode": "dense"}).status_code == 503
        assert _gauge(client) == 1


def test_ready_and_the_gauge_report_a_newer_generation_that_failed_to_load(
    report_index: Path, tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    root, good_a = good_broken_good(report_index, tmp_path / "index")
    with _app(root, embedder) as client:
        ready = client.get("/api/ready").json()
        assert (ready["status"], ready["generation"], ready.get("load_error")) == ("ready", good_a, None)
        assert _gauge(client) == 0
        point_current(root, "broken-b")
        assert _wait_for(lambda: client.get("/api/ready").json()["status"] == "stale")
        ready = client.get("/api/ready")
        assert ready.status_code == 200 and ready.json()["generation"] == good_a
        assert "broken-b/vectors.npy cannot be read" in ready.json()["load_error"]
        assert _gauge(client) == 1
        search = client.get("/api/search", params={"q": "remittances Kyrgyzstan GDP", "mode": "hybrid"})
        assert search.status_code == 200 and search.json()["index"]["generation"] == good_a
        point_current(root, "good-c")
        assert _wait_for(lambda: client.get("/api/ready").json()["generation"] == "good-c")
        assert client.get("/api/ready").json()["status"] == "ready" and _gauge(client) == 0


def test_an_index_under_a_path_with_uri_characters_is_served(
    report_index: Path, tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    root = root_with(report_index, tmp_path / "odd #1? 100%" / "index", ["good"], {})
    with _app(root, embedder) as client:
        assert client.get("/api/ready").status_code == 200
        search = client.get("/api/search", params={"q": "remittances Kyrgyzstan GDP"})
        assert search.status_code == 200 and "30.4%" in search.json()["passages"][0]["text"]
