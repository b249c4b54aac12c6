"""Quality regression: the dev set's single questions through the API (k = 5)."""

from fastapi.testclient import TestClient

from indexer.evaluation import RankMetrics, rank_of, read_question_set
from tests.conftest import DEV_SET


def test_dev_singles_hit_at_5(client: TestClient) -> None:
    singles = [r for r in read_question_set(DEV_SET) if r["kind"] == "single"]
    assert len(singles) >= 16
    ranks = []
    for row in singles:
        body = client.post("/api/ask", json={"question": row["question"], "k": 5}).json()
        ranks.append(rank_of([p["text"] for p in body["passages"]], row["keys"]))
    metrics = RankMetrics.of(ranks)
    print(f"dev singles: {metrics}")
    assert metrics.hit5 >= 0.8, metrics


def test_rank_of_uses_the_eval_normalisation() -> None:
    passages = ["nothing here", "Thailand (2013 \u2013 2017) the **First Region** of destination\u00b9"]
    assert rank_of(passages, ["thailand (2013 - 2017) the first region"]) == 2
    assert rank_of(passages, ["not present at all"]) is None
    metrics = RankMetrics.of([1, 3, None, 6])
    assert (metrics.hit1, metrics.hit3, metrics.hit5) == (0.25, 0.5, 0.5)
    assert abs(metrics.mrr - (1 + 1 / 3 + 1 / 6) / 4) < 1e-9
