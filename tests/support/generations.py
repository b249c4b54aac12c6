"""Index roots made of copies of a real generation, some broken on purpose, for loading tests."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np

from indexer import current_name
from indexer.index.generations import current_dir, point_current

VECTORS = "vectors.npy"
STORE = "chunks.sqlite3"


def copy_generation(source_root: Path, root: Path, name: str) -> Path:
    """Copy the generation `source_root/CURRENT` names into `root/generations/name` (CURRENT unchanged)."""
    target = root / "generations" / name
    shutil.copytree(current_dir(source_root), target)
    return target


def empty_vectors(generation: Path) -> None:
    (generation / VECTORS).write_bytes(b"")  # np.load: EOFError


def nan_vectors(generation: Path) -> None:
    vectors = np.load(generation / VECTORS)
    vectors[0] = np.nan
    np.save(generation / VECTORS, vectors)


BREAKERS: dict[str, Callable[[Path], None]] = {"empty vectors.npy": empty_vectors, "NaN vectors": nan_vectors}


def root_with(source_root: Path, root: Path, good: list[str], broken: dict[str, Callable[[Path], None]]) -> Path:
    """An index root holding good copies and broken copies of the source's generation; CURRENT names good[0]."""
    for name in good:
        copy_generation(source_root, root, name)
    for name, breaker in broken.items():
        breaker(copy_generation(source_root, root, name))
    point_current(root, good[0])
    return root


def good_broken_good(source_root: Path, root: Path) -> tuple[Path, str]:
    """A root for following reloads: CURRENT names a copy of the source's generation under its own name (so
    the first load is an ordinary one), beside "broken-b" (a 0-byte vectors.npy) and "good-c".

    Returns the root and the name of its current generation.
    """
    good_a = current_name(source_root)
    return root_with(source_root, root, [good_a, "good-c"], {"broken-b": empty_vectors}), good_a
