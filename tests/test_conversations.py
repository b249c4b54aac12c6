"""The conversation store: turns kept per conversation, forgotten after the TTL, bounded in number."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer import SentenceTransformerEmbedder
from server.app import create_app
from server.conversations import KEEP_TURNS, ConversationLimitError, ConversationStore
from server.settings import Settings


def test_turns_are_kept_in_order_and_trimmed(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "c.sqlite3", ttl_seconds=60)
    for i in range(KEEP_TURNS + 5):
        store.append("a" * 32, f"question {i}", f"query {i}")
    questions = store.questions("a" * 32)
    assert questions == [f"question {i}" for i in range(5, KEEP_TURNS + 5)]
    assert store.questions("b" * 32) == []


def test_the_number_of_live_conversations_is_bounded(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "c.sqlite3", ttl_seconds=0.5, max_conversations=2)
    store.append("a" * 32, "q1", "q1")
    store.append("b" * 32, "q2", "q2")
    store.append("a" * 32, "q3", "q3")  # an existing conversation may go on
    with pytest.raises(ConversationLimitError, match="maximum of 2 conversations"):
        store.append("c" * 32, "q4", "q4")
    assert store.questions("c" * 32) == [] and store.count() == 2
    time.sleep(0.6)  # both expire: room again
    store.append("c" * 32, "q5", "q5")
    assert store.count() == 1 and store.questions("a" * 32) == []


def test_a_full_store_answers_429_saying_the_limit(
    tmp_path: Path, settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    full = settings.model_copy(update={"conversations_db": tmp_path / "c.sqlite3", "max_conversations": 1})
    with TestClient(create_app(full, embedder=embedder)) as client:
        first = client.post("/api/ask", json={"question": "remittances in Kyrgyzstan"})
        assert first.status_code == 200
        again = client.post(
            "/api/ask", json={"question": "And in Tajikistan?", "conversation_id": first.json()["conversation_id"]}
        )
        assert again.status_code == 200
        refused = client.post("/api/ask", json={"question": "a new conversation"})
        assert refused.status_code == 429 and "maximum of 1 conversations" in refused.json()["detail"]
        stateless = client.post("/api/ask", json={"question": "And in Thailand?", "history": ["remittances?"]})
        assert stateless.status_code == 200  # history needs no stored conversation
