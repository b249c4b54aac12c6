"""The vector half of an index generation: exact vectors on disk, and an HNSW graph over them when large.

Every generation keeps its chunks' float32 embeddings in `vectors.npy` (row i = chunk row id i). That file
is the source of truth: incremental builds copy reused vectors out of it, and every search scores its
candidates exactly against it. Up to `COPY_MAX_BYTES` it is read into memory when a generation is loaded:
a file changed or truncated in place afterwards cannot touch the loaded copy (a memory map of a truncated
file kills the process with SIGBUS). A larger file is memory-mapped, so server worker processes share one
copy in the page cache and a query reads only the rows it scores; that is safe only because published
generations are never edited. Loading refuses vectors that are not all finite (a NaN row makes FAISS
return id -1 and every search fail).

Up to `FLAT_MAX_VECTORS` vectors a search scans them all (exact, "flat"). Beyond that a build also writes
`vectors.hnsw`: a FAISS HNSW graph over 4-bit scalar-quantised copies of the vectors, which proposes
`max(k, ef_search)` candidates that are then re-scored exactly. That file follows the same rule: read
into memory up to `COPY_MAX_BYTES`, mapped by FAISS (`IO_FLAG_MMAP_IFC`) beyond. `python -m bench.scale` measured
the threshold and the parameters (docs/benchmarks.md, "Vector index types at scale").
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from indexer.errors import IndexCorruptError
from indexer.index.layout import GRAPH_FILE, VECTORS_FILE

if TYPE_CHECKING:
    import faiss  # loaded on first use: importing the library must not start OpenMP (see indexer.embedding.threads)

FLAT_MAX_VECTORS = 25_000  # an exact scan of 25k 384-d vectors: about 1.3 ms on one core (`python -m bench.scale`)
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 40
HNSW_EF_SEARCH = 256
HNSW_CODE_BITS = 4  # per dimension: 192 bytes a vector at 384-d; exact re-scoring makes up for the coarseness
# Up to this size a process keeps a private copy, safe from in-place edits: 43k vectors at 384-d (every flat
# index of the bundled model). Beyond, files are mapped and shared: a copy of 100k cost each worker 147 MB.
COPY_MAX_BYTES = 64 * 2**20
FINITE_CHECK_ROWS = 16_384  # rows checked at a time: a 6 MB temporary at 384-d, whatever the file size
_QUANTISERS = {4: "QT_4bit", 6: "QT_6bit", 8: "QT_8bit"}


class VectorIndexKind(StrEnum):
    """Which search structure a build writes; `auto` picks by the number of vectors."""

    AUTO = "auto"
    FLAT = "flat"
    HNSW = "hnsw"


@dataclass(frozen=True)
class VectorIndexSpec:
    """The search structure of a generation and its parameters, as recorded in the manifest."""

    kind: VectorIndexKind = VectorIndexKind.FLAT  # never AUTO; a manifest's plain string becomes the member
    m: int = 0
    ef_construction: int = 0
    ef_search: int = 0
    code_bits: int = 0

    def __post_init__(self) -> None:
        if self.kind not in (VectorIndexKind.FLAT, VectorIndexKind.HNSW):
            raise ValueError(f"unknown vector index kind {self.kind!r} (expected flat or hnsw)")
        object.__setattr__(self, "kind", VectorIndexKind(self.kind))
        if self.kind is VectorIndexKind.HNSW and self.code_bits not in _QUANTISERS:
            raise ValueError(f"HNSW codes of {self.code_bits} bits are not supported (expected 4, 6 or 8)")

    def describe(self) -> str:
        """A one-line description for `askreport info` and the manifest's `index_type`."""
        if self.kind is VectorIndexKind.HNSW:
            return (
                f"hnsw{self.m},sq{self.code_bits} (efConstruction={self.ef_construction}, efSearch={self.ef_search}; "
                "candidates re-scored with the exact vectors)"
            )
        return "flat (exact inner product)"


