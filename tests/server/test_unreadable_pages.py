"""A PDF with a page of unmapped glyphs is indexed, and the page is named: in the log, the manifest,
`GET /api/index` and `askreport info` (real reader, real model and index)."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer import SentenceTransformerEmbedder, build_index, open_current
from server.app import create_app
from server.settings import Settings
from tests.support import pdfs


def test_a_page_of_unmapped_glyphs_is_indexed_and_named_everywhere(
    tmp_path: Path, embedder: SentenceTransformerEmbedder, caplog: pytest.LogCaptureFixture
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "mixed.pdf").write_bytes(
        pdfs.with_unmapped_page(pdfs.two_columns(), "Wages of migrant workers rose by a third in 2019 and 2020.")
    )
    (corpus / "notes.txt").write_text("Remittances grew in 2017.", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        build_index(corpus, tmp_path / "index", embedder)
    assert "mixed.pdf: 1 pages are mostly unreadable (pages 2)" in caplog.text and "ocrmypdf" in caplog.text
    entries = {d.id: d for d in open_current(tmp_path / "index").manifest.documents}
    assert entries["mixed.pdf"].unreadable_pages == (2,) and entries["notes.txt"].unreadable_pages == ()
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    with TestClient(create_app(settings, embedder=embedder)) as client:
        served = client.get("/api/index").json()["current"]
    assert served["unreadable_pages"] == 1
    assert {d["id"]: d["unreadable_pages"] for d in served["per_document"]} == {"mixed.pdf": [2], "notes.txt": []}
    info = subprocess.run(
        [sys.executable, "-m", "server", "info", "--index", str(tmp_path / "index")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "mixed.pdf: " in info.stdout and "unreadable pages: 2" in info.stdout
