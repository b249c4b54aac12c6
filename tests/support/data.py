"""What the tests share that is not a fixture: where the shipped data lies, and the admin key of the `live` app."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "corpus"
REPORT = CORPUS / "mieux-asia-labour-migration-and-thb.txt"
DEV_SET = REPO / "tests" / "data" / "dev-questions.jsonl"
REALDOCS = REPO.parent / "shared" / "realdocs"  # 17 real reports with printed titles and page labels
ADMIN_KEY = "s3cret-admin-key"


def realdocs_structure() -> dict[str, Any]:
    """`../shared/realdocs/structure.json`; a test needing it is skipped where the set is absent, except
    under CI (`CI` set), where the set must be there and its absence fails the test."""
    path = REALDOCS / "structure.json"
    if not path.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: CI must run with ../shared beside the clone")
        pytest.skip(f"{path} is not there")
    given: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return given
