"""Read a corpus directory into documents; files that cannot be read are skipped with a reason."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from indexer.errors import CorpusNotFoundError, UnreadableFileError
from indexer.models import Document, SkippedFile
from indexer.readers import READERS

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = tuple(sorted(READERS))
DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class CorpusLoad:
    """The documents of a corpus and the files that were skipped."""

    documents: tuple[Document, ...]
    skipped: tuple[SkippedFile, ...]


def document_id(relative: Path) -> str:
    """A stable, URL-safe id from a path inside the corpus (`reports/A b.txt` -> `reports-a-b`)."""
    slug = _NON_ALNUM.sub("-", relative.with_suffix("").as_posix().lower()).strip("-")
    return slug or "document"


def _readable_name(relative: Path) -> str:
    words = re.sub(r"[-_]+", " ", relative.stem).strip() or relative.name.strip()
    return words[:1].upper() + words[1:]


def load_document(
    path: Path, corpus_dir: Path, doc_id: str | None = None, max_bytes: int = DEFAULT_MAX_FILE_BYTES
) -> Document:
    """Load one file as a document. Raises UnreadableFileError with the reason."""
    relative = path.relative_to(corpus_dir)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        supported = ", ".join(SUPPORTED_SUFFIXES)
        raise UnreadableFileError(f"unsupported file type '{path.suffix or '(none)'}' (supported: {supported})")
    size = path.stat().st_size
    if size > max_bytes:
        raise UnreadableFileError(
            f"the file is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:g} MB limit "
            "(raise ASKREPORT_MAX_FILE_MB to index it)"
        )
    data = path.read_bytes()
    read = reader(data)
    if not read.structure.text.strip():
        raise UnreadableFileError("no text left after removing markup")
    return Document(
        id=doc_id or document_id(relative),
        title=read.title or _readable_name(relative),
        source=relative.as_posix(),
        text=read.structure.text,
        sections=read.structure.sections,
        blocks=read.structure.blocks,
        content_hash=hashlib.sha256(data).hexdigest(),
    )


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Every regular, non-hidden file under the corpus directory, in a stable order.

    Symbolic links are not followed out of the corpus: a link whose target lies
    outside the corpus directory is left out.
    """
    if not corpus_dir.is_dir():
        raise CorpusNotFoundError(
            f"corpus directory {corpus_dir} does not exist: create it and put documents in it, "
            "or point ASKREPORT_CORPUS_DIR / --corpus at your documents"
        )
    root = corpus_dir.resolve()
    files = [
        p
        for p in corpus_dir.rglob("*")
        if p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(corpus_dir).parts)
        and p.resolve().is_relative_to(root)
    ]
    return sorted(files)


def _unique_ids(files: list[Path], corpus_dir: Path) -> dict[Path, str]:
    ids: dict[Path, str] = {}
    seen: set[str] = set()
    for path in files:
        base = document_id(path.relative_to(corpus_dir))
        candidate = base if base not in seen else f"{base}-{path.suffix.lstrip('.').lower()}"
        n = 2
        while candidate in seen:
            candidate, n = f"{base}-{n}", n + 1
        seen.add(candidate)
        ids[path] = candidate
    return ids


def load_corpus(corpus_dir: Path, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> CorpusLoad:
    """Load every supported file; unreadable ones are skipped with a warning naming the reason."""
    files = corpus_files(corpus_dir)
    ids = _unique_ids(files, corpus_dir)
    documents: list[Document] = []
    skipped: list[SkippedFile] = []
    for path in files:
        name = path.relative_to(corpus_dir).as_posix()
        try:
            documents.append(load_document(path, corpus_dir, ids[path], max_bytes))
        except (UnreadableFileError, OSError) as exc:
            skipped.append(SkippedFile(name, str(exc)))
            log.info("skipped %s: %s", name, exc)
    return CorpusLoad(tuple(documents), tuple(skipped))
