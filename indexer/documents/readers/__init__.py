"""Turn the bytes of one file into structure, by format: text/markdown, HTML, PDF, DOCX.

Each reader returns the document's structure and the titles the file offers (`Read`).
Anything that makes a file unusable raises UnreadableFileError with the reason.
"""

from __future__ import annotations

from collections.abc import Callable

from indexer.documents.readers.docx import read_docx
from indexer.documents.readers.html import read_html
from indexer.documents.readers.pdf import read_pdf
from indexer.documents.readers.result import Read
from indexer.documents.readers.text import read_markdown, read_plain
from indexer.errors import UnreadableFileError

__all__ = [
    "READERS",
    "Read",
    "failure_reason",
    "read_docx",
    "read_file",
    "read_html",
    "read_markdown",
    "read_pdf",
    "read_plain",
]

READERS: dict[str, Callable[[bytes], Read]] = {
    ".txt": read_plain,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
    ".docx": read_docx,
}


def read_file(suffix: str, data: bytes) -> Read:
    """Read a file's bytes with the reader for its suffix; any failure becomes UnreadableFileError.

    Raises:
        UnreadableFileError: no reader for the suffix, or the file cannot be read (the reason says why).
    """
    reader = READERS.get(suffix.lower())
    if reader is None:
        supported = ", ".join(sorted(READERS))
        raise UnreadableFileError(f"unsupported file type '{suffix or '(none)'}' (supported: {supported})")
    try:
        return reader(data)
    except UnreadableFileError:
        raise
    except Exception as exc:  # a reader's library failing on a hostile file must not stop the build
        raise UnreadableFileError(failure_reason(exc)) from exc


def failure_reason(exc: BaseException) -> str:
    """Why reading failed, for an exception no reader expected (RecursionError on a looping PDF...)."""
    detail = str(exc).strip()
    described = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return f"reading it failed ({described[:300]}): the file is corrupt or built to break readers; re-save it"
