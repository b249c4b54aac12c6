"""HTTP calls on a server under test: one request, polling until an answer, the generation it serves."""

from __future__ import annotations

import http.client
import json
import time
from pathlib import Path
from typing import Any

from bench.common.processes import Server, ServerError
from bench.common.servers import askreport_command


def call(
    url: str,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60.0,
) -> tuple[int, Any]:
    """One request on a fresh connection: status and the parsed JSON body (raw bytes if not JSON)."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=payload, headers={"content-type": "application/json", **(headers or {})})
        response = conn.getresponse()
        data = response.read()
    finally:
        conn.close()
    try:
        return response.status, json.loads(data)
    except ValueError:
        return response.status, data


def poll(server: Server, path: str, timeout: float = 300.0, want: int = 200) -> tuple[float, Any]:
    """Poll `path` every 10 ms until it answers `want`: seconds from spawning the server, and the body.

    Refused connections and other statuses (503 while loading) are retried; a dead server raises."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if server.process.poll() is not None:
            raise ServerError(f"server exited with status {server.process.returncode}:\n{server.log_tail()}")
        try:
            status, body = call(server.url, "GET", path, timeout=30)
        except OSError:
            time.sleep(0.01)
            continue
        if status == want:
            return time.perf_counter() - server.started, body
        time.sleep(0.05)
    raise ServerError(f"{server.url}{path} did not answer {want} within {timeout:.0f} s:\n{server.log_tail()}")


def serve_command(index: Path, port: int) -> list[str]:
    return [*askreport_command(), "serve", "--index", str(index), "--port", str(port)]


def current_generation(index: Path) -> str:
    return (index / "CURRENT").read_text(encoding="utf-8").strip()


def wait_until_served(server: Server, generation: str, timeout: float = 30.0) -> bool:
    """Whether /api/ready names `generation` within `timeout` seconds (the watcher's reload)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status, body = call(server.url, "GET", "/api/ready", timeout=30)
            if status == 200 and body.get("generation") == generation:
                return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def staging_dirs(index: Path) -> list[str]:
    base = index / "generations"
    return sorted(p.name for p in base.iterdir() if p.name.startswith(".staging-")) if base.is_dir() else []
