"""What the tests share that is not a fixture: where the shipped data lies, and the admin key of the `live` app."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "corpus"
REPORT = CORPUS / "mieux-asia-labour-migration-and-thb.txt"
DEV_SET = REPO / "tests" / "data" / "dev-questions.jsonl"
REALDOCS = REPO.parent / "shared" / "realdocs"  # 17 real reports with printed titles and page labels
ADMIN_KEY = "s3cret-admin-key"
