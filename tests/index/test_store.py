"""Index generations on disk: round trip, manifest, atomic publishing and refusal of bad indexes."""

import json
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest

from indexer import (
    EmptyCorpusError,
    IndexCorruptError,
    IndexMismatchError,
    IndexNotFoundError,
    build_index,
    current_name,
    open_current,
)
from indexer.index.generations import current_dir
from indexer.index.layout import MANIFEST_FILE, STORE_FILE, VECTORS_FILE
from indexer.index.manifest import read_manifest
from indexer.index.vectors import FLAT, write_vectors
from tests.support.data import CORPUS
from tests.support.fakes import HashingEmbedder


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
    assert data["format_version"] == 4
    assert data["model_name"] == fake.name and data["model_dim"] == fake.dim
    assert data["chunker"] == {"max_tokens": 256, "min_tokens": 64}
    assert data["counts"] == {"documents": 1, "chunks": data["chunk_count"], "skipped": 0, "unreadable_pages": 0}
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
    (corpus / "bad.txt").write_bytes(b"caf\xe9, not UTF-8")
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


def test_an_empty_vectors_file_is_a_named_error(built: tuple[Path, HashingEmbedder]) -> None:
    root, fake = built
    (current_dir(root) / VECTORS_FILE).write_bytes(b"")  # np.load raises EOFError for it
    with pytest.raises(IndexCorruptError, match=r"vectors.npy cannot be read \(EOFError.*askreport index --full"):
        open_current(root, fake.name, fake.dim)


def test_nan_vectors_are_refused_at_load(built: tuple[Path, HashingEmbedder]) -> None:
    root, fake = built
    path = current_dir(root) / VECTORS_FILE
    vectors = np.load(path)
    vectors[1] = np.nan
    np.save(path, vectors)
    with pytest.raises(IndexCorruptError, match=r"vectors.npy row 1 holds a value that is not a finite number"):
        open_current(root, fake.name, fake.dim)


@pytest.mark.parametrize(
    ("delete", "message"),
    [
        ("DELETE FROM sections WHERE ordinal = 0", r"chunks name a section that does not exist"),
        ("DELETE FROM documents", r"chunks name a document that does not exist.*0 document rows, manifest lists 1"),
        ("UPDATE chunks SET id = id + 1 WHERE id = (SELECT max(id) FROM chunks)", r"chunk ids run from 0 to"),
    ],
)
def test_chunks_whose_links_do_not_resolve_are_refused_at_load(
    built: tuple[Path, HashingEmbedder], delete: str, message: str
) -> None:
    root, fake = built
    with closing(sqlite3.connect(current_dir(root) / STORE_FILE)) as con:
        con.execute(delete)
        con.commit()
    with pytest.raises(
        IndexCorruptError, match=rf"chunks.sqlite3 is inconsistent: .*{message}.*askreport index --full"
    ):
        open_current(root, fake.name, fake.dim)


def test_format_version_as_a_string_says_it_must_be_an_integer(built: tuple[Path, HashingEmbedder]) -> None:
    root, _ = built
    path = current_dir(root) / MANIFEST_FILE
    data = json.loads(path.read_text())
    data["format_version"] = "4"
    path.write_text(json.dumps(data))
    with pytest.raises(IndexCorruptError, match=r'format_version "4" \(str\); it must be the integer 4'):
        read_manifest(current_dir(root))


@pytest.mark.parametrize("name", ["a#b", "what?", "100%", "%41 x"])
def test_an_index_under_a_path_with_uri_characters_is_served(tmp_path: Path, name: str) -> None:
    fake = HashingEmbedder()
    root = tmp_path / name / "index"
    build_index(CORPUS, root, fake)
    generation = open_current(root, fake.name, fake.dim)
    try:
        assert generation.store.chunk_count() == generation.manifest.chunk_count > 0
        assert generation.store.document_ids()
    finally:
        generation.close()


def test_a_generation_copied_under_another_name_is_known_by_its_directory(built: tuple[Path, HashingEmbedder]) -> None:
    root, fake = built
    original = current_name(root)
    shutil.copytree(current_dir(root), root / "generations" / "copied-by-hand")
    (root / "CURRENT").write_text("copied-by-hand\n")
    generation = open_current(root, fake.name, fake.dim)
    try:
        assert generation.name == "copied-by-hand" and generation.manifest.generation == original
    finally:
        generation.close()
