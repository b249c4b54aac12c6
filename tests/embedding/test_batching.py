"""Micro-batching and the query cache: every caller gets its own vectors, whatever the concurrency."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from fastapi.testclient import TestClient

from indexer import BatchingEmbedder, CachingEmbedder, SentenceTransformerEmbedder
from tests.support.fakes import HashingEmbedder

QUESTIONS = [
    "How much of Kyrgyzstan's GDP comes from remittances?",
    "What are LGUs, as mentioned in the Philippine coordination work?",
    "Which topics was the public information campaign designed with Kyrgyz authorities supposed to cover?",
    "What was the worldwide total of international migrants in 2017?",
    "In the Tajikistan Action, what were national authorities meant to become more efficient at?",
    "What does the table of MIEUX Actions in Asian countries summarise?",
    "Did MIEUX's regional work in South East Asia also seek to strengthen migrants' rights?",
    "What kind of inter-agency arrangements does the report want public institutions to set up?",
]


def _busy_then_concurrent(batcher: BatchingEmbedder, jobs: Sequence[list[str]]) -> list[np.ndarray]:
    """Run `jobs` from many threads while the batcher is busy with a long call, so they queue up."""
    long_call = threading.Thread(target=batcher.embed, args=(["a long passage about migration " * 20] * 200,))
    long_call.start()
    with ThreadPoolExecutor(len(jobs)) as pool:
        results = list(pool.map(batcher.embed, jobs))
    long_call.join()
    return results


def test_concurrent_callers_each_get_their_own_vectors(embedder: SentenceTransformerEmbedder) -> None:
    batcher = BatchingEmbedder(embedder, max_batch=64, max_wait=0.002)
    try:
        # one, two or three texts per caller, so rows must be handed back by position, not by count
        jobs = [QUESTIONS[i % 8 : i % 8 + 1 + i % 3] for i in range(24)]
        results = _busy_then_concurrent(batcher, jobs)
        for job, vectors in zip(jobs, results, strict=True):
            expected = embedder.embed(job)
            assert vectors.shape == expected.shape
            np.testing.assert_allclose(vectors, expected, atol=2e-5)  # padding in a batch changes nothing
        assert batcher.stats().largest > 1, "the queued callers shared a model call"
        assert batcher.stats().calls < len(jobs) + 1
    finally:
        batcher.close()


class _Refusing(HashingEmbedder):
    """A stand-in model that fails on one particular text."""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if "boom" in texts:
            raise ValueError("cannot embed 'boom'")
        return super().embed(texts)


def test_one_callers_failure_does_not_fail_the_others() -> None:
    inner = _Refusing()
    batcher = BatchingEmbedder(inner, max_batch=64, max_wait=0.05)
    try:
        jobs = [["boom"] if i == 5 else [f"question {i}"] for i in range(12)]
        with ThreadPoolExecutor(12) as pool:
            futures = [pool.submit(batcher.embed, job) for job in jobs]
        for i, future in enumerate(futures):
            if i == 5:
                with pytest.raises(ValueError, match="cannot embed 'boom'"):
                    future.result()
            else:
                np.testing.assert_allclose(future.result(), inner.embed(jobs[i]))
    finally:
        batcher.close()


def test_a_lone_caller_does_not_wait_and_empty_input_is_fine() -> None:
    batcher = BatchingEmbedder(HashingEmbedder(), max_batch=8, max_wait=5.0)
    try:
        for i in range(3):  # each call returns at once: no 5 s wait when nobody else is queued
            assert batcher.embed([f"q{i}"]).shape == (1, 64)
        assert batcher.embed([]).shape == (0, 64)
        assert batcher.stats().requests_per_call == {1: 3}
    finally:
        batcher.close()
    with pytest.raises(RuntimeError, match="closed"):
        batcher.embed(["late"])


def test_query_cache_skips_the_model_for_repeated_texts() -> None:
    inner = HashingEmbedder()
    cache = CachingEmbedder(inner, size=2)
    first = cache.embed(["alpha", "beta"])
    again = cache.embed(["beta", "alpha", "beta"])
    assert inner.embedded == ["alpha", "beta"]
    np.testing.assert_array_equal(again, first[[1, 0, 1]])
    cache.embed(["gamma"])  # evicts the least recently used: beta (alpha was used after it)
    cache.embed(["beta"])
    assert inner.embedded == ["alpha", "beta", "gamma", "beta"]
    assert (cache.hits, cache.misses) == (2, 4)  # distinct texts per call
    off = CachingEmbedder(inner, size=0)
    off.embed(["alpha"])
    assert inner.embedded[-1] == "alpha" and off.hits == 0


def test_concurrent_http_requests_get_their_own_answers(client: TestClient) -> None:
    variants = [f"{q} {suffix}".strip() for q in QUESTIONS for suffix in ("", "Please cite.", "In brief?", "Thanks!")]

    def ask(question: str) -> dict[str, object]:
        body: dict[str, object] = client.get("/api/search", params={"q": question, "k": 3}).json()
        return body

    with ThreadPoolExecutor(16) as pool:  # first asked concurrently, through the batcher
        concurrent = list(pool.map(ask, variants))
    for question, body in zip(variants, concurrent, strict=True):
        alone = ask(question)  # asked again, alone (its vector now comes from the cache)
        assert body["question"] == alone["question"] == question
        assert [p["text"] for p in body["passages"]] == [p["text"] for p in alone["passages"]]  # type: ignore[attr-defined]
    engine = client.app.state.engine  # type: ignore[attr-defined]
    assert engine.query_embedder.hits >= len(variants)
