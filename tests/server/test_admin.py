"""Server-side rebuilds: admin key, 202 + build id, one build at a time, /api/index."""

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer import SentenceTransformerEmbedder
from server.app import create_app
from server.settings import Settings
from tests.support.admin import bearer, wait_for_build
from tests.support.data import CORPUS, REPORT


def test_admin_is_disabled_without_a_key(settings: Settings, embedder: SentenceTransformerEmbedder) -> None:
    with TestClient(create_app(settings, embedder=embedder)) as client:
        r = client.post("/api/admin/reindex", headers=bearer("anything"))
    assert r.status_code == 403
    assert "set ASKREPORT_ADMIN_KEY" in r.json()["detail"]


@pytest.mark.parametrize("headers", [{}, bearer("wrong"), {"Authorization": "Basic abc"}])
def test_wrong_or_missing_key_is_401(live: tuple[TestClient, Path], headers: dict[str, str]) -> None:
    client, _ = live
    r = client.post("/api/admin/reindex", headers=headers)
    assert r.status_code == 401 and "admin key" in r.json()["detail"]
    assert client.get("/api/index").json()["last_build"] is None


def test_reindex_publishes_and_the_server_swaps(live: tuple[TestClient, Path]) -> None:
    client, corpus = live
    before = client.get("/api/search", params={"q": "hotline for migrants"}).json()["index"]["generation"]
    (corpus / "hotline.md").write_text("# Hotline\n\nA telephone hotline for migrants opened in Bishkek in 2024.")
    r = client.post("/api/admin/reindex", headers=bearer())
    assert r.status_code == 202
    body = r.json()
    assert body["state"] == "running" and body["status_url"] == "/api/index" and body["build_id"]
    status = wait_for_build(client)
    build = status["last_build"]
    assert build["id"] == body["build_id"] and build["state"] == "succeeded", build
    assert build["embedded"] == 1 and build["reused"] == build["chunks"] - 1
    assert status["current"]["generation"] == build["generation"] != before
    assert {d["id"] for d in status["current"]["per_document"]} == {
        "hotline.md",
        "mieux-asia-labour-migration-and-thb.txt",
    }
    answer = client.get("/api/search", params={"q": "hotline for migrants", "k": 1}).json()
    assert answer["index"]["generation"] == build["generation"]
    assert "Bishkek" in answer["passages"][0]["text"]


def test_second_reindex_while_running_is_409(live: tuple[TestClient, Path]) -> None:
    client, corpus = live
    for i in range(6):  # enough text that a full build takes a few seconds
        shutil.copy(REPORT, corpus / f"copy-{i}.txt")
    first = client.post("/api/admin/reindex", headers=bearer(), json={"full": True})
    second = client.post("/api/admin/reindex", headers=bearer())
    assert first.status_code == 202
    assert second.status_code == 409
    assert first.json()["build_id"] in second.json()["detail"]
    assert wait_for_build(client)["last_build"]["state"] == "succeeded"


def test_failed_build_is_reported_and_serving_continues(live: tuple[TestClient, Path]) -> None:
    client, corpus = live
    serving = client.get("/api/index").json()["current"]["generation"]
    shutil.rmtree(corpus)
    assert client.post("/api/admin/reindex", headers=bearer()).status_code == 202
    status = wait_for_build(client)
    assert status["last_build"]["state"] == "failed"
    assert "does not exist" in status["last_build"]["error"]
    assert status["current"]["generation"] == serving
    assert client.get("/api/search", params={"q": "remittances"}).status_code == 200


def test_index_status_without_an_index(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> None:
    settings = Settings(corpus_dir=CORPUS, index_dir=tmp_path / "none")
    with TestClient(create_app(settings, embedder=embedder)) as client:
        status = client.get("/api/index").json()
    assert status["current"] is None and status["kept_generations"] == []
    assert "run `askreport index`" in status["load_error"]


def test_reindex_while_another_process_builds_is_409(live: tuple[TestClient, Path]) -> None:
    from indexer import build_lock

    client, corpus = live
    index_dir = corpus.parent / "index"
    with build_lock(index_dir):  # as `askreport index` in another process would hold it
        r = client.post("/api/admin/reindex", headers=bearer())
    assert r.status_code == 409 and "another build is running" in r.json()["detail"]
