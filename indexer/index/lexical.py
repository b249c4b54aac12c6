"""The lexical half of retrieval: BM25 (bm25s) over the same chunks as the vectors.

Texts are lower-cased, English stop words dropped and words Snowball-stemmed; the
same analysis serves queries, so a question matches "migrants" with "migration"s stem.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

K1 = 1.2
B = 0.75
_WORD = re.compile(r"\w\w+", re.UNICODE)


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


# Words that shape a question but say nothing about its subject.
QUESTION_WORDS = frozenset(
    "what which who whom whose when where why how does do did can could would should "
    "has have had is are was were".split()
)


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN) | QUESTION_WORDS


def analyse(text: str) -> list[str]:
    """Lower-case, drop stop words, stem: the terms BM25 indexes and queries with."""
    stop = _stopwords()
    words = [w for w in _WORD.findall(text.lower()) if w not in stop]
    return list(_stemmer().stemWords(words))


class LexicalIndex:
    """BM25 scores of every chunk row for a query."""

    def __init__(self, model: Any) -> None:
        self._model = model

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        import bm25s

        model = bm25s.BM25(k1=K1, b=B)
        corpus = [analyse(t) or ["\u2205"] for t in texts]  # an all-stop-word chunk still gets a row
        model.index(corpus, show_progress=False)
        return cls(model)

    def save(self, path: Path) -> None:
        self._model.save(str(path))

    @classmethod
    def load(cls, path: Path) -> LexicalIndex:
        import bm25s

        return cls(bm25s.BM25.load(str(path)))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk (row order = chunk ids); all zero when no term matches."""
        terms = [t for t in analyse(query) if t in self._model.vocab_dict]
        if not terms:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._model.get_scores(terms), dtype=np.float32)

    @property
    def size(self) -> int:
        return int(self._model.scores["num_docs"])

    def document_frequency(self, term: str) -> int:
        """In how many chunks a (stemmed) term occurs."""
        index = self._model.vocab_dict.get(term)
        if index is None:
            return 0
        indptr = self._model.scores["indptr"]
        return int(indptr[index + 1] - indptr[index])
