"""The original file of an indexed document, served by document id (`GET /documents/{id}/file`).

The path comes from the index, never from the request, and is read with the corpus's own checks
(a regular file inside the corpus, within the size limit). The bytes must be the ones indexed
(their SHA-256 is the document's content hash): a file changed since the build is refused, so a
citation's page always points into the version it was cut from; at most `MAX_AT_ONCE` files are held
in memory at a time. HTML and other active content is
served under a sandboxing Content-Security-Policy, so a document cannot run script on this origin
(PDFs are not: the browser's PDF viewer does not open in a sandbox).
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from fastapi import HTTPException
from fastapi.responses import Response

from indexer import Document, UnreadableFileError, read_bytes

CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".markdown": "text/markdown; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
_FALLBACK_TYPE = "application/octet-stream"
MAX_AT_ONCE = 4  # originals read into memory at the same time (each up to ASKREPORT_MAX_FILE_MB)
_WAIT_S = 30
_SERVING = threading.BoundedSemaphore(MAX_AT_ONCE)


def original_file(doc: Document, corpus_dir: Path, max_bytes: int) -> Response:
    """The response carrying `doc`'s file. Raises HTTPException 404 (gone), 409 (changed since indexed)
    or 503 (`MAX_AT_ONCE` originals are being read already, for longer than `_WAIT_S`)."""
    if not _SERVING.acquire(timeout=_WAIT_S):
        raise HTTPException(
            503,
            detail=f"{MAX_AT_ONCE} original files are being served already: retry in a few seconds",
            headers={"Retry-After": "5"},
        )
    try:
        return _response(doc, corpus_dir, max_bytes)
    finally:
        _SERVING.release()


def _response(doc: Document, corpus_dir: Path, max_bytes: int) -> Response:
    path = corpus_dir / doc.source
    try:
        data = read_bytes(path, corpus_dir, max_bytes)
    except (OSError, UnreadableFileError) as exc:
        raise HTTPException(
            404,
            detail=f"the file of document '{doc.id}' ({doc.source}) cannot be read from the corpus "
            f"({_why(exc)}): its indexed text is at /documents/{quote(doc.id, safe='')}",
        ) from exc
    if hashlib.sha256(data).hexdigest() != doc.content_hash:
        raise HTTPException(
            409,
            detail=f"the file {doc.source} changed since the index was built: rebuild the index "
            "(`askreport index` or POST /api/admin/index) to serve the new version; its indexed text is at "
            f"/documents/{quote(doc.id, safe='')}",
        )
    return Response(data, media_type=_content_type(doc.source), headers=_headers(doc.source))


def _why(exc: OSError | UnreadableFileError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "it is no longer there"
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    return str(exc)


def _content_type(source: str) -> str:
    return CONTENT_TYPES.get(PurePosixPath(source).suffix.lower(), _FALLBACK_TYPE)


def _headers(source: str) -> dict[str, str]:
    name = PurePosixPath(source).name
    headers = {
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(name, safe='')}",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-cache",
    }
    if PurePosixPath(source).suffix.lower() != ".pdf":  # a sandboxed PDF would not open in the browser's viewer
        headers["Content-Security-Policy"] = "sandbox"  # an HTML document never runs script with this origin's rights
    return headers
