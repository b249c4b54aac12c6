"""The HTTP contract, in process, with the real model and index (lifespan runs)."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer import SentenceTransformerEmbedder, build_index
from server.app import create_app
from server.settings import Settings
from tests.support.data import CORPUS


def test_ask_returns_cited_passages(client: TestClient) -> None:
    r = client.post("/api/ask", json={"question": "remittances Kyrgyzstan GDP", "k": 3})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {
        "question",
        "query",
        "found",
        "confidence",
        "mode",
        "conversation_id",
        "passages",
        "index",
        "took_ms",
    }
    assert body["question"] == body["query"] == "remittances Kyrgyzstan GDP"
    assert body["found"] is True and body["mode"] == "hybrid"
    assert len(body["conversation_id"]) == 32
    assert len(body["passages"]) == 3
    first = body["passages"][0]
    assert first["rank"] == 1 and "30.4%" in first["text"]
    highlight = first["highlight"]
    assert "30.4%" in first["text"][highlight["start"] : highlight["end"]]
    citation = first["citation"]
    assert set(citation) == {"document", "title", "section", "page", "pdf_page", "start", "end", "url", "file_url"}
    assert citation["section"] == ["Asia", "Regional migration trends and challenges"]
    assert citation["page"] is None and citation["pdf_page"] is None
    assert citation["file_url"] == f"/documents/{citation['document']}/file"
    assert citation["url"] == f"/documents/{citation['document']}?start={citation['start']}&end={citation['end']}"
    text = client.get(f"/api/documents/{citation['document']}").json()["text"]
    for p in body["passages"]:
        assert text[p["citation"]["start"] : p["citation"]["end"]] == p["text"]
    assert set(body["index"]) == {"generation", "built_at"}
    assert body["took_ms"] >= 0


def test_search_matches_ask(client: TestClient) -> None:
    by_get = client.get("/api/search", params={"q": "Tajikistan roadmap on external labour migration", "k": 2}).json()
    by_post = client.post(
        "/api/ask", json={"question": "Tajikistan roadmap on external labour migration", "k": 2}
    ).json()
    assert by_get["passages"] == by_post["passages"]
    assert by_get["conversation_id"] is None
    assert "Tajikistan" in by_get["passages"][0]["citation"]["section"][-1]


def test_default_k_is_five(client: TestClient) -> None:
    assert len(client.get("/api/search", params={"q": "migration"}).json()["passages"]) == 5


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"question": ""}, "question"),
        ({"question": "   \n\t "}, "must not be empty or only whitespace"),
        ({"question": "x" * 1001}, "at most 1000 characters"),
        ({"question": "ok", "k": 0}, "k: Input should be greater than or equal to 1"),
        ({"question": "ok", "k": 51}, "k: Input should be less than or equal to 50"),
        ({"question": "ok", "k": "many"}, "k: Input should be a valid integer"),
        ({}, "question: Field required"),
    ],
)
def test_bad_ask_bodies_get_422_with_detail(client: TestClient, body: dict[str, object], fragment: str) -> None:
    r = client.post("/api/ask", json=body)
    assert r.status_code == 422
    assert fragment in r.json()["detail"]


def test_invalid_json_gets_422_with_detail(client: TestClient) -> None:
    r = client.post("/api/ask", content=b"{bad", headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert "not valid JSON" in r.json()["detail"]


@pytest.mark.parametrize(
    ("params", "fragment"),
    [({"q": " "}, "q: must not be empty"), ({"q": "a", "k": 99}, "k:"), ({}, "q: Field required")],
)
def test_bad_search_params_get_422(client: TestClient, params: dict[str, object], fragment: str) -> None:
    r = client.get("/api/search", params=params)
    assert r.status_code == 422
    assert fragment in r.json()["detail"]


@pytest.mark.parametrize("digits", [4301, 5000, 20_000])
def test_a_k_of_thousands_of_digits_gets_422_naming_k_and_its_bounds(client: TestClient, digits: int) -> None:
    big = "9" * digits
    body = client.post(
        "/api/ask", content=f'{{"question": "remittances", "k": {big}}}', headers={"content-type": "application/json"}
    )
    query = client.get("/api/search", params={"q": "remittances", "k": big})
    for r in (body, query):
        assert r.status_code == 422, r.text
        assert "k" in [e["field"] for e in r.json()["errors"]]
        assert "an integer from 1 to 50" in r.json()["detail"]


def test_documents_list_is_path_free(client: TestClient) -> None:
    body = client.get("/api/documents").json()
    (doc,) = body["documents"]
    assert doc["id"] == "mieux-asia-labour-migration-and-thb.txt"
    assert doc["chunks"] > 10 and doc["sections"] == 16
    assert "corpus" not in str(body) and "source" not in doc  # the id is the file name, never its place


def test_document_has_text_and_sections(client: TestClient) -> None:
    body = client.get("/api/documents/mieux-asia-labour-migration-and-thb.txt").json()
    assert body["text"].startswith("Asia\n\nThe search for better economic opportunities")
    assert body["sections"][1]["path"] == ["Asia", "Regional migration trends and challenges"]


@pytest.mark.parametrize("doc_id", ["nope", "..%2F..%2Fetc%2Fpasswd", "corpus%2Fmieux.txt"])
def test_unknown_document_is_404(client: TestClient, doc_id: str) -> None:
    for url in (f"/api/documents/{doc_id}", f"/documents/{doc_id}"):
        r = client.get(url)
        assert r.status_code == 404
        assert "detail" in r.json()


def test_source_page_highlights_the_span(client: TestClient) -> None:
    passage = client.get("/api/search", params={"q": "remittances Kyrgyzstan GDP", "k": 1}).json()["passages"][0]
    r = client.get(passage["citation"]["url"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert '<mark id="cited">Remittances sent by migrant workers' in r.text
    assert "scrollIntoView" in r.text
    assert "Cited from: Asia › Regional migration trends and challenges" in r.text


@pytest.mark.parametrize("query", ["start=10&end=5", "start=0&end=999999", "start=-1&end=4", "start=3"])
def test_source_page_rejects_bad_spans(client: TestClient, query: str) -> None:
    r = client.get(f"/documents/mieux-asia-labour-migration-and-thb.txt?{query}")
    assert r.status_code == 422
    assert r.json()["detail"]


def test_health_openapi_and_demo_page(client: TestClient) -> None:
    health = client.get("/api/health").json()
    assert health["status"] == "ok" and health["index_loaded"] is True
    schema = client.get("/openapi.json").json()
    assert {"/api/ask", "/api/search", "/api/documents", "/api/health"} <= set(schema["paths"])
    assert client.get("/docs").status_code == 200
    page = client.get("/")
    assert page.status_code == 200 and "<askreport-search" in page.text and "/widget.js" in page.text
    assert "innerHTML" not in page.text


def test_no_index_gives_503_then_picks_up_a_new_build(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> None:
    settings = Settings(corpus_dir=CORPUS, index_dir=tmp_path / "index")
    with TestClient(create_app(settings, embedder=embedder)) as c:
        r = c.post("/api/ask", json={"question": "remittances"})
        assert r.status_code == 503
        assert "run `askreport index`" in r.json()["detail"]
        assert c.get("/api/health").json()["index_loaded"] is False
        build_index(CORPUS, tmp_path / "index", embedder)
        assert c.post("/api/ask", json={"question": "remittances"}).status_code == 200


def test_index_built_with_another_model_gives_503(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> None:
    from tests.support.fakes import HashingEmbedder

    build_index(CORPUS, tmp_path / "index", HashingEmbedder())
    settings = Settings(corpus_dir=CORPUS, index_dir=tmp_path / "index")
    with TestClient(create_app(settings, embedder=embedder)) as c:
        r = c.get("/api/search", params={"q": "remittances"})
        assert r.status_code == 503
        assert "built with model hashing-test-embedder" in r.json()["detail"]


@pytest.mark.parametrize("question", ["Who won the football world cup in 2018?", "How do I bake sourdough bread?"])
def test_off_topic_question_is_not_found_but_still_gets_passages(client: TestClient, question: str) -> None:
    body = client.post("/api/ask", json={"question": question}).json()
    assert body["found"] is False and body["confidence"] < 0.25
    assert len(body["passages"]) == 5
