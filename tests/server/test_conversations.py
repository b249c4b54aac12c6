"""The conversation store: turns kept per conversation, forgotten after the TTL, bounded in number."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer import ConversationLimitError, SentenceTransformerEmbedder
from server.app import create_app
from server.conversations import KEEP_TURNS, ConversationStore
from server.settings import Settings
from tests.support.mounts import mount_tmpfs, unmount


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


def test_one_client_cannot_take_every_conversation(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "c.sqlite3", ttl_seconds=600, max_conversations=10)
    for i in range(3):
        store.append(f"{i:032x}", "q", "q", client="key:a", per_client=3)
    with pytest.raises(ConversationLimitError, match="maximum of 3 live conversations") as refused:
        store.check_room("f" * 32, client="key:a", per_client=3)
    assert 590 <= refused.value.retry_after <= 600, "the wait is until this client's oldest conversation expires"
    with pytest.raises(ConversationLimitError):
        store.append("f" * 32, "q", "q", client="key:a", per_client=3)
    store.append(f"{0:032x}", "again", "again", client="key:a", per_client=3)  # its own conversations go on
    store.append("e" * 32, "q", "q", client="key:b", per_client=3)  # another client still has room
    assert store.count() == 4


def test_a_conversation_stays_counted_against_the_client_that_began_it(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "c.sqlite3", ttl_seconds=600, max_conversations=10)
    store.append("a" * 32, "q", "q", client="key:a", per_client=1)
    store.append("a" * 32, "follow-up", "q", client="key:b", per_client=1)  # whoever holds the id may go on
    assert store.questions("a" * 32) == ["q", "follow-up"]
    store.append("b" * 32, "q", "q", client="key:b", per_client=1)  # b's one conversation: not taken over
    with pytest.raises(ConversationLimitError, match="maximum of 1 live conversations"):
        store.check_room("c" * 32, client="key:a", per_client=1)  # a still owns its first one
    with pytest.raises(ConversationLimitError):
        store.check_room("c" * 32, client="key:b", per_client=1)


def test_an_address_at_its_cap_is_told_it_may_be_an_unlisted_proxy(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "c.sqlite3", ttl_seconds=600)
    store.append("a" * 32, "q", "q", client="address:127.0.0.1", per_client=1)
    store.append("b" * 32, "q", "q", client="key:a", per_client=1)
    with pytest.raises(ConversationLimitError, match="ASKREPORT_FORWARDED_ALLOW_IPS") as by_address:
        store.check_room("c" * 32, client="address:127.0.0.1", per_client=1)
    assert str(by_address.value).startswith("this address already has its maximum of 1 live conversations")
    with pytest.raises(ConversationLimitError) as by_key:
        store.check_room("c" * 32, client="key:a", per_client=1)
    assert "ASKREPORT_FORWARDED_ALLOW_IPS" not in str(by_key.value), "a key is not shared by a proxy's clients"


def test_a_full_store_says_when_the_oldest_conversation_expires(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path / "c.sqlite3", ttl_seconds=300, max_conversations=2)
    store.append("a" * 32, "q", "q", client="address:1")
    time.sleep(1.2)
    store.append("b" * 32, "q", "q", client="address:2")
    with pytest.raises(ConversationLimitError, match="maximum of 2 conversations") as refused:
        store.check_room("c" * 32, client="address:3", per_client=100)
    assert 295 <= refused.value.retry_after <= 299 and "retry in" in str(refused.value)


def _model_texts(client: TestClient) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith("askreport_model_texts_total "):
            return float(line.split()[1])
    return 0.0


def test_per_client_cap_answers_429_with_the_true_wait_before_answering(
    tmp_path: Path, settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    capped = settings.model_copy(
        update={
            "conversations_db": tmp_path / "c.sqlite3",
            "max_conversations_per_client": 2,
            "conversation_ttl": 3600,
            "search_keys": "first-key-0123456789,second-key-0123456789",
        }
    )
    first = {"Authorization": "Bearer first-key-0123456789"}
    second = {"Authorization": "Bearer second-key-0123456789"}
    with TestClient(create_app(capped, embedder=embedder)) as client:
        for question in ("remittances in Kyrgyzstan", "trafficking in Thailand"):
            assert client.post("/api/ask", json={"question": question}, headers=first).status_code == 200
        before = _model_texts(client)
        refused = client.post("/api/ask", json={"question": "a question never asked before 7731"}, headers=first)
        assert refused.status_code == 429 and "maximum of 2 live conversations" in refused.json()["detail"]
        assert refused.json()["detail"].startswith("this key "), "identified by its key, not an address"
        assert 3590 <= int(refused.headers["retry-after"]) <= 3600, "the wait is the TTL, not 60 s"
        assert _model_texts(client) == before, "a refused conversation costs no model call"
        other = client.post("/api/ask", json={"question": "remittances in Tajikistan"}, headers=second)
        assert other.status_code == 200, "another key still starts conversations"
        stateless = client.post("/api/ask", json={"question": "And Laos?", "history": ["x?"]}, headers=first)
        assert stateless.status_code == 200


def _small_mount(tmp_path: Path, options: str) -> Iterator[Path]:
    """A tmpfs (root ignores file modes, not a read-only mount); skipped where mounting is refused."""
    mount = tmp_path / "mount"
    mount.mkdir()
    mount_tmpfs(mount, options)
    try:
        if "ro" not in options.split(","):
            filler = os.open(mount / "filler", os.O_WRONLY | os.O_CREAT)  # fill the disk: further writes fail
            try:
                while os.write(filler, b"x" * 4096):
                    pass
            except OSError:
                pass
            finally:
                os.close(filler)
        yield mount / "conversations.sqlite3"
    finally:
        unmount(mount)


@pytest.fixture(params=["read-only mount", "full disk", "under a file"])
def unwritable_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    """A conversation DB path that cannot be written: on a read-only or full mount, or below a regular file."""
    if request.param == "under a file":
        (tmp_path / "not-a-directory").write_text("x")
        yield tmp_path / "not-a-directory" / "conversations.sqlite3"
        return
    yield from _small_mount(tmp_path, "ro,size=1m" if request.param == "read-only mount" else "size=256k")


def test_an_unwritable_store_degrades_to_503_for_conversation_turns_only(
    unwritable_db: Path, settings: Settings, embedder: SentenceTransformerEmbedder, caplog: pytest.LogCaptureFixture
) -> None:
    broken = settings.model_copy(update={"conversations_db": unwritable_db})
    with (
        caplog.at_level(logging.WARNING, logger="askreport.conversations"),
        TestClient(create_app(broken, embedder=embedder)) as client,
    ):
        assert any("cannot be used" in r.getMessage() for r in caplog.records), "start-up warns, and goes on"
        turn = client.post("/api/ask", json={"question": "remittances in Kyrgyzstan"})
        assert turn.status_code == 503
        assert str(unwritable_db) in turn.json()["detail"] and "history" in turn.json()["detail"]
        follow_up = client.post("/api/ask", json={"question": "And Laos?", "conversation_id": "a" * 32})
        assert follow_up.status_code == 503
        stateless = client.post("/api/ask", json={"question": "And in Laos?", "history": ["remittances?"]})
        assert stateless.status_code == 200 and stateless.json()["passages"]
        assert client.get("/api/search", params={"q": "remittances"}).status_code == 200
