"""Conversation turns in SQLite, shared by every server worker, forgotten after a time-to-live.

The store opens lazily: a directory that cannot be written (read-only, full, missing rights) is
logged as a warning at start-up, conversation turns then get ConversationStoreUnavailableError
(503), and everything that needs no stored conversation is served as usual.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from indexer import ConversationLimitError, ConversationStoreUnavailableError

log = logging.getLogger("askreport.conversations")

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
    last_at REAL NOT NULL,
    client TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS conversations_last ON conversations(last_at);
"""
CLIENT_INDEX = "CREATE INDEX IF NOT EXISTS conversations_client ON conversations(client, last_at)"
KEEP_TURNS = 20
DEFAULT_MAX_CONVERSATIONS = 100_000
NO_STORE_HINT = "send `history` (earlier questions) instead of a conversation_id"


def new_conversation_id() -> str:
    return uuid.uuid4().hex


def _per_client_message(client: str, per_client: int, wait: int) -> str:
    """The 429 detail for a client at its cap; an address may be a proxy's, shared by all behind it."""
    if client.startswith("key:"):
        who, shared = "this key", ""
    else:
        who = "this address"
        shared = (
            " (if it is the address of a proxy that ASKREPORT_FORWARDED_ALLOW_IPS does not list, every client "
            "behind that proxy shares this cap: the operator should list the proxy there)"
        )
    return (
        f"{who} already has its maximum of {per_client} live conversations (ASKREPORT_MAX_CONVERSATIONS_PER_CLIENT)"
        f"{shared}: continue one of them with its conversation_id, {NO_STORE_HINT}, or retry in {wait} s "
        "(when your oldest one expires)"
    )


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
        self._ready = False
        try:
            self._open()
        except ConversationStoreUnavailableError as exc:
            log.warning("%s; serving on: stateless answers work, conversation turns get 503 until it opens", exc)

    def _open(self) -> None:
        """Create the file and its tables once; retried on every call until it works."""
        if self._ready:
            return
        with self._failures():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connect()) as con:
                con.execute("PRAGMA journal_mode=WAL")
                con.executescript(SCHEMA)
                columns = {row[1] for row in con.execute("PRAGMA table_info(conversations)")}
                if "client" not in columns:  # a store written before conversations were counted per client
                    con.execute("ALTER TABLE conversations ADD COLUMN client TEXT NOT NULL DEFAULT ''")
                con.execute(CLIENT_INDEX)
        self._ready = True

    @contextmanager
    def _failures(self) -> Iterator[None]:
        """SQLite and file-system failures as ConversationStoreUnavailableError, naming the file."""
        try:
            yield
        except (sqlite3.OperationalError, sqlite3.DatabaseError, OSError) as exc:
            raise ConversationStoreUnavailableError(
                f"the conversation store {self.path} cannot be used ({exc}): {NO_STORE_HINT}, or ask the "
                "operator to make its directory writable or free disk space"
            ) from exc

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        con.execute("PRAGMA synchronous=NORMAL")
        return con

    def questions(self, conversation_id: str) -> list[str]:
        """The conversation's earlier questions that are still alive, oldest first."""
        self._open()
        cutoff = time.time() - self.ttl
        with self._failures(), closing(self._connect()) as con:
            rows = con.execute(
                "SELECT question FROM turns WHERE conversation_id = ? AND created_at >= ? ORDER BY turn",
                (conversation_id, cutoff),
            ).fetchall()
        return [str(r[0]) for r in rows]

    def check_room(self, conversation_id: str, client: str = "", per_client: int = 0) -> None:
        """Raise ConversationLimitError now if a turn of this conversation would be refused (before answering)."""
        self._open()
        with self._failures(), closing(self._connect()) as con:
            self._check_room(con, conversation_id, client, per_client, time.time())

    def append(self, conversation_id: str, question: str, query: str, client: str = "", per_client: int = 0) -> None:
        """Record a turn; drop expired turns and all but the last turns of this conversation.

        Raises ConversationLimitError for a new conversation when `max_conversations` are alive, or when
        `client` already has `per_client` of them (0: no per-client cap). A conversation belongs to the
        client of its first turn: another client that continues it (whoever holds the id may) neither
        takes it over nor has it counted against its own cap.
        """
        self._open()
        now = time.time()
        with self._failures(), closing(self._connect()) as con, self._write_lock:
            con.execute("BEGIN IMMEDIATE")
            try:
                self._forget_expired(con, now - self.ttl)
                self._check_room(con, conversation_id, client, per_client, now)  # again: others may have come
                con.execute(
                    "INSERT INTO conversations VALUES (?, ?, ?) "
                    "ON CONFLICT(conversation_id) DO UPDATE SET last_at = excluded.last_at",  # the owner stays
                    (conversation_id, now, client),
                )
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

    def _check_room(
        self, con: sqlite3.Connection, conversation_id: str, client: str, per_client: int, now: float
    ) -> None:
        cutoff = now - self.ttl
        known = con.execute(
            "SELECT 1 FROM conversations WHERE conversation_id = ? AND last_at >= ?", (conversation_id, cutoff)
        ).fetchone()
        if known is not None:  # an existing conversation may always go on
            return
        alive, oldest = con.execute(
            "SELECT count(*), min(last_at) FROM conversations WHERE last_at >= ?", (cutoff,)
        ).fetchone()
        if alive >= self.max_conversations:
            wait = self._seconds_until_expiry(oldest, now)
            raise ConversationLimitError(
                f"the server already holds its maximum of {self.max_conversations} conversations: "
                f"{NO_STORE_HINT}, or retry in {wait} s (when the oldest one expires)",
                wait,
            )
        if per_client <= 0:
            return
        mine, my_oldest = con.execute(
            "SELECT count(*), min(last_at) FROM conversations WHERE client = ? AND last_at >= ?", (client, cutoff)
        ).fetchone()
        if mine >= per_client:
            wait = self._seconds_until_expiry(my_oldest, now)
            raise ConversationLimitError(_per_client_message(client, per_client, wait), wait)

    def _seconds_until_expiry(self, last_at: float | None, now: float) -> int:
        if last_at is None:
            return 1
        return max(1, math.ceil(last_at + self.ttl - now))

    def count(self) -> int:
        """Conversations still alive."""
        self._open()
        cutoff = time.time() - self.ttl
        with self._failures(), closing(self._connect()) as con:
            (alive,) = con.execute("SELECT count(*) FROM conversations WHERE last_at >= ?", (cutoff,)).fetchone()
        return int(alive)

    @staticmethod
    def _forget_expired(con: sqlite3.Connection, cutoff: float) -> None:
        con.execute("DELETE FROM turns WHERE created_at < ?", (cutoff,))
        con.execute("DELETE FROM conversations WHERE last_at < ?", (cutoff,))
