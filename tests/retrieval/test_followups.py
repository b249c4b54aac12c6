"""Follow-up questions: recognised, rewritten, and kept per conversation over HTTP."""

import pytest
from fastapi.testclient import TestClient

from indexer import is_follow_up, rewrite


@pytest.mark.parametrize(
    "question",
    [
        "And in Thailand?",
        "what about the fishing industry?",
        "What handbook came out of it?",
        "When was it carried out?",
        "Whose role in this does the report single out?",
        "Which of them is listed first?",
    ],
)
def test_follow_ups_are_recognised(question: str) -> None:
    assert is_follow_up(question)


@pytest.mark.parametrize(
    "question",
    [
        "What share of Cambodia's GDP is made up of remittances?",
        "Which ASEAN member states have ratified the ASEAN Convention Against Trafficking?",
        "How many labour inspectors were trained through MIEUX Actions in Asia?",
    ],
)
def test_self_contained_questions_are_left_alone(question: str) -> None:
    assert not is_follow_up(question)
    assert rewrite(question, ["What did MIEUX do in the Philippines?"]) == question


def test_rewrite_adds_the_earlier_questions_newest_first() -> None:
    earlier = ["Which Action ran in Timor-Leste?", "What did it aim at?"]
    assert rewrite("What handbook came out of it?", earlier) == (
        "What handbook came out of it? What did it aim at? Which Action ran in Timor-Leste?"
    )


def test_a_new_name_replaces_the_old_one() -> None:
    query = rewrite("And in Thailand?", ["What did MIEUX achieve in the Philippines?"])
    assert "Thailand" in query and "Philippines" not in query and "achieve" in query
    keep = rewrite("And in Thailand?", ["What did UNICEF do for migrant children in the Philippines?"])
    assert "UNICEF" in keep and "Philippines" not in keep


def test_conversation_over_http(client: TestClient) -> None:
    first = client.post("/api/ask", json={"question": "What did MIEUX do in Timor-Leste?"}).json()
    conversation = first["conversation_id"]
    assert first["query"] == "What did MIEUX do in Timor-Leste?"
    follow = client.post(
        "/api/ask", json={"question": "What handbook came out of it?", "conversation_id": conversation}
    ).json()
    assert follow["conversation_id"] == conversation
    assert follow["query"] == "What handbook came out of it? What did MIEUX do in Timor-Leste?"
    assert "'Investigation and THB case preparation' Handbook" in follow["passages"][0]["text"]
    other = client.post("/api/ask", json={"question": "What handbook came out of it?"}).json()
    assert other["conversation_id"] != conversation
    assert other["query"] == "What handbook came out of it?"


def test_stateless_history(client: TestClient) -> None:
    body = client.post(
        "/api/ask",
        json={"question": "And in Thailand?", "history": ["What was the result of the MIEUX Action in Timor-Leste?"]},
    ).json()
    assert body["conversation_id"] is None
    assert body["query"].startswith("And in Thailand?") and "Timor-Leste" not in body["query"]
    assert "Thailand" in body["passages"][0]["citation"]["section"][-1]


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"question": "q", "conversation_id": "../../etc"}, "conversation_id: String should match pattern"),
        ({"question": "q", "conversation_id": "a" * 32, "history": []}, "either conversation_id or history"),
        ({"question": "q", "history": ["x"] * 21}, "history: List should have at most 20 items"),
        ({"question": "q", "mode": "magic"}, "mode: Input should be 'hybrid', 'dense' or 'bm25'"),
    ],
)
def test_bad_conversation_input_is_422(client: TestClient, payload: dict[str, object], fragment: str) -> None:
    r = client.post("/api/ask", json=payload)
    assert r.status_code == 422
    assert fragment in r.json()["detail"]