FLAT = VectorIndexSpec()
HNSW = VectorIndexSpec(VectorIndexKind.HNSW, HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH, HNSW_CODE_BITS)


def choose_index(count: int, kind: VectorIndexKind | str = VectorIndexKind.AUTO) -> VectorIndexSpec:
    """The search structure for `count` vectors: flat while a full scan is fast enough, else HNSW.

    Raises:
        ValueError: `kind` is not one of auto, flat, hnsw.
    """
    kind = index_kind(kind)
    if kind is VectorIndexKind.AUTO:
        kind = VectorIndexKind.FLAT if count <= FLAT_MAX_VECTORS else VectorIndexKind.HNSW
    return HNSW if kind is VectorIndexKind.HNSW else FLAT


def index_kind(kind: VectorIndexKind | str) -> VectorIndexKind:
    """`kind` as a VectorIndexKind; ValueError naming the choices if it is none of them."""
    try:
        return VectorIndexKind(kind)
    except ValueError:
        choices = ", ".join(k.value for k in VectorIndexKind)
        raise ValueError(f"unknown vector index type {kind!r}: use one of {choices}") from None


@dataclass(frozen=True)
class VectorIndex:
    """A generation's vectors: the exact rows (read-only) and, for HNSW, the graph that proposes candidates."""

    exact: np.ndarray
    graph: faiss.IndexHNSW | None
    spec: VectorIndexSpec

    @property
    def ntotal(self) -> int:
        return int(self.exact.shape[0])

    def rows(self, ids: np.ndarray) -> np.ndarray:
        """The exact vectors of these chunk rows, in the given order."""
        return np.asarray(self.exact[np.asarray(ids, dtype=np.int64)], dtype=np.float32)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The k rows nearest to one query vector: (exact inner products, row ids), best first."""
        import faiss

        k = min(k, self.ntotal)
        if k <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        q = np.ascontiguousarray(np.asarray(query, dtype=np.float32).reshape(1, -1))
        if self.graph is None:
            scores, ids = faiss.knn(q, self.exact, k, faiss.METRIC_INNER_PRODUCT)
            found = ids[0] >= 0  # FAISS pads with -1 when fewer than k rows have a comparable score
            return _best(ids[0][found], scores[0][found], k)
        _, found = self.graph.search(q, max(k, self.spec.ef_search))
        ids = np.unique(found[0][found[0] >= 0])  # sorted: the exact rows are read in file order
        return _best(ids, self.exact[ids] @ q[0], k)


def _best(ids: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best (score, id) pairs, ties broken by the lower id."""
    order = np.lexsort((ids, -scores))[:k]
    return np.asarray(scores[order], dtype=np.float32), np.asarray(ids[order], dtype=np.int64)


def build_graph(vectors: np.ndarray, spec: VectorIndexSpec) -> faiss.IndexHNSW:
    """The HNSW graph over scalar-quantised vectors whose ids are the row ids.

    L2 on unit vectors ranks like inner product, and HNSW's neighbour selection assumes a metric.
    """
    import faiss

    data = np.ascontiguousarray(vectors, dtype=np.float32)
    quantiser: Any = getattr(faiss.ScalarQuantizer, _QUANTISERS[spec.code_bits])  # the stub's type is wrong
    graph = faiss.IndexHNSWSQ(data.shape[1], quantiser, spec.m, faiss.METRIC_L2)
    graph.hnsw.efConstruction = spec.ef_construction
    graph.hnsw.efSearch = spec.ef_search
    graph.train(data)
    graph.add(data)
    return graph


