"""Metrics code against hand-computed values, and a tiny BEIR collection end to end."""

import json
import math
from pathlib import Path

import pytest

from indexer import SearchMode, SentenceTransformerEmbedder
from indexer.evaluation.beir import evaluate_beir
from indexer.evaluation.questions import beir_metrics, evaluate_questions, read_beir


def test_beir_metrics_by_hand() -> None:
    qrels = {"q1": {"a": 2, "b": 1}, "q2": {"z": 1}}
    rankings = {"q1": ["b", "x", "a"], "q2": ["x", "y"]}
    m = beir_metrics(rankings, qrels)
    dcg = 1 / math.log2(2) + 2 / math.log2(4)
    idcg = 2 / math.log2(2) + 1 / math.log2(3)
    assert m.ndcg10 == pytest.approx((dcg / idcg + 0) / 2)
    assert m.map == pytest.approx(((1 / 1 + 2 / 3) / 2 + 0) / 2)
    assert m.recall100 == pytest.approx((1 + 0) / 2)
    assert m.mrr == pytest.approx((1 + 0) / 2)


def test_question_set_groups_and_flags() -> None:
    rows = [
        {"id": "s1", "kind": "single", "question": "a", "keys": ["alpha beta"]},
        {"id": "s2", "kind": "single", "question": "b", "keys": ["missing key"]},
        {"id": "c1", "kind": "conversation", "turns": [
            {"question": "first", "keys": ["alpha beta"]},
            {"question": "and then?", "keys": ["gamma delta"]},
        ]},
        {"id": "u1", "kind": "unanswerable", "question": "nothing"},
    ]  # fmt: skip
    seen: list[tuple[str, tuple[str, ...]]] = []

    def answer(question: str, earlier: object) -> tuple[list[str], bool, str]:
        seen.append((question, tuple(earlier)))  # type: ignore[arg-type]
        context = " ".join(earlier)  # type: ignore[arg-type]
        texts = ["x", "Alpha  **Beta**"] if "then" not in question else (["gamma delta"] if context else ["x"])
        return texts, question != "nothing", question + " " + context

    report = evaluate_questions(rows, answer)
    assert report.groups["singles"].hit5 == 0.5 and report.groups["singles"].mrr == 0.25
    assert report.groups["follow-ups"].hit1 == 1.0
    assert report.groups["follow-ups (question only)"].hit5 == 0.0
    assert ("and then?", ("first",)) in seen and ("and then?", ()) in seen
    assert report.unanswerable_flagged == 1.0 and report.answerable_flagged == 0.0
    assert {m.id for m in report.misses} == {"s2", "c1.2"}


def _tiny_beir(root: Path) -> Path:
    docs = {
        "d1": ("Remittances", "Workers abroad send remittances home; in Kyrgyzstan they reach 30% of GDP."),
        "d2": ("Fisheries", "Labour inspectors board fishing vessels to find victims of forced labour."),
        "d3": ("Visas", "Electronic visas shortened waiting times at border crossings."),
        "d4": ("Shelters", "Shelters give victims of trafficking legal aid and housing."),
    }
    (root / "qrels").mkdir(parents=True)
    (root / "corpus.jsonl").write_text(
        "\n".join(json.dumps({"_id": k, "title": t, "text": x}) for k, (t, x) in docs.items())
    )
    queries = {"q1": "money sent home by migrant workers", "q2": "forced labour on fishing boats", "q3": "unjudged"}
    (root / "queries.jsonl").write_text("\n".join(json.dumps({"_id": k, "text": v}) for k, v in queries.items()))
    (root / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t2\nq2\td4\t0\n")
    return root


def test_read_beir_keeps_judged_queries_only(tmp_path: Path) -> None:
    corpus, queries, qrels = read_beir(_tiny_beir(tmp_path / "beir"))
    assert len(corpus) == 4 and set(queries) == {"q1", "q2"}
    assert qrels == {"q1": {"d1": 1}, "q2": {"d2": 2}}


def test_evaluate_beir_end_to_end(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> None:
    results = evaluate_beir(_tiny_beir(tmp_path / "beir"), embedder, tmp_path / "work")
    assert set(results) == set(SearchMode)
    assert results[SearchMode.DENSE].mrr == 1.0 and results[SearchMode.HYBRID].mrr == 1.0
    assert results[SearchMode.HYBRID].queries == 2
    assert 0 < results[SearchMode.BM25].ndcg10 <= 1


def test_bad_question_set_names_file_and_line(tmp_path: Path) -> None:
    from indexer.errors import EvaluationInputError
    from indexer.evaluation.questions import read_question_set

    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "a", "kind": "single", "question": "q", "keys": ["k"]}\n{broken\n')
    with pytest.raises(EvaluationInputError, match=r"q.jsonl:2: not valid JSON"):
        read_question_set(path)
    with pytest.raises(EvaluationInputError, match="corpus.jsonl is missing"):
        read_beir(tmp_path)
