"""Search keys, the admin key, and signed source-view links."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from indexer import SentenceTransformerEmbedder
from server.app import create_app
from server.security import LINK_LIFETIME, link_signature
from server.settings import Settings
from tests.support.admin import wait_for_build

SEARCH_KEY = "search-key-0123456789"
OTHER_SEARCH_KEY = "second-search-key-abcdef"
ADMIN_KEY = "admin-key-9876543210"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def keyed(settings: Settings, embedder: SentenceTransformerEmbedder) -> Iterator[TestClient]:
    keyed = settings.model_copy(update={"search_keys": f"{SEARCH_KEY}, {OTHER_SEARCH_KEY}", "admin_key": ADMIN_KEY})
    with TestClient(create_app(keyed, embedder=embedder)) as client:
        yield client


SEARCH_ROUTES = [
    ("GET", "/api/search?q=remittances"),
    ("POST", "/api/ask"),
    ("GET", "/api/documents"),
    ("GET", "/api/documents/mieux-asia-labour-migration-and-thb.txt"),
    ("GET", "/api/index"),
    ("GET", "/documents/mieux-asia-labour-migration-and-thb.txt"),
]


def _call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> int:
    if method == "POST":
        return client.post(path, json={"question": "remittances"}, headers=headers).status_code
    return client.get(path, headers=headers).status_code


@pytest.mark.parametrize(("method", "path"), SEARCH_ROUTES)
def test_search_routes_need_a_search_or_admin_key(keyed: TestClient, method: str, path: str) -> None:
    assert _call(keyed, method, path, {}) == 401
    assert _call(keyed, method, path, bearer("wrong-key-000000000")) == 401
    assert _call(keyed, method, path, bearer(SEARCH_KEY)) == 200
    assert _call(keyed, method, path, bearer(OTHER_SEARCH_KEY)) == 200
    assert _call(keyed, method, path, bearer(ADMIN_KEY)) == 200


def test_a_missing_key_says_how_to_send_one(keyed: TestClient) -> None:
    r = keyed.get("/api/search", params={"q": "remittances"})
    assert "requires a search key" in r.json()["detail"] and r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("path", ["/api/health", "/api/ready", "/widget.js", "/", "/docs", "/openapi.json"])
def test_public_routes_stay_open(keyed: TestClient, path: str) -> None:
    assert keyed.get(path).status_code == 200


def test_a_search_key_never_reaches_admin_endpoints(keyed: TestClient) -> None:
    r = keyed.post("/api/admin/reindex", headers=bearer(SEARCH_KEY))
    assert r.status_code == 403 and "search key cannot use admin endpoints" in r.json()["detail"]
    assert keyed.post("/api/admin/reindex", headers=bearer("wrong-key-000000000")).status_code == 401


def test_admin_key_starts_builds(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> None:
    from indexer import build_index
    from tests.support.data import CORPUS

    build_index(CORPUS, tmp_path / "index", embedder)
    settings = Settings(corpus_dir=CORPUS, index_dir=tmp_path / "index", admin_key=ADMIN_KEY, search_keys=SEARCH_KEY)
    with TestClient(create_app(settings, embedder=embedder)) as client:
        assert client.post("/api/admin/reindex", headers=bearer(ADMIN_KEY)).status_code == 202
        client.headers.update(bearer(SEARCH_KEY))  # GET /api/index is a search route
        assert wait_for_build(client)["last_build"]["state"] == "succeeded"


def test_answers_carry_signed_source_links_that_open_without_a_key(keyed: TestClient) -> None:
    passage = keyed.get("/api/search", params={"q": "remittances Kyrgyzstan"}, headers=bearer(SEARCH_KEY)).json()[
        "passages"
    ][0]
    url = passage["citation"]["url"]
    assert re.search(r"&exp=\d+&sig=[0-9a-f]{32}$", url)
    page = keyed.get(url)  # a browser following the link sends no key
    assert page.status_code == 200 and '<mark id="cited">' in page.text
    start = passage["citation"]["start"]
    tampered = url.replace(f"start={start}", f"start={start + 1}")
    assert keyed.get(tampered).status_code == 401
    other_doc = url.replace("/documents/mieux", "/documents/other")
    assert keyed.get(other_doc).status_code == 401


REPORT_ID = "mieux-asia-labour-migration-and-thb.txt"


def _served_hash(client: TestClient, document: str) -> str:
    documents = client.get("/api/documents", headers=bearer(SEARCH_KEY)).json()["documents"]
    return str(next(d["content_hash"] for d in documents if d["id"] == document))


def test_expired_links_are_refused(keyed: TestClient) -> None:
    settings = keyed.app.state.settings  # type: ignore[attr-defined]
    content_hash = _served_hash(keyed, REPORT_ID)
    signature = link_signature(settings, REPORT_ID, content_hash, 0, 10, now=time.time() - LINK_LIFETIME - 5)
    r = keyed.get(f"/documents/{REPORT_ID}?start=0&end=10{signature}")
    assert r.status_code == 401 and "expired" in r.json()["detail"]


@pytest.mark.parametrize("sig", ["%C3%A9", "%E2%82%AC" * 10, "%00", "%FF"])
def test_a_non_ascii_signature_is_refused_not_a_500(keyed: TestClient, sig: str) -> None:
    r = keyed.get(f"/documents/x?exp={int(time.time()) + 60}&sig={sig}")
    assert r.status_code == 401 and r.json()["detail"]
    r = keyed.get(f"/documents/{REPORT_ID}?start=0&end=10&exp={int(time.time()) + 60}&sig={sig}")
    assert r.status_code == 401 and "signature is not valid" in r.json()["detail"]


def test_a_link_expiring_years_ahead_is_refused(keyed: TestClient) -> None:
    r = keyed.get("/documents/x?exp=99999999999&sig=%C3%A9")
    assert r.status_code == 401 and "further ahead than a link lives" in r.json()["detail"]
    settings = keyed.app.state.settings  # type: ignore[attr-defined]
    content_hash = _served_hash(keyed, REPORT_ID)
    far = link_signature(settings, REPORT_ID, content_hash, 0, 10, now=time.time() + 10 * 365 * 24 * 3600)
    r = keyed.get(f"/documents/{REPORT_ID}?start=0&end=10{far}")  # a valid signature, but a lifetime of years
    assert r.status_code == 401 and "further ahead" in r.json()["detail"]
    r = keyed.get(f"/documents/{REPORT_ID}?start=0&end=10&exp={'9' * 5000}&sig=abc")
    assert r.status_code == 422 and "exp" in r.json()["detail"]


def test_a_link_stops_working_when_its_document_is_replaced(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    from indexer import build_index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "policy.md").write_text("# Policy\n\nRemittances are sent home every month by migrant workers.\n")
    build_index(corpus, tmp_path / "index", embedder)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", search_keys=SEARCH_KEY)
    with TestClient(create_app(settings, embedder=embedder)) as client:
        hit = client.get("/api/search", params={"q": "remittances"}, headers=bearer(SEARCH_KEY)).json()["passages"][0]
        url = hit["citation"]["url"]
        assert client.get(url).status_code == 200
        # the same file name (so the same id) with other text, of the same length so the span still fits
        old = (corpus / "policy.md").read_text()
        (corpus / "policy.md").write_text(old.replace("Remittances", "Xemittances"))
        build_index(corpus, tmp_path / "index", embedder)
        client.app.state.engine.refresh()  # type: ignore[attr-defined]
        assert client.get("/api/documents/policy.md", headers=bearer(SEARCH_KEY)).status_code == 200
        r = client.get(url)
        assert r.status_code == 401 and "stale" in r.json()["detail"] and "search again" in r.json()["detail"]
        fresh = client.get("/api/search", params={"q": "remittances"}, headers=bearer(SEARCH_KEY)).json()
        assert client.get(fresh["passages"][0]["citation"]["url"]).status_code == 200


def test_links_are_unsigned_without_search_keys(client: TestClient) -> None:
    url = client.get("/api/search", params={"q": "remittances"}).json()["passages"][0]["citation"]["url"]
    assert "sig=" not in url


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"admin_key": "same-key-123456", "search_keys": "same-key-123456"}, "must differ"),
        ({"search_keys": "short"}, "at least 12 characters"),
        ({"admin_key": "has a space in it"}, "no spaces"),
    ],
)
def test_weak_or_shared_keys_are_refused(fields: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(**fields)
