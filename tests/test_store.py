"""Index generations on disk: round trip, manifest, atomic publishing and refusal of bad indexes."""

import json
import shutil
from pathlib import Path

import pytest

from indexer import (
    EmptyCorpusError,
    IndexCorruptError,
    IndexMismatchError,
    IndexNotFoundError,
    build_index,
    current_dir,
    current_name,
    open_current,
)
from indexer.index import STORE_FILE
from indexer.manifest import MANIFEST_FILE, read_manifest
from indexer.vectors import FLAT, VECTORS_FILE, write_vectors
from tests.conftest import CORPUS
from tests.fakes import HashingEmbedder


@pytest.fixture()
def built(tmp_path: Path) -> tuple[Path, HashingEmbedder]:
    fake = HashingEmbedder()
    build_index(CORPUS, tmp_path / "index", fake)
    return tmp_path / "index", fake


def test_round_trip(built: tuple[Path, HashingEmbedder], report) -> None:
    root, fake = built
    generation = open_current(root, fake.name, fake.dim)
    manifest = generation.manifest
    assert generation.vectors.ntotal == manifest.chunk_count == generation.store.chunk_count() > 0
    chunks = generation.store.chunks(list(range(manifest.chunk_count)))
    for chunk_id, chunk in chunks.items():
        assert report.text[chunk.start : chunk.end] == chunk.text
        assert chunk.embed_text == fake.embedded[chunk_id]
    stored = generation.store.document(report.id)
    assert stored.text == report.text
    assert stored.sections == report.sections
    generation.close()


def test_manifest_records_the_build(built: tuple[Path, HashingEmbedder], report) -> None:
    root, fake = built
    data = json.loads((current_dir(root) / MANIFEST_FILE).read_text())
    assert data["format_version"] == 3
    assert data["model_name"] == fake.name and data["model_dim"] == fake.dim
    assert data["chunker"] == {"max_tokens": 256, "min_tokens": 64}
    assert data["counts"] == {"documents": 1, "chunks": data["chunk_count"], "skipped": 0}
    assert data["documents"][0]["content_hash"] == report.content_hash
    assert data["generation"] == current_name(root)
    assert data["built_at"].endswith("+00:00")


def test_a_new_build_switches_current_atomically(built: tuple[Path, HashingEmbedder]) -> None:
    root, fake = built
    first = current_name(root)
    build_index(CORPUS, root, fake)
    second = current_name(root)
    assert first != second
    assert (root / "generations" / first).is_dir()
    assert not [p for p in (root / "generations").iterdir() if p.name.startswith(".")]
    assert not (root / ".CURRENT.tmp").exists()


def test_model_mismatch_is_refused_with_a_fix(built: tuple[Path, HashingEmbedder]) -> None:
    root, _ = built
    with pytest.raises(IndexMismatchError, match=r"built with model hashing-test-embedder.*askreport index"):
        open_current(root, "all-MiniLM-L6-v2", 384)


def test_vector_count_mismatch_is_refused(built: tuple[Path, HashingEmbedder]) -> None:
    root, fake = built
    generation_dir = current_dir(root)
    import numpy as np

    write_vectors(generation_dir, np.eye(3, fake.dim, dtype=np.float32), FLAT)
    with pytest.raises(IndexCorruptError, match="3 vectors"):
        open_current(root, fake.name, fake.dim)


def test_missing_parts_are_refused(built: tuple[Path, HashingEmbedder]) -> None:
    root, fake = built
    (current_dir(root) / STORE_FILE).unlink()
    with pytest.raises(IndexCorruptError, match=r"no chunks.sqlite3.*askreport index --full"):
        open_current(root, fake.name, fake.dim)


def test_unknown_format_version_is_refused(built: tuple[Path, HashingEmbedder]) -> None:
    root, _ = built
    path = current_dir(root) / MANIFEST_FILE
    data = json.loads(path.read_text())
    data["format_version"] = 99
    path.write_text(json.dumps(data))
    with pytest.raises(IndexMismatchError, match="format version 99"):
        read_manifest(current_dir(root))


def test_no_index_says_to_run_index(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError, match="run `askreport index`"):
        open_current(tmp_path / "empty")


def test_dangling_current_is_refused(built: tuple[Path, HashingEmbedder]) -> None:
    root, fake = built
    shutil.rmtree(current_dir(root))
    with pytest.raises(IndexCorruptError, match="does not exist"):
        open_current(root, fake.name, fake.dim)


def test_empty_corpus_keeps_the_live_generation(built: tuple[Path, HashingEmbedder], tmp_path: Path) -> None:
    root, fake = built
    before = current_name(root)
    empty = tmp_path / "empty-corpus"
    empty.mkdir()
    (empty / "blank.txt").write_text("")
    with pytest.raises(EmptyCorpusError, match=r"blank.txt: the file is empty"):
        build_index(empty, root, fake)
    assert current_name(root) == before
    open_current(root, fake.name, fake.dim).close()


def test_skipped_files_are_recorded(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ok.md").write_text("# Ok\n\nFine text here.")
    (corpus / "bad.txt").write_bytes(b"\xff\xfe\x00\x01")
    summary = build_index(corpus, tmp_path / "index", HashingEmbedder())
    assert summary.documents == 1
    assert [s.path for s in summary.skipped] == ["bad.txt"]
    manifest = read_manifest(current_dir(tmp_path / "index"))
    assert [s.path for s in manifest.skipped] == ["bad.txt"]


@pytest.mark.parametrize("part", [VECTORS_FILE, STORE_FILE])
def test_damaged_files_are_refused_not_crashed(built: tuple[Path, HashingEmbedder], part: str) -> None:
    root, fake = built
    (current_dir(root) / part).write_bytes(b"garbage, not an index file" * 10)
    with pytest.raises(IndexCorruptError, match="cannot be read"):
        open_current(root, fake.name, fake.dim)
