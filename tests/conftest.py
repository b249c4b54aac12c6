"""Shared fixtures: the real model, a real index of the report, and an app around it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer import Document, SentenceTransformerEmbedder, build_index, load_document, prefer_passive_openmp
from server.app import create_app
from server.settings import Settings
from tests.support.data import ADMIN_KEY, CORPUS, REPORT

prefer_passive_openmp()  # the test process is an entry point too: before any test loads torch or FAISS


@pytest.fixture(scope="session", autouse=True)
def _test_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep every app's conversation store out of the working tree; no rate limit unless a test sets one."""
    path = tmp_path_factory.mktemp("conversations") / "conversations.sqlite3"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ASKREPORT_CONVERSATIONS_DB", str(path))
        mp.setenv(
            "ASKREPORT_RATE_LIMIT", "0"
        )  # tests that hammer a server must not be throttled; test_ratelimit turns it on
        yield


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The real bundled all-MiniLM-L6-v2, loaded once per test session."""
    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def report() -> Document:
    return load_document(REPORT, CORPUS)


@pytest.fixture(scope="session")
def report_index(tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder) -> Path:
    """An index of the shipped corpus, built once with the real model."""
    root = tmp_path_factory.mktemp("report-index")
    build_index(CORPUS, root, embedder)
    return root


@pytest.fixture(scope="session")
def settings(report_index: Path) -> Settings:
    return Settings(corpus_dir=CORPUS, index_dir=report_index)


@pytest.fixture(scope="session")
def client(settings: Settings, embedder: SentenceTransformerEmbedder) -> Iterator[TestClient]:
    """A TestClient whose lifespan has loaded the real model and the report's index."""
    with TestClient(create_app(settings, embedder=embedder)) as c:
        yield c


@pytest.fixture()
def live(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> Iterator[tuple[TestClient, Path]]:
    """An app with the admin key on its own copy of the report (corpus and index), reloading every 0.1 s."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(REPORT, corpus)
    build_index(corpus, tmp_path / "index", embedder)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", admin_key=ADMIN_KEY, reload_interval=0.1)
    with TestClient(create_app(settings, embedder=embedder)) as client:
        yield client, corpus
