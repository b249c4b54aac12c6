"""The app against its own OpenAPI schema: schemathesis, in-process, with the real model and the report's index.

Every operation of `/openapi.json` is fuzzed twice: on a server as it ships (no keys: search is open, admin is
off) and on one with a search key and an admin key, sending the key each operation needs. All of schemathesis's
checks run (no 5xx; documented status codes, content types, headers and bodies; schema-valid requests accepted
and schema-violating ones rejected; required auth enforced; unsupported methods answered with 405). Search
routes declare their key optional (open as shipped), so on the keyed server `test_auth.py` checks that it is
enforced. Generation is derandomized and keeps no example database, so CI runs the same requests every time.

Not in the schema, so not fuzzed here: the HTML pages (`/`, `/documents/{id}`, `/widget.js`, tested in
`test_pages.py`, `test_traversal.py`) and `/metrics` (`test_observability.py`).

Below the fuzz tests, each problem the fuzzer found is kept as a plain test with the concrete request.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from indexer import SentenceTransformerEmbedder
from server.app import create_app
from server.schemas import NOT_BLANK
from server.settings import Settings

ADMIN_KEY = "fuzz-admin-key-0123456789"
SEARCH_KEY = "fuzz-search-key-0123456789"
MAX_EXAMPLES = 250  # per operation and server, plus schemathesis's coverage cases; ~1.5 min for the file on 2 cores
# Negative cases schemathesis must see rejected: its defaults, plus 413 from the body size limit, which answers
# before validation when a schema-violating body is also over ASKREPORT_MAX_BODY_KB.
REJECTED = [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429]
# Schema-valid requests may still get 413: ASKREPORT_MAX_BODY_KB is the operator's to set (down to 1 KB), and at
# the default 64 KB a valid question with 20 history items of non-ASCII text can exceed it.
ACCEPTED = ["2xx", 401, 403, 404, 409, 413, 429]


def fuzz_config(operations: list[dict[str, object]] | None = None) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
            "checks": {
                "negative_data_rejection": {"expected-statuses": REJECTED},
                "positive_data_acceptance": {"expected-statuses": ACCEPTED},
            },
            "operations": operations or [],
        }
    )


def without_lifespan(app: ASGIApp) -> ASGIApp:
    """`app` for schemathesis's in-process client, its lifespan left to the TestClient that started it.

    An ASGI app that raises on the lifespan scope has no lifespan (the ASGI spec), so schemathesis sends the
    requests straight through and neither starts a second engine nor stops the fixture's.
    """

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            raise RuntimeError("this app's lifespan is run by the fixture's TestClient")
        await app(scope, receive, send)

    return asgi


def load_schema(config: schemathesis.Config) -> schemathesis.BaseSchema:
    # `/openapi.json` depends on the routes only, not on settings; this app never starts (no model, no index).
    # Loaded at import because `@schema.parametrize()` needs the operations at collection time, and
    # `schemathesis.pytest.from_fixture` fails under pytest 9 (it reads the removed `Node._nodeid`).
    return schemathesis.openapi.from_asgi("/openapi.json", without_lifespan(create_app()), config=config)


# As shipped, admin endpoints are off: 403 whatever the request, also without an Authorization header, where
# `missing_required_header` insists on 401. It stays on for the keyed server, which does answer 401.
open_schema = load_schema(
    fuzz_config([{"include-path": "/api/admin/reindex", "checks": {"missing_required_header": {"enabled": False}}}])
)
keyed_schema = load_schema(fuzz_config())


@dataclass(frozen=True)
class Server:
    """A started app: `client` for plain requests, `asgi` for schemathesis."""

    client: TestClient
    asgi: ASGIApp


@pytest.fixture(scope="module")
def open_server(settings: Settings, embedder: SentenceTransformerEmbedder) -> Iterator[Server]:
    with TestClient(create_app(settings, embedder=embedder)) as client:
        yield Server(client, without_lifespan(client.app))


@pytest.fixture(scope="module")
def keyed_server(
    settings: Settings,
    embedder: SentenceTransformerEmbedder,
    report_index: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    # POST /api/admin/reindex is fuzzed for real: every 202 starts a build, so it gets a copy of the index
    index = tmp_path_factory.mktemp("fuzz-index") / "index"
    shutil.copytree(report_index, index)
    keyed = settings.model_copy(update={"admin_key": ADMIN_KEY, "search_keys": SEARCH_KEY, "index_dir": index})
    with TestClient(create_app(keyed, embedder=embedder)) as client:
        yield Server(client, without_lifespan(client.app))


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@open_schema.parametrize()
def test_open_server(case: schemathesis.Case, open_server: Server) -> None:
    case.call_and_validate(app=open_server.asgi)


@keyed_schema.parametrize()
def test_keyed_server(case: schemathesis.Case, keyed_server: Server) -> None:
    key = ADMIN_KEY if case.path.startswith("/api/admin/") else SEARCH_KEY
    case.call_and_validate(app=keyed_server.asgi, headers=bearer(key))


# --- what the fuzzer found, one concrete request each ------------------------------------------------------


def assert_documented(response: Any, method: str, path: str) -> None:
    """A TestClient `response` is one the schema documents for the operation: status, content type, headers, body."""
    checks = schemathesis.checks
    case = open_schema[path][method].Case()
    case.validate_response(
        response,
        checks=[
            checks.status_code_conformance,
            checks.content_type_conformance,
            checks.response_headers_conformance,
            checks.response_schema_conformance,
        ],
    )


def operation(client: TestClient, method: str, path: str) -> dict[str, object]:
    spec: dict[str, object] = client.get("/openapi.json").json()["paths"][path][method.lower()]
    return spec


def test_validation_errors_have_their_documented_shape(open_server: Server) -> None:
    # documented as FastAPI's list of errors; sent as {"detail": "...", "errors": [...]}
    r = open_server.client.post("/api/ask", json=[None, None])
    assert r.status_code == 422
    assert r.json()["detail"].startswith("request body: Input should be a valid dictionary")
    assert_documented(r, "POST", "/api/ask")


def test_unknown_document_404_is_documented(open_server: Server) -> None:
    r = open_server.client.get("/api/documents/no-such-document")
    assert r.status_code == 404
    assert_documented(r, "GET", "/api/documents/{document_id}")


@pytest.mark.parametrize(
    ("method", "path", "url"),
    [
        ("GET", "/api/documents", "/api/documents"),
        ("GET", "/api/documents/{document_id}", "/api/documents/mieux-asia-labour-migration-and-thb.txt"),
        ("GET", "/api/search", "/api/search?q=remittances"),
        ("GET", "/api/index", "/api/index"),
    ],
)
def test_missing_search_key_401_is_documented(keyed_server: Server, method: str, path: str, url: str) -> None:
    r = keyed_server.client.request(method, url)
    assert r.status_code == 401
    assert_documented(r, method, path)


def test_search_routes_document_that_a_key_is_optional(open_server: Server) -> None:
    # the schema said every search route needs a bearer token; as shipped they are open
    r = open_server.client.get("/api/documents")
    assert r.status_code == 200
    assert {} in operation(open_server.client, "GET", "/api/documents")["security"]  # type: ignore[operator]
    assert {} not in operation(open_server.client, "POST", "/api/admin/reindex")["security"]  # type: ignore[operator]


def test_conversation_id_with_history_is_documented_as_invalid(open_server: Server) -> None:
    body = {"question": "0", "conversation_id": "0" * 32, "history": ["earlier"]}
    r = open_server.client.post("/api/ask", json=body)
    assert r.status_code == 422 and "either conversation_id or history" in r.json()["detail"]
    ask_request = open_server.client.get("/openapi.json").json()["components"]["schemas"]["AskRequest"]
    assert ask_request["not"]["required"] == ["conversation_id", "history"]


@pytest.mark.parametrize("k", ["5", True])
def test_ask_k_must_be_a_json_integer(open_server: Server, k: object) -> None:
    r = open_server.client.post("/api/ask", json={"question": "remittances", "k": k})
    assert r.status_code == 422 and r.json()["detail"] == "k: Input should be a valid integer"
    assert_documented(r, "POST", "/api/ask")


def test_ask_k_may_be_an_integral_float(open_server: Server) -> None:
    # 29.0 is an integer to JSON Schema, so it must not be refused while "29" is
    r = open_server.client.post("/api/ask", json={"question": "\u0094", "mode": "dense", "k": 29.0})
    assert r.status_code == 200 and len(r.json()["passages"]) == 29
    assert_documented(r, "POST", "/api/ask")


@pytest.mark.parametrize("full", [0, 1, "true"])
def test_reindex_full_must_be_a_boolean(keyed_server: Server, full: object) -> None:
    r = keyed_server.client.post("/api/admin/reindex", json={"full": full}, headers=bearer(ADMIN_KEY))
    assert r.status_code == 422 and r.json()["detail"] == "full: Input should be a valid boolean"
    assert_documented(r, "POST", "/api/admin/reindex")


@pytest.mark.parametrize(
    ("body", "reason"),
    [(b"\x95Pn\xe4\xe1JN\xe2\xb8", "not UTF-8"), (b"[" * 5000 + b"]" * 5000, "nested too deeply")],
)
def test_undecodable_body_is_invalid_json_422(open_server: Server, body: bytes, reason: str) -> None:
    # was FastAPI's bare 400 "There was an error parsing the body"
    r = open_server.client.post("/api/ask", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["detail"].startswith("the request body is not valid JSON") and reason in r.json()["detail"]
    assert_documented(r, "POST", "/api/ask")


@pytest.mark.parametrize("question", ["\x1c", "\u3000\x85 ", "\t\r\n\x0b\x0c"])
def test_whitespace_only_question_is_refused_and_the_schema_says_so(open_server: Server, question: str) -> None:
    r = open_server.client.post("/api/ask", json={"question": question})
    assert r.status_code == 422 and "only whitespace" in r.json()["detail"]
    ask_request = open_server.client.get("/openapi.json").json()["components"]["schemas"]["AskRequest"]
    assert ask_request["properties"]["question"]["pattern"] == NOT_BLANK


def test_the_question_pattern_is_what_python_calls_whitespace() -> None:
    pattern = re.compile(NOT_BLANK)
    assert all(bool(pattern.search(chr(c))) != chr(c).isspace() for c in range(0x110000))


def test_oversized_body_413_is_documented(open_server: Server) -> None:
    body = {"question": "q", "history": ["\u00e9" * 1000] * 20}  # valid, but 120 KB as escaped JSON
    r = open_server.client.post("/api/ask", content=json.dumps(body), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert_documented(r, "POST", "/api/ask")


def test_rate_limited_429_is_documented_with_retry_after(
    settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    limited = settings.model_copy(update={"rate_limit": 0.001, "rate_burst": 1})
    with TestClient(create_app(limited, embedder=embedder)) as client:
        assert client.get("/api/documents").status_code == 200
        r = client.get("/api/documents")
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert_documented(r, "GET", "/api/documents")
