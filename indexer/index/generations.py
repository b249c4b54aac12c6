"""Index generations on disk: `ROOT/generations/NAME/` and a `ROOT/CURRENT` pointer.

A build holds an exclusive lock on the index root, writes into a staging
directory, renames it into place and only then switches CURRENT (temp file,
fsync, `os.replace`): a reader sees the old generation or the new one, never a
half-written one, whatever happens to the build. Generation names sort in
publication order (`000042-20261128T021500Z`).
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from indexer.errors import BuildInProgressError, IndexCorruptError, IndexNotFoundError, IndexWriteError
from indexer.index.layout import (
    CURRENT_FILE,
    CURRENT_TEMP,
    GENERATIONS_DIR,
    LOCK_FILE,
    PUBLISHED_MARK,
    STAGING_PREFIX,
)

if TYPE_CHECKING:
    from indexer.index.manifest import Manifest

KEEP_GENERATIONS = 3


def generation_names(root: Path) -> list[str]:
    """Published generation directories, oldest first."""
    base = root / GENERATIONS_DIR
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))


def new_generation_name(root: Path, now: datetime | None = None) -> str:
    """The next generation name: a sequence number, then the UTC time."""
    names = generation_names(root)
    last = int(names[-1].split("-", 1)[0]) if names and names[-1].split("-", 1)[0].isdigit() else 0
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{last + 1:06d}-{stamp}"


@contextmanager
def build_lock(root: Path) -> Iterator[None]:
    """Hold the index root's build lock; BuildInProgressError if another build holds it.

    Raises IndexWriteError when the index directory cannot be written (read-only, permissions).
    """
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd = os.open(root / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise IndexWriteError(
            f"cannot write to the index directory {root} ({exc.strerror or exc}): make it writable for this user, "
            "or point ASKREPORT_INDEX_DIR / --index at a writable directory; the current generation is unchanged"
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildInProgressError(
                f"another build is running on {root}: wait for it to finish, then try again"
            ) from None
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock, also when the process dies


def remove_orphans(root: Path) -> list[str]:
    """Delete staging directories left by builds that died; call with the build lock held."""
    base = root / GENERATIONS_DIR
    if not base.is_dir():
        return []
    orphans = [p for p in base.iterdir() if p.name.startswith(STAGING_PREFIX)]
    for path in orphans:
        shutil.rmtree(path, ignore_errors=True)
    return [p.name for p in orphans]


def staging_dir(root: Path, name: str) -> Path:
    """Create and return the directory a build writes generation `name` into."""
    path = root / GENERATIONS_DIR / f"{STAGING_PREFIX}{name}"
    path.mkdir(parents=True)
    return path


def publish(root: Path, staging: Path, name: str) -> Path:
    """Move a finished staging directory into place, point CURRENT at it, then mark it published.

    A kill before the mark is written leaves it current but unmarked: `point_current` marks it when
    the next build or a rollback replaces it, so rollback still finds it.
    """
    final = root / GENERATIONS_DIR / name
    _fsync_tree(staging)
    os.replace(staging, final)
    _fsync_dir(final.parent)
    point_current(root, name)
    _mark_current(root)
    return final


def _mark_current(root: Path) -> None:
    """Write the PUBLISHED mark into the generation CURRENT names, if it lacks one."""
    try:
        path = current_dir(root)
    except (IndexNotFoundError, IndexCorruptError):
        return
    mark = path / PUBLISHED_MARK
    if not mark.exists():
        mark.touch()
        _fsync_dir(path)


def is_published(root: Path, name: str, current: str = "") -> bool:
    """Whether generation `name` has been current: it holds the mark, or CURRENT names it now."""
    return name == current or (root / GENERATIONS_DIR / name / PUBLISHED_MARK).exists()


def point_current(root: Path, name: str) -> None:
    """Atomically make `name` the current generation; the one it replaces is marked as published."""
    _mark_current(root)  # it has been served, whatever killed the process that made it current
    tmp = root / CURRENT_TEMP
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, root / CURRENT_FILE)
    _fsync_dir(root)


def prune(root: Path, keep: int = KEEP_GENERATIONS) -> list[str]:
    """Delete all but the newest `keep` published generations (never the current one); call with the lock held.

    A generation that was never current (its build died after renaming it into place, before
    switching CURRENT) counts for nothing: rollback skips it, so it is deleted like a staging orphan.
    """
    names = generation_names(root)
    try:
        current = current_name(root)
    except (IndexNotFoundError, IndexCorruptError):
        current = ""
    published = [n for n in names if is_published(root, n, current)]
    kept = set(published[-keep:]) if keep > 0 else set()
    doomed = [n for n in names if n not in kept and n != current]
    for name in doomed:
        shutil.rmtree(root / GENERATIONS_DIR / name, ignore_errors=True)
    return doomed


def previous_name(root: Path) -> str:
    """The generation published before the current one; IndexNotFoundError if there is none."""
    current = current_name(root)
    # a build killed between renaming its directory and switching CURRENT leaves a generation
    # that was never served: rolling back to it would be a surprise
    older = [n for n in generation_names(root) if n < current and is_published(root, n)]
    if not older:
        raise IndexNotFoundError(f"no generation older than {current} is kept in {root}: nothing to roll back to")
    return older[-1]


def current_name(root: Path) -> str:
    """The name of the published generation; IndexNotFoundError when there is none."""
    path = root / CURRENT_FILE
    try:
        name = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError as exc:
        raise IndexNotFoundError(f"no index at {root}: run `askreport index` to build it from your corpus") from exc
    except (OSError, UnicodeDecodeError) as exc:  # a directory, no permission, bytes that are not UTF-8
        raise IndexCorruptError(
            f"{path} cannot be read ({exc}): it must be a readable file holding one generation name; "
            "run `askreport index` to write it again"
        ) from exc
    if not name or "/" in name or "\0" in name or name.startswith("."):
        raise IndexCorruptError(
            f"{root / CURRENT_FILE} names no valid generation ({name!r}): run `askreport index` to build a new one"
        )
    return name


def current_dir(root: Path) -> Path:
    """The directory of the published generation."""
    name = current_name(root)
    path = root / GENERATIONS_DIR / name
    try:
        found = path.is_dir()
    except OSError:  # a name too long, a directory without search permission
        found = False
    if not found:
        raise IndexCorruptError(
            f"{root / CURRENT_FILE} points at {name}, which does not exist: "
            "run `askreport index` to build a new generation"
        )
    return path


def _fsync_tree(path: Path) -> None:
    for item in path.iterdir():
        if item.is_file():
            fd = os.open(item, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    _fsync_dir(path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Rollback:
    """What `rollback` changed: the generation that was current and the one that is now."""

    before: str
    after: str


def rollback(root: Path) -> Rollback:
    """Make the previous kept generation current again, under the build lock (a running server follows)."""
    with build_lock(root):
        before = current_name(root)
        after = previous_name(root)
        point_current(root, after)
    return Rollback(before=before, after=after)


@dataclass(frozen=True)
class IndexStatus:
    """The current generation of an index directory: where it is, its manifest and the generations kept."""

    root: Path
    path: Path
    manifest: Manifest
    kept: tuple[str, ...]


def status(root: Path) -> IndexStatus:
    """Read the current generation's manifest and list the kept generations (raises a named error if none)."""
    from indexer.index.manifest import read_manifest

    path = current_dir(root)
    return IndexStatus(root=root, path=path, manifest=read_manifest(path), kept=tuple(generation_names(root)))
