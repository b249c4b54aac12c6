"""Conversation turns in SQLite, shared by every server worker, forgotten after a time-to-live."""

from __future__ import annotations

import sqlite3
import time
import uuid
from contextlib import closing
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS turns (
    conversation_id TEXT NOT NULL,
    turn INTEGER NOT NULL,
    question TEXT NOT NULL,
    query TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (conversation_id, turn)
);
CREATE INDEX IF NOT EXISTS turns_created ON turns(created_at);
"""
KEEP_TURNS = 20


def new_conversation_id() -> str:
    return uuid.uuid4().hex


class ConversationStore:
    """Earlier questions of each conversation; one short connection per call, so threads and
    processes can share the file (WAL journal, busy timeout)."""

    def __init__(self, path: Path, ttl_seconds: float) -> None:
        self.path = path
        self.ttl = ttl_seconds
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as con:
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10, isolation_level=None)

    def questions(self, conversation_id: str) -> list[str]:
        """The conversation's earlier questions that are still alive, oldest first."""
        cutoff = time.time() - self.ttl
        with closing(self._connect()) as con:
            rows = con.execute(
                "SELECT question FROM turns WHERE conversation_id = ? AND created_at >= ? ORDER BY turn",
                (conversation_id, cutoff),
            ).fetchall()
        return [str(r[0]) for r in rows]

    def append(self, conversation_id: str, question: str, query: str) -> None:
        """Record a turn; drop expired turns and all but the last turns of this conversation."""
        now = time.time()
        with closing(self._connect()) as con:
            con.execute("BEGIN IMMEDIATE")
            con.execute("DELETE FROM turns WHERE created_at < ?", (now - self.ttl,))
            (last,) = con.execute(
                "SELECT coalesce(max(turn), 0) FROM turns WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()
            con.execute("INSERT INTO turns VALUES (?, ?, ?, ?, ?)", (conversation_id, last + 1, question, query, now))
            con.execute(
                "DELETE FROM turns WHERE conversation_id = ? AND turn <= ?",
                (conversation_id, last + 1 - KEEP_TURNS),
            )
            con.execute("COMMIT")