def write_vectors(directory: Path, vectors: np.ndarray, spec: VectorIndexSpec, graph_from: Path | None = None) -> None:
    """Write the exact vectors and, for HNSW, the graph into a generation directory.

    `graph_from` is a graph file already built over these same vectors with the same spec (an unchanged
    rebuild): it is hard-linked, or copied, instead of spending minutes rebuilding it.
    """
    import faiss

    np.save(directory / VECTORS_FILE, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
    if spec.kind is not VectorIndexKind.HNSW:
        return
    if graph_from is not None:
        try:
            os.link(graph_from, directory / GRAPH_FILE)  # generations never change a file once written
        except OSError:
            shutil.copyfile(graph_from, directory / GRAPH_FILE)
        return
    faiss.write_index(build_graph(vectors, spec), str(directory / GRAPH_FILE))


def vector_files(spec: VectorIndexSpec) -> tuple[str, ...]:
    """The files a generation built with `spec` must hold."""
    return (VECTORS_FILE, GRAPH_FILE) if spec.kind is VectorIndexKind.HNSW else (VECTORS_FILE,)


def read_vectors(directory: Path, spec: VectorIndexSpec, dim: int, copy_max_bytes: int = COPY_MAX_BYTES) -> VectorIndex:
    """Load a generation's vectors (and graph) read-only; IndexCorruptError if they disagree or are not finite.

    Files up to `copy_max_bytes` are read into memory, larger ones memory-mapped (see the module's docstring).
    Raises OSError, EOFError or ValueError for an unreadable `.npy` and RuntimeError for a damaged graph file.
    """
    path = directory / VECTORS_FILE
    exact = _read_exact(path, copy_max_bytes)
    if exact.ndim != 2 or exact.shape[1] != dim or exact.dtype != np.float32:
        raise IndexCorruptError(
            f"{path} holds {exact.dtype} vectors of shape {exact.shape}, expected float32 "
            f"rows of dimension {dim}: run `askreport index --full` to rebuild the index"
        )
    _check_finite(exact, path)
    graph = None
    if spec.kind is VectorIndexKind.HNSW:
        graph = _read_graph(directory / GRAPH_FILE, spec, copy_max_bytes)
        if graph.ntotal != exact.shape[0]:
            raise IndexCorruptError(
                f"{directory / GRAPH_FILE} holds {graph.ntotal} vectors but {VECTORS_FILE} holds "
                f"{exact.shape[0]}: run `askreport index --full` to rebuild the index"
            )
    return VectorIndex(exact, graph, spec)


def _read_exact(path: Path, copy_max_bytes: int) -> np.ndarray:
    """The `.npy` rows: a read-only copy in memory up to `copy_max_bytes`, else a read-only memory map."""
    mapped = path.stat().st_size > copy_max_bytes
    exact = np.load(path, mmap_mode="r" if mapped else None, allow_pickle=False)
    if not isinstance(exact, np.ndarray):  # an .npz archive under the .npy name
        raise IndexCorruptError(f"{path} is not a .npy array: run `askreport index --full` to rebuild the index")
    exact.setflags(write=False)
    return exact


def _check_finite(exact: np.ndarray, path: Path) -> None:
    """IndexCorruptError naming the first row that holds a NaN or an infinity."""
    for start in range(0, exact.shape[0], FINITE_CHECK_ROWS):
        finite = np.isfinite(exact[start : start + FINITE_CHECK_ROWS])
        if not finite.all():
            row = start + int(np.flatnonzero(~finite.all(axis=1))[0])
            raise IndexCorruptError(
                f"{path} row {row} holds a value that is not a finite number (NaN or infinity): "
                "run `askreport index --full` to rebuild the index"
            )


def _read_graph(path: Path, spec: VectorIndexSpec, copy_max_bytes: int) -> faiss.IndexHNSW:
    """Read the graph file into memory up to `copy_max_bytes`, else map it read-only (shared page cache)."""
    import faiss

    flags = 0 if path.stat().st_size <= copy_max_bytes else faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY
    graph = faiss.read_index(str(path), flags)
    if not isinstance(graph, faiss.IndexHNSW):
        raise IndexCorruptError(f"{path} is not an HNSW index: run `askreport index --full` to rebuild the index")
    graph.hnsw.efSearch = spec.ef_search
    return graph
