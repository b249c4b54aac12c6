"""Conversation turns in SQLite, shared by every server worker, forgotten after a time-to-live."""

from __future__ import annotations

import sqlite3
import threading
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
CREATE TABLE IF NOT EXISTS conversations (
    conversation_id TEXT PRIMARY KEY,
    last_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_last ON conversations(last_at);
"""
KEEP_TURNS = 20
DEFAULT_MAX_CONVERSATIONS = 100_000


class ConversationLimitError(Exception):
    """The store already holds as many live conversations as it may."""


def new_conversation_id() -> str:
    return uuid.uuid4().hex


class ConversationStore:
    """Earlier questions of each conversation; one short connection per call, so threads and
    processes can share the file (WAL journal, busy timeout).

    Writes of one process take turns on a lock: left to SQLite's busy handler, which polls with
    growing sleeps, a writer could lose to newer ones for the whole busy timeout under many concurrent
    requests ("database is locked", a 500). Commits do not fsync (`synchronous=NORMAL`, safe with WAL):
    a turn survives the server process being killed, only a power loss may forget the last turns.
    """

    def __init__(self, path: Path, ttl_seconds: float, max_conversations: int = DEFAULT_MAX_CONVERSATIONS) -> None:
        self.path = path
        self.ttl = ttl_seconds
        self.max_conversations = max_conversations
        self._write_lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as con:
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        con.execute("PRAGMA synchronous=NORMAL")
        return con

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
        """Record a turn; drop expired turns and all but the last turns of this conversation.

        Raises ConversationLimitError for a new conversation when `max_conversations` are alive.
        """
        now = time.time()
        with closing(self._connect()) as con, self._write_lock:
            con.execute("BEGIN IMMEDIATE")
            try:
                self._forget_expired(con, now - self.ttl)
                known = con.execute(
                    "SELECT 1 FROM conversations WHERE conversation_id = ?", (conversation_id,)
                ).fetchone()
                if known is None:
                    (alive,) = con.execute("SELECT count(*) FROM conversations").fetchone()
                    if alive >= self.max_conversations:
                        raise ConversationLimitError(
                            f"the server already holds its maximum of {self.max_conversations} conversations: "
                            "send `history` (earlier questions) instead of a conversation_id, or retry later"
                        )
                con.execute("INSERT OR REPLACE INTO conversations VALUES (?, ?)", (conversation_id, now))
                (last,) = con.execute(
                    "SELECT coalesce(max(turn), 0) FROM turns WHERE conversation_id = ?", (conversation_id,)
                ).fetchone()
                con.execute(
                    "INSERT INTO turns VALUES (?, ?, ?, ?, ?)", (conversation_id, last + 1, question, query, now)
                )
                con.execute(
                    "DELETE FROM turns WHERE conversation_id = ? AND turn <= ?",
                    (conversation_id, last + 1 - KEEP_TURNS),
                )
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    def count(self) -> int:
        """Conversations still alive."""
        cutoff = time.time() - self.ttl
        with closing(self._connect()) as con:
            (alive,) = con.execute("SELECT count(*) FROM conversations WHERE last_at >= ?", (cutoff,)).fetchone()
        return int(alive)

    @staticmethod
    def _forget_expired(con: sqlite3.Connection, cutoff: float) -> None:
        con.execute("DELETE FROM turns WHERE created_at < ?", (cutoff,))
        con.execute("DELETE FROM conversations WHERE last_at < ?", (cutoff,))
