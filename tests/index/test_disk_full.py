"""A build that runs out of disk fails with a message that says so; the current generation stays."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer import IndexWriteError, build_index, current_name
from tests.support.data import REPORT
from tests.support.fakes import HashingEmbedder
from tests.support.mounts import mount_tmpfs, unmount


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs (needs root); skipped where mounting is not allowed, except when CI requires it."""
    mount = tmp_path / "small"
    mount.mkdir()
    mount_tmpfs(mount, "size=2m")
    try:
        yield mount
    finally:
        unmount(mount)


def test_a_full_disk_is_named_and_nothing_is_lost(small_disk: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(REPORT, corpus)
    embedder = HashingEmbedder(dim=384)
    index = small_disk / "index"
    build_index(corpus, index, embedder)
    served = current_name(index)
    big = REPORT.read_text(encoding="utf-8")
    for i in range(40):  # far more text than the 2 MB disk can hold as a second generation
        (corpus / f"copy-{i}.txt").write_text(f"Copy {i}.\n\n" + big, encoding="utf-8")
    with pytest.raises(
        IndexWriteError,
        match=r"the disk is full: no space left on the disk holding .*the current generation is unchanged",
    ):
        build_index(corpus, index, embedder, full=True)
    assert current_name(index) == served
    assert not list(index.glob(".staging-*")), "the partial generation was removed"
    for extra in corpus.glob("copy-*.txt"):
        extra.unlink()
    assert build_index(corpus, index, embedder, full=True).generation != served  # room again: builds work
