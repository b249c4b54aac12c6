"""Vector search structures: flat and HNSW against brute force, the type switch, memory mapping, old formats."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from indexer import (
    IndexCorruptError,
    IndexMismatchError,
    SearchMode,
    SentenceTransformerEmbedder,
    VectorIndexKind,
    build_index,
    open_current,
    search,
)
from indexer.index.generations import current_dir
from indexer.index.layout import GRAPH_FILE, MANIFEST_FILE, VECTORS_FILE
from indexer.index.vectors import (
    COPY_MAX_BYTES,
    FINITE_CHECK_ROWS,
    FLAT,
    FLAT_MAX_VECTORS,
    HNSW,
    VectorIndex,
    VectorIndexSpec,
    choose_index,
    read_vectors,
    write_vectors,
)
from tests.support.data import CORPUS
from tests.support.fakes import HashingEmbedder


def clustered(rows: int, dim: int = 48, seed: int = 0) -> np.ndarray:
    """Unit vectors around 40 random centres: neighbourhoods like embeddings have, unlike uniform noise."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((40, dim))
    points = centres[rng.integers(0, 40, rows)] + 0.6 * rng.standard_normal((rows, dim))
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


def brute_force(vectors: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    return np.argsort(-(vectors @ query), kind="stable")[:k]


def test_auto_is_flat_up_to_the_threshold_then_hnsw() -> None:
    assert choose_index(0) == choose_index(FLAT_MAX_VECTORS) == FLAT
    assert choose_index(FLAT_MAX_VECTORS + 1) == HNSW
    assert choose_index(FLAT_MAX_VECTORS + 1, "auto").kind == "hnsw"
    assert HNSW.describe().startswith(f"hnsw{HNSW.m},sq{HNSW.code_bits} (efConstruction=")
    assert FLAT.describe() == "flat (exact inner product)"


def test_a_forced_type_wins_whatever_the_size() -> None:
    assert choose_index(10, VectorIndexKind.HNSW) == HNSW
    assert choose_index(10 * FLAT_MAX_VECTORS, "flat") == FLAT


def test_an_unknown_type_is_refused_with_the_choices(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown vector index type 'ivf': use one of auto, flat, hnsw"):
        choose_index(10, "ivf")
    with pytest.raises(ValueError, match="unknown vector index type"):
        build_index(CORPUS, tmp_path / "index", HashingEmbedder(), vector_index="ivf")
    assert not (tmp_path / "index").exists()


def test_a_spec_with_unknown_parts_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown vector index kind 'ivf'"):
        VectorIndexSpec("ivf")
    with pytest.raises(ValueError, match="codes of 5 bits"):
        VectorIndexSpec("hnsw", 32, 40, 128, 5)


def test_flat_search_equals_numpy_brute_force(tmp_path: Path) -> None:
    data = clustered(3020)
    vectors, queries = data[:3000], data[3000:]
    write_vectors(tmp_path, vectors, FLAT)
    index = read_vectors(tmp_path, FLAT, vectors.shape[1])
    assert index.graph is None and sorted(p.name for p in tmp_path.iterdir()) == [VECTORS_FILE]
    for query in queries:
        scores, ids = index.search(query, 10)
        assert ids.tolist() == brute_force(vectors, query, 10).tolist()
        assert scores == pytest.approx(vectors[ids] @ query, abs=1e-5)


def test_hnsw_finds_the_exact_neighbours_and_scores_them_exactly(tmp_path: Path) -> None:
    data = clustered(6050)
    vectors, queries = data[:6000], data[6000:]  # held out, from the same clusters
    write_vectors(tmp_path, vectors, HNSW)
    index = read_vectors(tmp_path, HNSW, vectors.shape[1])
    assert index.graph is not None and index.graph.ntotal == len(vectors)
    assert index.graph.hnsw.efSearch == HNSW.ef_search
    found = 0
    for query in queries:
        scores, ids = index.search(query, 10)
        assert len(ids) == 10 and np.all(np.diff(scores) <= 0)
        assert scores == pytest.approx(vectors[ids] @ query, abs=1e-6)  # re-scored with the float32 rows
        found += len(set(ids.tolist()) & set(brute_force(vectors, query, 10).tolist()))
    assert found / (10 * len(queries)) >= 0.95


@pytest.mark.parametrize("spec", [FLAT, HNSW], ids=["flat", "hnsw"])
def test_k_beyond_the_count_returns_every_vector(tmp_path: Path, spec) -> None:
    vectors = clustered(30)
    write_vectors(tmp_path, vectors, spec)
    index = read_vectors(tmp_path, spec, vectors.shape[1])
    scores, ids = index.search(vectors[3], 100)
    assert sorted(ids.tolist()) == list(range(30)) and ids[0] == 3
    assert index.rows(np.array([4, 1])) == pytest.approx(vectors[[4, 1]])


def test_an_empty_index_returns_nothing(tmp_path: Path) -> None:
    write_vectors(tmp_path, np.zeros((0, 8), dtype=np.float32), FLAT)
    index = read_vectors(tmp_path, FLAT, 8)
    scores, ids = index.search(np.ones(8, dtype=np.float32), 5)
    assert index.ntotal == 0 and len(scores) == len(ids) == 0


def _mapped_files() -> str:
    maps = Path("/proc/self/maps")
    return maps.read_text() if maps.exists() else ""


def test_small_vectors_and_graph_are_copied_so_editing_the_files_cannot_touch_them(tmp_path: Path) -> None:
    vectors = clustered(2000)
    write_vectors(tmp_path, vectors, HNSW)
    index = read_vectors(tmp_path, HNSW, vectors.shape[1])
    assert not isinstance(index.exact, np.memmap) and not index.exact.flags.writeable
    mapped = _mapped_files()
    assert str(tmp_path / VECTORS_FILE) not in mapped and str(tmp_path / GRAPH_FILE) not in mapped
    for name in (VECTORS_FILE, GRAPH_FILE):  # a memory map of these would now fault with SIGBUS
        with open(tmp_path / name, "r+b") as fh:
            fh.truncate(0)
    scores, ids = index.search(vectors[5], 3)
    assert ids[0] == 5 and scores[0] == pytest.approx(1.0, abs=1e-5)


def test_vectors_and_graph_beyond_the_copy_limit_are_memory_mapped_read_only(tmp_path: Path) -> None:
    vectors = clustered(2000)
    write_vectors(tmp_path, vectors, HNSW)
    index = read_vectors(tmp_path, HNSW, vectors.shape[1], copy_max_bytes=0)
    assert isinstance(index.exact, np.memmap) and not index.exact.flags.writeable
    mapped = _mapped_files()
    if mapped:  # Linux: both files appear as mappings of this process
        assert str(tmp_path / VECTORS_FILE) in mapped and str(tmp_path / GRAPH_FILE) in mapped
    assert index.search(vectors[5], 1)[1][0] == 5


@pytest.mark.parametrize("copy_max_bytes", [COPY_MAX_BYTES, 0])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_vectors_that_are_not_finite_are_refused_with_the_row(tmp_path: Path, bad: float, copy_max_bytes: int) -> None:
    vectors = clustered(3 * FINITE_CHECK_ROWS // 2)
    vectors[FINITE_CHECK_ROWS + 7, 3] = bad  # in the second block the check reads
    np.save(tmp_path / VECTORS_FILE, vectors)
    with pytest.raises(IndexCorruptError, match=rf"row {FINITE_CHECK_ROWS + 7} holds a value that is not a finite"):
        read_vectors(tmp_path, FLAT, vectors.shape[1], copy_max_bytes)


def test_flat_search_leaves_out_the_ids_faiss_cannot_score(tmp_path: Path) -> None:
    vectors = clustered(10)
    vectors[[2, 6]] = np.nan  # FAISS answers id -1 for rows it cannot rank
    index = VectorIndex(vectors, None, FLAT)
    scores, ids = index.search(vectors[4], 10)
    assert sorted(ids.tolist()) == [0, 1, 3, 4, 5, 7, 8, 9] and ids[0] == 4
    assert np.isfinite(scores).all()


def test_a_graph_that_disagrees_with_the_vectors_is_refused(tmp_path: Path) -> None:
    write_vectors(tmp_path, clustered(40), HNSW)
    np.save(tmp_path / VECTORS_FILE, clustered(41))
    with pytest.raises(IndexCorruptError, match=r"holds 40 vectors but vectors.npy holds 41.*askreport index --full"):
        read_vectors(tmp_path, HNSW, 48)
    with pytest.raises(IndexCorruptError, match=r"expected float32 rows of dimension 32"):
        read_vectors(tmp_path, HNSW, 32)


def test_switching_to_hnsw_and_back_reuses_every_vector(
    report_index: Path, tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    root = tmp_path / "index"
    shutil.copytree(report_index, root)
    flat = open_current(root, embedder.name, embedder.dim)
    summary = build_index(CORPUS, root, embedder, vector_index="hnsw")
    assert (summary.embedded, summary.reused) == (0, summary.chunks)
    hnsw = open_current(root, embedder.name, embedder.dim)
    assert hnsw.manifest.vector_index == HNSW and hnsw.manifest.index_type == HNSW.describe()
    assert (hnsw.path / GRAPH_FILE).is_file()
    for query in ["remittances Kyrgyzstan GDP", "data collection in Lao PDR"]:
        expected = search(flat, embedder, query, 10, SearchMode.DENSE)
        got = search(hnsw, embedder, query, 10, SearchMode.DENSE)
        assert [h.chunk_id for h in got] == [h.chunk_id for h in expected]
        assert [h.score for h in got] == pytest.approx([h.score for h in expected], abs=1e-6)
    back = build_index(CORPUS, root, embedder)  # auto: this corpus is far below the threshold
    assert back.embedded == 0
    generation = open_current(root, embedder.name, embedder.dim)
    assert generation.manifest.vector_index == FLAT and not (generation.path / GRAPH_FILE).exists()
    for g in (flat, hnsw, generation):
        g.close()


def test_an_index_of_the_previous_format_is_refused_then_rebuilt(tmp_path: Path) -> None:
    root, fake = tmp_path / "index", HashingEmbedder()
    build_index(CORPUS, root, fake)
    manifest = current_dir(root) / MANIFEST_FILE
    data = json.loads(manifest.read_text())
    data.update(format_version=2, index_type="IDMap2,Flat(inner product)")
    del data["vector_index"]
    manifest.write_text(json.dumps(data))
    (current_dir(root) / VECTORS_FILE).rename(current_dir(root) / "vectors.faiss")
    with pytest.raises(
        IndexMismatchError, match=r"format version 2, this askreport reads version 4: run `askreport index`"
    ):
        open_current(root, fake.name, fake.dim)
    summary = build_index(CORPUS, root, fake)
    assert summary.full_reason is not None and "format version 2" in summary.full_reason
    assert summary.embedded == summary.chunks
    open_current(root, fake.name, fake.dim).close()


def test_a_missing_graph_file_is_refused(tmp_path: Path) -> None:
    root, fake = tmp_path / "index", HashingEmbedder()
    build_index(CORPUS, root, fake, vector_index="hnsw")
    (current_dir(root) / GRAPH_FILE).unlink()
    with pytest.raises(IndexCorruptError, match=r"has no vectors.hnsw: run `askreport index --full`"):
        open_current(root, fake.name, fake.dim)


def test_an_unchanged_rebuild_reuses_the_graph_and_a_changed_one_rebuilds_it(tmp_path: Path) -> None:
    corpus, root, fake = tmp_path / "corpus", tmp_path / "index", HashingEmbedder()
    shutil.copytree(CORPUS, corpus)
    build_index(corpus, root, fake, vector_index="hnsw")
    first = current_dir(root) / GRAPH_FILE
    build_index(corpus, root, fake, vector_index="hnsw")
    second = current_dir(root) / GRAPH_FILE
    assert first != second and first.samefile(second)  # hard-linked, not rebuilt
    (corpus / "extra.md").write_text("# Extra\n\nA new document about seasonal work permits.")
    build_index(corpus, root, fake, vector_index="hnsw")
    third = open_current(root, fake.name, fake.dim)
    assert not (third.path / GRAPH_FILE).samefile(second)
    assert third.vectors.graph is not None and third.vectors.graph.ntotal == third.manifest.chunk_count
    third.close()
