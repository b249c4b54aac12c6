"""Score retrieved passages against a question set in the `shared/eval` format.

A passage answers a question when, after normalisation, it contains one of the
question's keys. Normalisation drops bold markers, `<i>` tags and superscript
digits, folds curly quotes and dashes to ASCII, lowercases and collapses whitespace.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer.errors import EvaluationInputError

_MARKUP = re.compile(r"\*\*|</?i>|[\u00b9\u00b2\u00b3\u2070-\u2079]")
_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})


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
    """Rows of a JSON Lines file; EvaluationInputError names the file and line of a bad row."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvaluationInputError(f"cannot read {path}: {exc}") from exc
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvaluationInputError(f"{path}:{number}: not valid JSON ({exc.msg}): fix or remove the line") from exc
        if not isinstance(row, dict):
            raise EvaluationInputError(f"{path}:{number}: expected a JSON object")
        rows.append(row)
    return rows


# --- question sets (shared/eval format) --------------------------------------------------------

Answerer = Callable[[str, Sequence[str]], tuple[list[str], bool, str]]
"""(question, earlier questions) -> (passage texts, found, query searched)."""


@dataclass(frozen=True)
class Miss:
    """A question whose passages did not contain a key (or a wrong 'found')."""

    id: str
    group: str
    question: str
    query: str
    rank: int | None


@dataclass(frozen=True)
class QuestionSetReport:
    """Metrics of a question set, by group, with the misses."""

    groups: dict[str, RankMetrics]
    unanswerable_flagged: float
    answerable_flagged: float
    misses: tuple[Miss, ...]


def evaluate_questions(rows: Sequence[dict[str, Any]], answer: Answerer) -> QuestionSetReport:
    """Run every question through `answer` and score it as `shared/eval/README.md` describes.

    Besides singles, first turns and follow-ups, the group `follow-ups (question only)`
    searches each follow-up without its conversation, for comparison.
    """
    tally = _Tally(answer)
    for row in rows:
        if row.get("kind") not in ("single", "conversation", "unanswerable"):
            raise EvaluationInputError(
                f"row {row.get('id', '?')}: kind must be single, conversation or unanswerable (see shared/eval)"
            )
        if row["kind"] == "single":
            tally.score(row["id"], "singles", row["question"], row["keys"], ())
        elif row["kind"] == "conversation":
            tally.conversation(row)
        elif row["kind"] == "unanswerable":
            tally.unanswerable(row)
    return tally.report()


class _Tally:
    """Ranks, "not found" flags and misses, gathered question by question."""

    def __init__(self, answer: Answerer) -> None:
        self._answer = answer
        self._ranks: dict[str, list[int | None]] = {g: [] for g in GROUPS}
        self._flags: dict[bool, list[bool]] = {True: [], False: []}  # answerable? -> flagged "not found"
        self._misses: list[Miss] = []

    def score(self, rid: str, group: str, question: str, keys: Sequence[str], earlier: Sequence[str]) -> None:
        texts, found, query = self._answer(question, earlier)
        rank = rank_of(texts, keys)
        self._ranks[group].append(rank)
        if group != FOLLOW_UPS_PLAIN:
            self._flags[True].append(not found)
        if rank is None or (group != FOLLOW_UPS_PLAIN and not found):
            self._misses.append(Miss(rid, group, question, query, rank))

    def conversation(self, row: dict[str, Any]) -> None:
        earlier: list[str] = []
        for j, turn in enumerate(row["turns"]):
            rid = f"{row['id']}.{j + 1}"
            self.score(rid, "first turns" if j == 0 else "follow-ups", turn["question"], turn["keys"], earlier)
            if j > 0:
                self.score(rid, FOLLOW_UPS_PLAIN, turn["question"], turn["keys"], ())
            earlier.append(turn["question"])

    def unanswerable(self, row: dict[str, Any]) -> None:
        _, found, query = self._answer(row["question"], ())
        self._flags[False].append(not found)
        if found:
            self._misses.append(Miss(row["id"], "unanswerable", row["question"], query, None))

    def report(self) -> QuestionSetReport:
        return QuestionSetReport(
            groups={g: RankMetrics.of(r) for g, r in self._ranks.items()},
            unanswerable_flagged=_share(self._flags[False]),
            answerable_flagged=_share(self._flags[True]),
            misses=tuple(self._misses),
        )


FOLLOW_UPS_PLAIN = "follow-ups (question only)"
GROUPS = ("singles", "first turns", "follow-ups", FOLLOW_UPS_PLAIN)


def _share(values: Sequence[bool]) -> float:
    return sum(values) / len(values) if values else 0.0


# --- BEIR collections -------------------------------------------------------------------------


@dataclass(frozen=True)
class BeirMetrics:
    """Document-level metrics over a BEIR collection's test queries."""

    queries: int
    ndcg10: float
    map: float
    recall100: float
    mrr: float


def read_beir(directory: Path) -> tuple[list[dict[str, str]], dict[str, str], dict[str, dict[str, int]]]:
    """(corpus rows, queries by id, qrels query -> doc -> grade) of a BEIR-layout folder."""
    for part in ("corpus.jsonl", "queries.jsonl", "qrels/test.tsv"):
        if not (directory / part).is_file():
            raise EvaluationInputError(f"{directory} is not a BEIR folder: {part} is missing")
    corpus = read_question_set(directory / "corpus.jsonl")
    queries = {str(q["_id"]): str(q["text"]) for q in read_question_set(directory / "queries.jsonl")}
    qrels: dict[str, dict[str, int]] = {}
    for line in (directory / "qrels" / "test.tsv").read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        try:
            grade = int(float(parts[2]))
        except (IndexError, ValueError):
            continue  # the header line, or a malformed one
        if grade > 0:
            qrels.setdefault(parts[0], {})[parts[1]] = grade
    return corpus, {q: t for q, t in queries.items() if q in qrels}, qrels


def beir_metrics(rankings: dict[str, list[str]], qrels: dict[str, dict[str, int]]) -> BeirMetrics:
    """nDCG@10 (graded), MAP, recall@100 and MRR of document rankings."""
    import math

    ndcg, ap, recall, rr = [], [], [], []
    for qid, relevant in qrels.items():
        ranking = rankings.get(qid, [])
        gains = [relevant.get(d, 0) for d in ranking]
        dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains[:10]))
        ideal = sorted(relevant.values(), reverse=True)[:10]
        ndcg.append(dcg / sum(g / math.log2(i + 2) for i, g in enumerate(ideal)))
        hits, precisions = 0, []
        for i, g in enumerate(gains, start=1):
            if g > 0:
                hits += 1
                precisions.append(hits / i)
        ap.append(sum(precisions) / len(relevant))
        recall.append(sum(1 for g in gains[:100] if g > 0) / len(relevant))
        first = next((i for i, g in enumerate(gains, start=1) if g > 0), None)
        rr.append(1 / first if first else 0.0)
    n = len(qrels)
    return BeirMetrics(n, sum(ndcg) / n, sum(ap) / n, sum(recall) / n, sum(rr) / n)
