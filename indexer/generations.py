"""Index generations on disk: `ROOT/generations/NAME/` and a `ROOT/CURRENT` pointer.

A build writes into a staging directory, renames it into place and only then
switches CURRENT (write a temp file, fsync, `os.replace`), so a reader sees
either the old generation or the new one, never a half-written one.
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

from indexer.errors import IndexCorruptError, IndexNotFoundError

CURRENT_FILE = "CURRENT"
GENERATIONS_DIR = "generations"
STAGING_PREFIX = ".staging-"


def new_generation_name(now: datetime | None = None) -> str:
    """A sortable, unique generation name such as `20261128T021500Z-3f9a`."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{secrets.token_hex(2)}"


def staging_dir(root: Path, name: str) -> Path:
    """Create and return the directory a build writes generation `name` into."""
    path = root / GENERATIONS_DIR / f"{STAGING_PREFIX}{name}"
    path.mkdir(parents=True)
    return path


def publish(root: Path, staging: Path, name: str) -> Path:
    """Move a finished staging directory into place and point CURRENT at it."""
    final = root / GENERATIONS_DIR / name
    _fsync_tree(staging)
    os.replace(staging, final)
    _fsync_dir(final.parent)
    tmp = root / f".{CURRENT_FILE}.tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, root / CURRENT_FILE)
    _fsync_dir(root)
    return final


def current_name(root: Path) -> str:
    """The name of the published generation; IndexNotFoundError when there is none."""
    try:
        name = (root / CURRENT_FILE).read_text(encoding="utf-8").strip()
    except FileNotFoundError as exc:
        raise IndexNotFoundError(
            f"no index at {root}: run `askreport index` to build it from your corpus"
        ) from exc
    if not name or "/" in name or name.startswith("."):
        raise IndexCorruptError(
            f"{root / CURRENT_FILE} names no valid generation ({name!r}): "
            "run `askreport index` to build a new one"
        )
    return name


def current_dir(root: Path) -> Path:
    """The directory of the published generation."""
    name = current_name(root)
    path = root / GENERATIONS_DIR / name
    if not path.is_dir():
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
