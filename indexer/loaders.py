"""Read corpus files into documents; files that cannot be read are skipped with a reason."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from indexer.errors import CorpusNotFoundError, UnreadableFileError
from indexer.models import BlockKind, Document, SkippedFile
from indexer.structure import parse

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".md", ".markdown", ".txt")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class CorpusLoad:
    """The documents of a corpus and the files that were skipped."""

    documents: tuple[Document, ...]
    skipped: tuple[SkippedFile, ...]


def decode_text(data: bytes, name: str) -> str:
    """Decode a text file's bytes, refusing empty, binary and non-UTF-8 content."""
    if not data.strip():
        raise UnreadableFileError(f"{name}: the file is empty; add text or remove it")
    if b"\x00" in data:
        raise UnreadableFileError(f"{name}: not a text file (it contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(
            f"{name}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); save it as UTF-8"
        ) from exc
    if _control_share(text) > 0.05:
        raise UnreadableFileError(f"{name}: not a text file (too many control characters)")
    return text


def _control_share(text: str) -> float:
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    return controls / len(text)


def document_id(relative: Path) -> str:
    """A stable, URL-safe id from a path inside the corpus (`reports/A b.txt` -> `reports-a-b`)."""
    slug = _NON_ALNUM.sub("-", relative.with_suffix("").as_posix().lower()).strip("-")
    return slug or "document"


def _title(doc_text: str, first_heading: tuple[int, str] | None, relative: Path) -> str:
    """A markdown file's leading `# Title`, else the file name made readable."""
    is_markdown = relative.suffix.lower() in (".md", ".markdown")
    if is_markdown and first_heading is not None and first_heading[0] == 1:
        return first_heading[1]
    words = re.sub(r"[-_]+", " ", relative.stem).strip()
    return (words[:1].upper() + words[1:]) if words else doc_text[:60]


def load_document(path: Path, corpus_dir: Path, doc_id: str | None = None) -> Document:
    """Load one file as a document. Raises UnreadableFileError with the reason."""
    relative = path.relative_to(corpus_dir)
    data = path.read_bytes()
    structure = parse(decode_text(data, relative.as_posix()))
    if not structure.text.strip():
        raise UnreadableFileError(f"{relative.as_posix()}: no text left after removing markup")
    first = next((b for b in structure.blocks if b.kind is BlockKind.HEADING), None)
    heading = None
    if first is not None and structure.sections:
        section = structure.sections[first.section]
        heading = (section.level, structure.text[first.start : first.end])
    return Document(
        id=doc_id or document_id(relative),
        title=_title(structure.text, heading, relative),
        source=relative.as_posix(),
        text=structure.text,
        sections=structure.sections,
        blocks=structure.blocks,
        content_hash=hashlib.sha256(data).hexdigest(),
    )


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Every regular, non-hidden file under the corpus directory, in a stable order."""
    if not corpus_dir.is_dir():
        raise CorpusNotFoundError(
            f"corpus directory {corpus_dir} does not exist: create it and put .txt or .md "
            "files in it, or point ASKREPORT_CORPUS_DIR / --corpus at your documents"
        )
    files = [
        p
        for p in corpus_dir.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(corpus_dir).parts)
    ]
    return sorted(files)


def _unique_ids(files: list[Path], corpus_dir: Path) -> dict[Path, str]:
    ids: dict[Path, str] = {}
    seen: set[str] = set()
    for path in files:
        base = document_id(path.relative_to(corpus_dir))
        candidate = base
        if candidate in seen:
            candidate = f"{base}-{path.suffix.lstrip('.').lower()}"
        n = 2
        while candidate in seen:
            candidate, n = f"{base}-{n}", n + 1
        seen.add(candidate)
        ids[path] = candidate
    return ids


def load_corpus(corpus_dir: Path) -> CorpusLoad:
    """Load every supported file; unsupported or unreadable files are skipped with a warning."""
    files = corpus_files(corpus_dir)
    ids = _unique_ids(files, corpus_dir)
    documents: list[Document] = []
    skipped: list[SkippedFile] = []
    for path in files:
        name = path.relative_to(corpus_dir).as_posix()
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            reason = f"unsupported file type '{path.suffix or '(none)'}' (supported: .md, .txt)"
            skipped.append(SkippedFile(name, reason))
            continue
        try:
            documents.append(load_document(path, corpus_dir, ids[path]))
        except (UnreadableFileError, OSError) as exc:
            skipped.append(SkippedFile(name, str(exc).removeprefix(f"{name}: ")))
    for item in skipped:
        log.warning("skipped %s: %s", item.path, item.reason)
    return CorpusLoad(tuple(documents), tuple(skipped))
