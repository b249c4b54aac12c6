"""The SQLite half of an index generation: documents, sections and chunks."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from indexer.errors import DocumentNotFoundError
from indexer.models import Chunk, Document, Page, Section

SCHEMA = """
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE TABLE sections (
    document_id TEXT NOT NULL REFERENCES documents(id),
    ordinal INTEGER NOT NULL,
    path TEXT NOT NULL,
    level INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    PRIMARY KEY (document_id, ordinal)
);
CREATE TABLE chunks (
    id INTEGER PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id),
    section INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    page INTEGER,
    page_label TEXT,
    text TEXT NOT NULL,
    embed_text TEXT NOT NULL,
    content_hash TEXT NOT NULL
);
CREATE INDEX chunks_document ON chunks(document_id);
CREATE TABLE pages (
    document_id TEXT NOT NULL REFERENCES documents(id),
    number INTEGER NOT NULL,
    label TEXT NOT NULL,
    start INTEGER NOT NULL,
    PRIMARY KEY (document_id, number)
);
"""


def write_store(
    path: Path,
    documents: Sequence[Document],
    chunks: Sequence[Chunk],
    chunk_hashes: Sequence[str],
) -> None:
    """Write a new store; chunk row ids are 0..n-1 in the order given (they are the FAISS ids)."""
    con = sqlite3.connect(path)
    try:
        con.executescript(SCHEMA)
        con.executemany(
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?)",
            [(d.id, d.title, d.source, d.content_hash, d.text) for d in documents],
        )
        con.executemany(
            "INSERT INTO sections VALUES (?, ?, ?, ?, ?, ?)",
            [_section_row(d.id, s) for d in documents for s in d.sections],
        )
        con.executemany(
            "INSERT INTO pages VALUES (?, ?, ?, ?)",
            [(d.id, p.number, p.label, p.start) for d in documents for p in d.pages],
        )
        con.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (i, c.document_id, c.section, c.start, c.end, c.page, c.page_label, c.text, c.embed_text, h)
                for i, (c, h) in enumerate(zip(chunks, chunk_hashes, strict=True))
            ],
        )
        con.commit()
    finally:
        con.close()


def _section_row(doc_id: str, s: Section) -> tuple[object, ...]:
    return (doc_id, s.ordinal, json.dumps(list(s.path)), s.level, s.start, s.end)


@dataclass(frozen=True)
class DocumentInfo:
    """A document's size without its text."""

    id: str
    title: str
    characters: int
    sections: int


