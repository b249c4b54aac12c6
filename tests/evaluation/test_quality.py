"""Quality regression: the dev set's single questions through the API (k = 5)."""

from fastapi.testclient import TestClient

from indexer.evaluation.questions import RankMetrics, rank_of, read_question_set
from tests.support.data import DEV_SET


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


def test_dev_follow_ups_gain_from_their_conversation(client: TestClient) -> None:
    conversations = [r for r in read_question_set(DEV_SET) if r["kind"] == "conversation"]
    with_context, alone = [], []
    for row in conversations:
        conversation_id = None
        for j, turn in enumerate(row["turns"]):
            body = client.post(
                "/api/ask", json={"question": turn["question"], "conversation_id": conversation_id}
            ).json()
            conversation_id = body["conversation_id"]
            if j == 0:
                continue
            with_context.append(rank_of([p["text"] for p in body["passages"]], turn["keys"]))
            plain = client.get("/api/search", params={"q": turn["question"]}).json()
            alone.append(rank_of([p["text"] for p in plain["passages"]], turn["keys"]))
    followed, baseline = RankMetrics.of(with_context), RankMetrics.of(alone)
    print(f"dev follow-ups: {followed}; question only: {baseline}")
    assert followed.hit5 >= 0.66 and followed.mrr > baseline.mrr
