"""Request ids, JSON logs, /metrics and /api/ready."""

from __future__ import annotations

import json
import logging
import os
import queue
import re
import sys
import threading
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from indexer import SentenceTransformerEmbedder
from server.app import create_app
from server.logs import DroppingQueueHandler
from server.observability import JsonFormatter
from server.settings import Settings
from tests.support.admin import bearer, wait_for_build
from tests.support.data import ADMIN_KEY as KEY
from tests.support.data import CORPUS
from tests.support.processes import free_port, running


def test_request_id_is_echoed_or_made(client: TestClient) -> None:
    assert client.get("/api/health", headers={"X-Request-ID": "trace-42.a_b"}).headers["x-request-id"] == "trace-42.a_b"
    for unsafe in ("two words", "x" * 65, "<script>", "id;drop"):
        made = client.get("/api/health", headers={"X-Request-ID": unsafe})
        assert made.headers["x-request-id"] != unsafe and len(made.headers["x-request-id"]) == 32
    assert len(client.get("/api/health").headers["x-request-id"]) == 32
    assert client.get("/no/such/route").headers["x-request-id"]


def _metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        metric, _, value = line.rpartition(" ")
        if metric == (f"{name}{{{wanted}}}" if labels else name):
            return float(value)
    return 0.0


def test_metrics_count_requests_by_route_and_status(client: TestClient) -> None:
    before = client.get("/metrics").text
    client.get("/api/search", params={"q": "remittances in Tajikistan"})
    client.get("/api/documents/no-such-document")
    client.post("/api/ask", json={"question": ""})
    after = client.get("/metrics")
    assert after.headers["content-type"].startswith("text/plain")
    text = after.text

    def grew(route: str, method: str, status: str) -> float:
        labels = {"route": route, "method": method, "status": status}
        return _metric(text, "askreport_requests_total", **labels) - _metric(
            before, "askreport_requests_total", **labels
        )

    assert grew("/api/search", "GET", "200") == 1
    assert grew("/api/documents/{document_id}", "GET", "404") == 1  # the route template, not the raw path
    assert grew("/api/ask", "POST", "422") == 1
    assert _metric(text, "askreport_request_duration_seconds_count", route="/api/search", method="GET") >= 1
    generation = client.get("/api/health").json()["generation"]
    assert _metric(text, "askreport_index_generation_info", generation=generation) == 1
    assert _metric(text, "askreport_index_chunks") > 0
    assert _metric(text, "askreport_model_calls_total", requests_in_call="1") >= 1
    assert "no-such-document" not in text and "Tajikistan" not in text


def test_build_outcomes_and_durations_are_metered(live: tuple[TestClient, Path]) -> None:  # noqa: F811
    client, _ = live
    assert client.post("/api/admin/reindex", headers=bearer(KEY)).status_code == 202
    wait_for_build(client)
    text = client.get("/metrics").text
    assert _metric(text, "askreport_builds_total", outcome="succeeded") == 1
    assert _metric(text, "askreport_build_duration_seconds_count", outcome="succeeded") == 1


