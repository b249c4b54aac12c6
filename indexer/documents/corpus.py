"""Read a corpus directory into documents; files that cannot be read are skipped with a reason.

Every file is opened once, without trusting what the listing saw: the opened descriptor must be a
regular file inside the corpus (a symbolic link swapped after listing cannot lead out of it), and at
most the size limit plus one byte is read. `load_corpus` parses in a child process under a time and
memory budget (`indexer.documents.sandbox`); nothing a single file does stops the build.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePath

from indexer.documents.decoding import decode_text
from indexer.documents.ids import document_id, unique_ids
from indexer.documents.metadata import (
    MAX_METADATA_BYTES,
    SIDECAR_SUFFIX,
    SetMetadata,
    is_sidecar,
    orphan_sidecars,
    parse_sidecar,
    sidecar_paths,
    split_front_matter,
)
from indexer.documents.readers import READERS, Read, failure_reason, read_file
from indexer.documents.sandbox import ParseBudget, ParserProcess, shared_parser
from indexer.documents.titles import choose_title
from indexer.errors import CorpusNotFoundError, ReaderStartError, UnreadableFileError
from indexer.models import Document, SkippedFile

__all__ = ["CorpusLoad", "corpus_files", "document_id", "load_corpus", "load_document"]

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = tuple(sorted(READERS))
DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
_READ_STEP = 1024 * 1024
_SIDECAR_READ_LIMIT = 16 * MAX_METADATA_BYTES
_OUTSIDE = "it leads outside the corpus (a symbolic link to another place): copy the file into the corpus instead"
_HIDDEN = (
    "it leads to a hidden file or folder ({part}) inside the corpus, which is never indexed: "
    "link to a file whose path has no part starting with '.', or remove the link"
)


@dataclass(frozen=True)
class CorpusLoad:
    """The documents of a corpus and the files that were skipped."""

    documents: tuple[Document, ...]
    skipped: tuple[SkippedFile, ...]


def _warn_unreadable(relative: PurePath, pages: tuple[int, ...]) -> tuple[int, ...]:
    """Log the pages of a document whose text came out mostly unreadable; they are indexed as they are."""
    if pages:
        shown = ", ".join(str(p) for p in pages[:10]) + (" ..." if len(pages) > 10 else "")
        log.warning(
            "%s: %d pages are mostly unreadable (pages %s): their fonts have no usable Unicode mapping; "
            "run OCR on the file (e.g. ocrmypdf --force-ocr) and build again",
            relative.as_posix(),
            len(pages),
            shown,
        )
    return pages


def load_document(
    path: Path,
    corpus_dir: Path,
    doc_id: str | None = None,
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
    parser: ParserProcess | None = None,
) -> Document:
    """Load one file as a document, parsed by `parser` (or in this process, without a budget).

    The title is the one a sidecar or Markdown front matter sets, else the best the file offers
    (`indexer.documents.titles`), else the file name made readable.

    Raises:
        UnreadableFileError: the file cannot be indexed; the message says why.
    """
    relative = path.relative_to(corpus_dir)
    suffix = path.suffix.lower()
    if suffix not in READERS:
        supported = ", ".join(SUPPORTED_SUFFIXES)
        raise UnreadableFileError(f"unsupported file type '{path.suffix or '(none)'}' (supported: {supported})")
    data = read_bytes(path, corpus_dir, max_bytes)
    read: Read = parser.read(suffix, data) if parser is not None else read_file(suffix, data)
    if not read.structure.text.strip():
        raise UnreadableFileError("no text left after removing markup")
    set_title = _set_title(path, corpus_dir, suffix, data)
    return Document(
        id=doc_id or document_id(relative),
        title=set_title or choose_title(read.titles, relative.name),
        source=relative.as_posix(),
        text=read.structure.text,
        sections=read.structure.sections,
        blocks=read.structure.blocks,
        content_hash=hashlib.sha256(data).hexdigest(),
        pages=read.structure.pages,
        unreadable_pages=_warn_unreadable(relative, read.unreadable_pages),
    )


def _set_title(path: Path, corpus_dir: Path, suffix: str, data: bytes) -> str | None:
    """The title a team set for the file: its sidecar's, else (Markdown) its front matter's."""
    name = path.relative_to(corpus_dir).as_posix()
    for where, metadata in (*_sidecar(path, corpus_dir), *_front_matter(suffix, data)):
        if metadata.problem is not None:
            log.warning("metadata of %r in %s: %s", name, where, metadata.problem)
        if metadata.title is not None:
            return metadata.title
    return None


def _sidecar(path: Path, corpus_dir: Path) -> list[tuple[str, SetMetadata]]:
    """The first sidecar beside the file, read as safely as a document; [] when there is none."""
    for candidate in sidecar_paths(path):
        where = candidate.relative_to(corpus_dir).as_posix()
        try:  # read past the limit, so that parse_sidecar can say it is too large
            return [(where, parse_sidecar(read_bytes(candidate, corpus_dir, _SIDECAR_READ_LIMIT)))]
        except FileNotFoundError:
            continue
        except (OSError, UnreadableFileError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            return [(where, SetMetadata(problem=f"it cannot be read ({reason}); the file's own title is used"))]
    return []


def _front_matter(suffix: str, data: bytes) -> list[tuple[str, SetMetadata]]:
    if suffix not in (".md", ".markdown"):
        return []
    try:
        metadata, _ = split_front_matter(decode_text(data))
    except UnreadableFileError:  # the reader names what is wrong with the text
        return []
    return [("its front matter", metadata)] if metadata is not None else []


def read_bytes(path: Path, corpus_dir: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file inside the corpus, at most `max_bytes` of them.

    Raises:
        UnreadableFileError: not a regular file, outside the corpus, over the limit or unreadable.
    """
    root = corpus_dir.resolve()
    _check_kind(os.stat(path).st_mode)  # never open a FIFO or a device, even without blocking
    _check_target(Path(os.path.realpath(path)), root)  # what the descriptor check confirms below
    fd = os.open(path, _OPEN_FLAGS)
    try:
        info = os.fstat(fd)
        _check_kind(info.st_mode)  # the entry may have been swapped since the line above
        _check_inside(fd, path, root)
        _check_size(info.st_size, max_bytes)
        os.set_blocking(fd, True)
        data = _read_at_most(fd, max_bytes + 1)
    finally:
        os.close(fd)
    _check_size(len(data), max_bytes)
    return data


