"""The data sets (synthetic clustered and uniform unit vectors, SciFact's real chunks) and their exact top-k."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np

DIM = 384

# The mixture (see `clustered`), fitted by hand so that at SciFact's size its statistics match SciFact's.
CLUSTER_SIZE = 10  # points per cluster, as chunks of one document or near-duplicate passages
TOPIC_SIZE = 1_000  # points per topic; clusters of one topic share a centre
TOPIC_WEIGHT = 0.6
NOISE = 0.9
SPECTRUM = 0.42  # per-direction scale i ** -SPECTRUM: a few dominant directions, a long tail
COMMON = 0.5  # length of the direction every embedding shares before normalising


def log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def unit(points: np.ndarray) -> np.ndarray:
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


def clustered(count: int, seed: int) -> np.ndarray:
    """`count` unit vectors from a two-level Gaussian mixture with an anisotropic spectrum.

    Topics (one per TOPIC_SIZE points) and clusters (one per CLUSTER_SIZE points, around a topic) scale with
    `count`, so a bigger set is a bigger collection of the same kind, not a denser cloud of the same points.
    """
    rng = np.random.default_rng(seed)
    scale = np.arange(1, DIM + 1, dtype=np.float32) ** -SPECTRUM
    scale /= np.linalg.norm(scale)
    rotation = np.linalg.qr(rng.standard_normal((DIM, DIM)))[0].astype(np.float32)
    common = rng.standard_normal(DIM).astype(np.float32)
    common *= COMMON / np.linalg.norm(common)
    topics = rng.standard_normal((max(1, count // TOPIC_SIZE), DIM), dtype=np.float32) * scale
    n_clusters = max(1, count // CLUSTER_SIZE)
    centres = TOPIC_WEIGHT * topics[rng.integers(0, len(topics), n_clusters)]
    centres += rng.standard_normal((n_clusters, DIM), dtype=np.float32) * scale
    out = np.empty((count, DIM), dtype=np.float32)
    for start in range(0, count, 100_000):
        rows = min(100_000, count - start)
        points = centres[rng.integers(0, n_clusters, rows)]
        points += NOISE * rng.standard_normal((rows, DIM), dtype=np.float32) * scale
        out[start : start + rows] = unit(points @ rotation.T + common)
    return out


def uniform(count: int, seed: int) -> np.ndarray:
    """Uniformly random unit vectors: no neighbourhood structure at all."""
    return unit(np.random.default_rng(seed).standard_normal((count, DIM), dtype=np.float32))


def real_set(args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray]:
    """SciFact's chunk vectors (from its index, built if missing) and its test queries embedded."""
    from indexer import SentenceTransformerEmbedder, build_index
    from indexer.evaluation.beir import write_beir_corpus
    from indexer.evaluation.questions import read_beir
    from indexer.index.generations import current_dir
    from indexer.index.layout import VECTORS_FILE

    embedder = SentenceTransformerEmbedder()
    corpus, queries, _ = read_beir(args.beir)
    index = args.real_work / "index"
    try:
        generation = current_dir(index)
    except Exception:  # noqa: BLE001 - no index yet, or an unreadable one: build it
        generation = None
    if generation is not None and (generation / VECTORS_FILE).is_file():
        vectors = np.load(generation / VECTORS_FILE)
    elif generation is not None and (generation / "vectors.faiss").is_file():  # index format 2
        import faiss

        old = faiss.read_index(str(generation / "vectors.faiss"))
        vectors = old.reconstruct_batch(np.arange(old.ntotal))
    else:
        log(f"building SciFact's index under {args.real_work} (about 8 minutes)")
        write_beir_corpus(corpus, args.real_work / "corpus")
        build_index(args.real_work / "corpus", index, embedder)
        vectors = np.load(current_dir(index) / VECTORS_FILE)
    return np.ascontiguousarray(vectors, dtype=np.float32), embedder.embed(list(queries.values()))


def data_sets(args: argparse.Namespace) -> Any:
    """(name, kind, vectors, queries) per set, generated one at a time to bound memory."""
    for kind, size in args.sets:
        if kind == "real":
            vectors, queries = real_set(args)
            yield "SciFact chunks, all-MiniLM-L6-v2 (real)", "real", vectors, queries
            continue
        log(f"generating {kind} {size:,}")
        data = {"clustered": clustered, "uniform": uniform}[kind](size + args.queries, args.seed)
        yield f"{kind} synthetic, {size:,}", kind, data[:size], data[size:]


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int = 10) -> np.ndarray:
    """The true top-k ids per query by brute force in numpy, in blocks of rows."""
    best_scores = np.full((len(queries), 0), -np.inf, dtype=np.float32)
    best_ids = np.zeros((len(queries), 0), dtype=np.int64)
    for start in range(0, len(vectors), 100_000):
        scores = queries @ vectors[start : start + 100_000].T
        top = np.argpartition(-scores, min(k, scores.shape[1] - 1), axis=1)[:, :k]
        best_scores = np.hstack([best_scores, np.take_along_axis(scores, top, axis=1)])
        best_ids = np.hstack([best_ids, top + start])
        keep = np.argsort(-best_scores, axis=1)[:, :k]
        best_scores, best_ids = np.take_along_axis(best_scores, keep, 1), np.take_along_axis(best_ids, keep, 1)
    return best_ids


def recall_at_10(found: Sequence[Sequence[int]], truth: np.ndarray) -> float:
    hits = sum(len(set(f[:10]) & set(t[:10].tolist())) for f, t in zip(found, truth, strict=True))
    return hits / (10 * len(truth))