def test_ready_is_503_until_an_index_is_loaded(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> None:
    settings = Settings(corpus_dir=CORPUS, index_dir=tmp_path / "index")
    with TestClient(create_app(settings, embedder=embedder)) as c:
        assert c.get("/api/health").status_code == 200  # alive
        r = c.get("/api/ready")
        assert r.status_code == 503 and "askreport index" in r.json()["detail"]


def test_json_formatter_writes_one_object_with_the_fields() -> None:
    record = logging.LogRecord("askreport.requests", logging.INFO, __file__, 1, "request", None, None)
    record.request_id, record.status = "abc", 200
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "request" and line["request_id"] == "abc" and line["status"] == 200
    assert line["level"] == "info" and line["logger"] == "askreport.requests"


@pytest.mark.slow
def test_served_requests_log_json_lines_without_keys_or_questions(report_index: Path, tmp_path: Path) -> None:
    port, log = free_port(), tmp_path / "server.log"
    env = {**os.environ, "ASKREPORT_ADMIN_KEY": "k3y-never-logged"}
    command = [sys.executable, "-m", "server", "serve", "--port", str(port), "--index", str(report_index)]
    base = f"http://127.0.0.1:{port}"
    with running(command, env, f"{base}/api/health", log=log):
        r = httpx.get(
            f"{base}/api/search",
            params={"q": "secret question about Tajikistan"},
            headers={"X-Request-ID": "req-777", "Authorization": "Bearer k3y-never-logged"},
            timeout=30,
        )
        assert r.headers["x-request-id"] == "req-777"
        httpx.post(f"{base}/api/admin/reindex", headers={"Authorization": "Bearer k3y-never-logged"}, timeout=30)
    output = log.read_text()  # all of it: the server has stopped (SIGTERM)
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert lines, output[-2000:]
    request = next(line for line in lines if line.get("request_id") == "req-777")
    assert request["route"] == "/api/search" and request["status"] == 200 and request["ms"] > 0
    assert "k3y-never-logged" not in output and "secret question" not in output
    assert not [line for line in output.splitlines() if line.strip() and not line.startswith("{")], "only JSON lines"


def _label_values(text: str, label: str) -> set[str]:
    return set(re.findall(rf'{label}="([^"]*)"', text))


def test_made_up_methods_and_paths_do_not_grow_the_metrics(client: TestClient) -> None:
    client.get("/api/health")
    before = len(client.get("/metrics").content)
    for i in range(2000):
        client.request(f"M{i}X", "/api/health")
        client.request("GET", f"/no/such/path/{i}")
    text = client.get("/metrics").text
    assert _label_values(text, "method") <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}
    assert _metric(text, "askreport_requests_total", route="/api/health", method="other", status="405") >= 2000
    assert "M7X" not in text and "/no/such/path" not in text
    assert _metric(text, "askreport_requests_total", route="unmatched", method="GET", status="404") >= 2000
    assert len(text.encode()) < before + 20_000, "4,000 odd requests added at most a few series"


def test_a_stalled_log_pipe_does_not_stop_the_server(report_index: Path) -> None:
    """stdout/stderr are a pipe this test never reads: once it and the log queue are full, log lines are
    dropped and counted, not waited on."""
    port = free_port()
    command = [sys.executable, "-m", "server", "serve", "--port", str(port), "--index", str(report_index)]
    env = {**os.environ, "ASKREPORT_LOG_QUEUE_SIZE": "100"}
    base = f"http://127.0.0.1:{port}"
    with running(command, env, f"{base}/api/health"):  # its output goes to a pipe nobody reads
        # generous: the timeout catches a server that waits on its log pipe for ever, not a slow machine
        with httpx.Client(base_url=base, timeout=20) as http:
            for i in range(1500):  # ~250 bytes of log each: several times what a 64 KB pipe and the queue hold
                try:
                    assert http.get("/api/health").status_code == 200
                except httpx.TimeoutException:
                    pytest.fail(f"request {i} got no answer within 20 s: the server waits on its log pipe")
            assert _metric(http.get("/metrics").text, "askreport_log_records_dropped_total") > 0


def test_a_full_log_queue_drops_and_counts_instead_of_waiting() -> None:
    records: queue.Queue[logging.LogRecord] = queue.Queue(2)
    handler = DroppingQueueHandler(records)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("askreport.test-dropping")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        # in a thread, so that a handler waiting for room fails the test instead of hanging it
        writer = threading.Thread(target=lambda: [logger.warning("line %d", i) for i in range(5)], daemon=True)
        writer.start()
        writer.join(20)
        assert not writer.is_alive(), "logging to a full queue waits instead of dropping"
    finally:
        logger.removeHandler(handler)
    assert handler.dropped == 3 and records.qsize() == 2
    assert json.loads(records.get_nowait().getMessage())["message"] == "line 0"