def _check_kind(mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    kind = (
        "a named pipe (FIFO)"
        if stat.S_ISFIFO(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "not a regular file"
    )
    raise UnreadableFileError(f"{kind}, not a document: only regular files are indexed; move it out of the corpus")


def _check_inside(fd: int, path: Path, root: Path) -> None:
    """The opened file, wherever links led, must lie inside the corpus."""
    try:
        real = Path(os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:  # no /proc: compare the descriptor with what the path resolves to now
        real = path.resolve()
        if not os.path.samestat(os.fstat(fd), os.stat(real)):
            raise UnreadableFileError("the file changed while it was opened; build again") from None
    _check_target(real, root)


def _check_target(real: Path, root: Path) -> None:
    """Where a path really leads must be inside the corpus and, like the listing, not hidden."""
    if not real.is_relative_to(root):
        raise UnreadableFileError(_OUTSIDE)
    hidden = next((part for part in real.relative_to(root).parts if part.startswith(".")), None)
    if hidden is not None:
        raise UnreadableFileError(_HIDDEN.format(part=hidden))


def _check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise UnreadableFileError(
            f"the file is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:g} MB limit "
            "(raise ASKREPORT_MAX_FILE_MB to index it)"
        )


def _read_at_most(fd: int, limit: int) -> bytes:
    parts: list[bytes] = []
    left = limit
    while left > 0:
        part = os.read(fd, min(left, _READ_STEP))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def corpus_files(corpus_dir: Path, sidecars: bool = False) -> list[Path]:
    """Every non-hidden file under the corpus directory but metadata sidecars (`*.meta.json`, listed too
    with `sidecars`: what a watcher must look at), in a stable order.

    Directories that vanish during the scan are passed over. Symbolic links are not followed out of
    the corpus: a link whose target lies outside it, or that leads nowhere, is left out. Named pipes,
    devices and sockets are listed (loading skips them with a reason).
    """
    return [path for path in _all_files(corpus_dir) if sidecars or not is_sidecar(path)]


def _all_files(corpus_dir: Path) -> list[Path]:
    if not corpus_dir.is_dir():
        raise CorpusNotFoundError(
            f"corpus directory {corpus_dir} does not exist: create it and put documents in it, "
            "or point ASKREPORT_CORPUS_DIR / --corpus at your documents"
        )
    root = corpus_dir.resolve()
    files: list[Path] = []
    for top, dirs, names in os.walk(corpus_dir, onerror=_vanished):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            path = Path(top, name)
            if not name.startswith(".") and _listable(path, root):
                files.append(path)
    return sorted(files)


def _vanished(exc: OSError) -> None:
    log.info("passed over %s during the corpus scan: %s", exc.filename, exc.strerror)


def _listable(path: Path, root: Path) -> bool:
    try:
        mode = os.stat(path).st_mode  # follows links: a link to a directory is not a file
        return not stat.S_ISDIR(mode) and path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # vanished, a dangling or looping link
        return False


def load_corpus(
    corpus_dir: Path, max_bytes: int = DEFAULT_MAX_FILE_BYTES, budget: ParseBudget | None = None
) -> CorpusLoad:
    """Load every supported file, each parsed under `budget`; the others are skipped with the reason.

    Raises:
        CorpusNotFoundError: `corpus_dir` is not a directory.
        ReaderStartError: the reader process could not start (too many open files, no memory).
    """
    every = _all_files(corpus_dir)
    files = [path for path in every if not is_sidecar(path)]
    relatives = {path: PurePath(path.relative_to(corpus_dir)) for path in files}
    ids = unique_ids(relatives.values())
    documents: list[Document] = []
    skipped: list[SkippedFile] = []
    with shared_parser(budget) as parser:
        for path in files:
            name = relatives[path].as_posix()
            try:
                documents.append(load_document(path, corpus_dir, ids[relatives[path]], max_bytes, parser))
            except ReaderStartError:
                raise  # the same for every file: the build fails once, with the reason
            except Exception as exc:  # whatever one file does, the others are still indexed
                skipped.append(SkippedFile(name, _reason(exc)))
                log.info("skipped %r: %s", name, skipped[-1].reason, exc_info=not isinstance(exc, UnreadableFileError))
    skipped.extend(_orphan(path.relative_to(corpus_dir).as_posix()) for path in orphan_sidecars(every))
    return CorpusLoad(tuple(documents), tuple(skipped))


def _orphan(name: str) -> SkippedFile:
    described = name[: -len(SIDECAR_SUFFIX)]
    return SkippedFile(
        name,
        f"a metadata sidecar for '{described}' (or '{described}.*'), which is not in the corpus: "
        f"name it after its document (report.pdf.meta.json or report.meta.json beside report.pdf) or remove it",
    )


def _reason(exc: Exception) -> str:
    if isinstance(exc, UnreadableFileError):
        return str(exc)
    if isinstance(exc, FileNotFoundError):
        return "it was removed while the corpus was read"
    if isinstance(exc, OSError):
        return f"it cannot be read ({exc.strerror or exc}): check its permissions"
    return failure_reason(exc)
