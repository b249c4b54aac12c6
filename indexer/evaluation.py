"""Score retrieved passages against a question set in the `shared/eval` format.

A passage answers a question when, after normalisation, it contains one of the
question's keys. Normalisation drops bold markers, `<i>` tags and superscript
digits, folds curly quotes and dashes to ASCII, lowercases and collapses whitespace.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_MARKUP = re.compile(r"\*\*|</?i>|[\u00b9\u00b2\u00b3\u2070-\u2079]")
_FOLD = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"}
)


def normalise_for_match(text: str) -> str:
    """The eval set's normalisation of passages and keys."""
    return " ".join(_MARKUP.sub("", text).translate(_FOLD).lower().split())


def rank_of(passages: Sequence[str], keys: Iterable[str]) -> int | None:
    """1-based rank of the first passage containing a key, or None."""
    wanted = [normalise_for_match(k) for k in keys]
    for rank, passage in enumerate(passages, start=1):
        text = normalise_for_match(passage)
        if any(key in text for key in wanted):
            return rank
    return None


@dataclass(frozen=True)
class RankMetrics:
    """hit@1/3/5 and MRR over a group of questions."""

    count: int
    hit1: float
    hit3: float
    hit5: float
    mrr: float

    @classmethod
    def of(cls, ranks: Sequence[int | None]) -> RankMetrics:
        n = len(ranks)
        if n == 0:
            return cls(0, 0.0, 0.0, 0.0, 0.0)

        def hit(cut: int) -> float:
            return sum(1 for r in ranks if r is not None and r <= cut) / n

        mrr = sum(1 / r for r in ranks if r is not None) / n
        return cls(n, hit(1), hit(3), hit(5), mrr)


def read_question_set(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSON Lines question set."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]