class Store:
    """Read-only access to a generation's SQLite file, safe to share between threads."""

    def __init__(self, path: Path) -> None:
        # a URI, for mode=ro: `#`, `?` and `%` in the path would otherwise end or escape it
        uri = f"file:{quote(str(path.absolute()))}?mode=ro"
        self._con = sqlite3.connect(uri, uri=True, check_same_thread=False)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._con.close()

    def _rows(self, sql: str, params: Iterable[object] = ()) -> list[Any]:
        with self._lock:
            return self._con.execute(sql, tuple(params)).fetchall()

    def chunk_count(self) -> int:
        return int(self._rows("SELECT count(*) FROM chunks")[0][0])

    def document_count(self) -> int:
        return int(self._rows("SELECT count(*) FROM documents")[0][0])

    def integrity_problems(self) -> list[str]:
        """Why a search could not follow a chunk's links (ids not 0..n-1, missing documents or sections)."""
        problems: list[str] = []
        low, high, count = self._rows("SELECT min(id), max(id), count(*) FROM chunks")[0]
        if count and (low, high) != (0, count - 1):
            problems.append(f"chunk ids run from {low} to {high} for {count} chunks, not from 0 to {count - 1}")
        for what, sql in _DANGLING.items():
            row = self._rows(sql)[0]
            if row[0]:
                problems.append(f"{row[0]} chunks name a {what} that does not exist (chunk {row[1]} is one)")
        return problems

    def chunks(self, ids: Sequence[int]) -> dict[int, Chunk]:
        """Chunks by row id, with their section paths."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._rows(
            'SELECT c.id, c.document_id, c.section, s.path, c.start, c."end", c.text, '
            "c.embed_text, c.page, c.page_label FROM chunks c JOIN sections s "
            "ON s.document_id = c.document_id AND s.ordinal = c.section "
            f"WHERE c.id IN ({marks})",
            ids,
        )
        return {int(r[0]): _chunk(r) for r in rows}

    def chunks_of(self, doc_id: str) -> list[tuple[Chunk, str]]:
        """A document's chunks in order, each with its content hash."""
        rows = self._rows(
            'SELECT c.id, c.document_id, c.section, s.path, c.start, c."end", c.text, '
            "c.embed_text, c.page, c.page_label, c.content_hash FROM chunks c JOIN sections s "
            "ON s.document_id = c.document_id AND s.ordinal = c.section "
            "WHERE c.document_id = ? ORDER BY c.id",
            [doc_id],
        )
        return [(_chunk(r[:10]), str(r[10])) for r in rows]

    def chunk_documents(self) -> list[str]:
        """The document id of every chunk row, in row order."""
        return [str(r[0]) for r in self._rows("SELECT document_id FROM chunks ORDER BY id")]

    def chunk_hashes(self) -> list[str]:
        return [str(r[0]) for r in self._rows("SELECT content_hash FROM chunks ORDER BY id")]

    def document_ids(self) -> list[str]:
        return [str(r[0]) for r in self._rows("SELECT id FROM documents ORDER BY id")]

    def document(self, doc_id: str) -> Document:
        """The document with its canonical text and sections; DocumentNotFoundError if absent."""
        rows = self._rows("SELECT id, title, source, text, content_hash FROM documents WHERE id = ?", [doc_id])
        if not rows:
            raise DocumentNotFoundError(f"no document with id '{doc_id}': GET /api/documents lists the ids")
        did, title, source, text, content_hash = (str(v) for v in rows[0])
        sections = tuple(
            Section(int(o), tuple(json.loads(str(p))), int(lv), int(s), int(e))
            for o, p, lv, s, e in self._rows(
                'SELECT ordinal, path, level, start, "end" FROM sections WHERE document_id = ? ORDER BY ordinal',
                [doc_id],
            )
        )
        pages = tuple(
            Page(int(n), str(label), int(start))
            for n, label, start in self._rows(
                "SELECT number, label, start FROM pages WHERE document_id = ? ORDER BY number", [doc_id]
            )
        )
        return Document(did, title, source, text, sections, (), content_hash, pages)

    def document_infos(self) -> list[DocumentInfo]:
        rows = self._rows(
            "SELECT d.id, d.title, length(d.text), "
            "(SELECT count(*) FROM sections s WHERE s.document_id = d.id) "
            "FROM documents d ORDER BY d.id"
        )
        return [DocumentInfo(str(i), str(t), int(n), int(s)) for i, t, n, s in rows]

    def titles(self) -> dict[str, str]:
        return {str(r[0]): str(r[1]) for r in self._rows("SELECT id, title FROM documents")}


_DANGLING = {
    "document": "SELECT count(*), min(c.id) FROM chunks c LEFT JOIN documents d ON d.id = c.document_id "
    "WHERE d.id IS NULL",
    "section": "SELECT count(*), min(c.id) FROM chunks c LEFT JOIN sections s "
    "ON s.document_id = c.document_id AND s.ordinal = c.section WHERE s.document_id IS NULL",
}


def _chunk(row: Any) -> Chunk:
    _, doc_id, section, path, start, end, text, embed_text, page, page_label = row
    return Chunk(
        document_id=str(doc_id),
        section=int(section),
        section_path=tuple(json.loads(str(path))),
        start=int(start),
        end=int(end),
        text=str(text),
        embed_text=str(embed_text),
        page=None if page is None else int(page),
        page_label=None if page_label is None else str(page_label),
    )
