"""Query texts for the serving benchmarks: the dev questions and a large pool of distinct queries.

The server caches query embeddings, so a load test that cycles a few questions measures the cache.
The pool holds the dev questions and the queries of the BEIR collections under ../shared/benchmarks,
topped up, when more are needed, with the first sentence of their corpus documents (cut to 30 words).
Only texts of 4 to 30 words are kept: a search box's questions (some CISI queries are paragraphs of
up to 2,000 characters, which askreport rightly refuses). Texts are distinct after case folding and
whitespace collapsing, and shuffled with a fixed seed so that every slice of the pool has the same mix.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

SEED = 20261128
MIN_WORDS, MAX_WORDS = 4, 30


@dataclass(frozen=True)
class Pool:
    """Distinct query texts, shuffled; how many are real queries and how many document sentences."""

    texts: tuple[str, ...]
    real: int
    sentences: int

    @property
    def mean_words(self) -> float:
        return sum(len(t.split()) for t in self.texts) / max(1, len(self.texts))


def dev_questions(path: Path) -> list[str]:
    """Every question of a dev question set: singles, unanswerable ones and each conversation turn."""
    questions: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            turns = row.get("turns") or [row]
            questions.extend(str(turn["question"]) for turn in turns)
    return questions


def _jsonl_texts(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield str(json.loads(line).get("text") or "")


def _first_sentence(text: str) -> str:
    sentence = re.split(r"(?<=[.?!])\s", text.strip(), maxsplit=1)[0]
    return " ".join(sentence.split()[:MAX_WORDS])


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def _distinct(texts: Iterable[str], seen: set[str]) -> list[str]:
    out: list[str] = []
    for text in texts:
        key = _key(text)
        if key and key not in seen and MIN_WORDS <= len(text.split()) <= MAX_WORDS:
            seen.add(key)
            out.append(" ".join(text.split()))
    return out


def query_pool(dev: Path, benchmarks: Path, size: int, exclude: Iterable[str] = ()) -> Pool:
    """At least `size` distinct texts (SystemExit if the files hold fewer), none of them in `exclude`."""
    seen = {_key(t) for t in exclude}
    collections = sorted(p for p in benchmarks.iterdir() if (p / "queries.jsonl").is_file())
    real = _distinct(dev_questions(dev), seen)
    for collection in collections:
        real += _distinct(_jsonl_texts(collection / "queries.jsonl"), seen)
    sentences: list[str] = []
    for collection in collections:
        if len(real) + len(sentences) >= size:
            break
        firsts = (_first_sentence(t) for t in _jsonl_texts(collection / "corpus.jsonl"))
        sentences += _distinct(firsts, seen)
    sentences = sentences[: max(0, size - len(real))]
    texts = real + sentences
    if len(texts) < size:
        raise SystemExit(f"only {len(texts)} distinct query texts under {benchmarks}; {size} are needed")
    random.Random(SEED).shuffle(texts)
    return Pool(tuple(texts), len(real), len(sentences))
