"""Calling the admin API from a TestClient: the bearer header, and waiting for a server-side build."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from tests.support.data import ADMIN_KEY


def bearer(key: str = ADMIN_KEY) -> dict[str, str]:
    """The Authorization header that presents `key` (the tests' admin key by default)."""
    return {"Authorization": f"Bearer {key}"}


def wait_for_build(client: TestClient, timeout: float = 120) -> dict:
    """Poll /api/index until the last build is no longer running; its status, else an AssertionError."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get("/api/index").json()
        if status["last_build"] and status["last_build"]["state"] != "running":
            return status
        time.sleep(0.1)
    raise AssertionError("the build did not finish")
