"""Answering the questions over an index of the documents: the shared metrics, and the page of the answer."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer import (
    Embedder,
    Hit,
    IndexGeneration,
    QuestionSetReport,
    build_index,
    evaluate_questions,
    open_current,
    retrieve,
    rewrite,
)
from indexer.evaluation.questions import rank_of

K = 5


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def nfkc_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The question set with every key NFKC-normalised (passages are normalised as they are scored)."""

    def keys(item: dict[str, Any]) -> dict[str, Any]:
        return {**item, "keys": [nfkc(k) for k in item["keys"]]} if "keys" in item else item

    return [{**keys(r), "turns": [keys(t) for t in r["turns"]]} if "turns" in r else keys(r) for r in rows]


def index_of(docs: Path, work: Path, embedder: Embedder) -> IndexGeneration:
    """An index of `docs` in `work` (incremental: nothing is embedded again when nothing changed)."""
    build_index(docs, work, embedder)
    return open_current(work, embedder.name, embedder.dim)


def scores(
    generation: IndexGeneration, embedder: Embedder, rows: Sequence[dict[str, Any]]
) -> tuple[QuestionSetReport, dict[str, list[Hit]]]:
    """The shared eval's metrics, follow-ups rewritten with their conversation as the server does; and the
    hits of every question asked without a conversation (singles, unanswerables), by question."""
    alone: dict[str, list[Hit]] = {}

    def answer(question: str, earlier: Sequence[str]) -> tuple[list[str], bool, str]:
        query = rewrite(question, earlier) if earlier else question
        found = retrieve(generation, embedder, query, K)
        if not earlier:
            alone[question] = found.hits
        return [nfkc(h.text) for h in found.hits], found.found, query

    return evaluate_questions(nfkc_rows(rows), answer), alone


@dataclass(frozen=True)
class PageCheck:
    """Singles whose answering passage (the first that holds a key, in the top K) cites the printed page."""

    asked: int
    answered: int
    page_right: int
    wrong: tuple[str, ...]


def expected_page(row: dict[str, Any]) -> str:
    """The printed label of the answer's page, else its PDF index (DOCX and HTML: none)."""
    return str(row["page"] if row.get("page") is not None else row.get("pdf_page"))


def cited_page(hit: Hit) -> str:
    return str(hit.citation.page)


def page_check(rows: Sequence[dict[str, Any]], hits_of: dict[str, list[Hit]]) -> PageCheck:
    """Of the answered singles in PDFs, how many cite the printed page of the answer (hits from `scores`)."""
    asked, answered, right, wrong = 0, 0, 0, []
    for row in nfkc_rows(rows):
        if row.get("kind") != "single" or row.get("pdf_page") is None:
            continue
        asked += 1
        hits = hits_of[row["question"]]
        rank = rank_of([nfkc(h.text) for h in hits], row["keys"])
        if rank is None:
            continue
        answered += 1
        if cited_page(hits[rank - 1]) == expected_page(row):
            right += 1
        else:
            wrong.append(f"{row['id']}: cited {cited_page(hits[rank - 1])}, printed {expected_page(row)}")
    return PageCheck(asked, answered, right, tuple(wrong))
