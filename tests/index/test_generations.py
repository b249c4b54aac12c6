"""Generations on disk: CURRENT that cannot be read, and publishing that a kill at any step leaves consistent.

A kill is simulated by leaving the disk as the publishing steps up to that moment leave it
(`publish`: rename the staging directory into place, switch CURRENT, write the PUBLISHED mark).
"""

from pathlib import Path

import pytest

from indexer import IndexCorruptError, build_index, current_name, open_current
from indexer.index.generations import KEEP_GENERATIONS, generation_names, point_current, previous_name
from indexer.index.layout import PUBLISHED_MARK
from tests.support.data import CORPUS
from tests.support.fakes import HashingEmbedder


@pytest.fixture()
def index(tmp_path: Path) -> Path:
    return tmp_path / "index"


def _build(index: Path) -> str:
    return build_index(CORPUS, index, HashingEmbedder()).generation


def _unmark(index: Path, name: str) -> None:
    (index / "generations" / name / PUBLISHED_MARK).unlink()


def test_a_kill_after_switching_current_does_not_hide_the_served_generation_from_rollback(index: Path) -> None:
    first = _build(index)
    second = _build(index)
    _unmark(index, second)  # killed after CURRENT named `second`, before its mark was written
    assert current_name(index) == second
    third = _build(index)
    assert current_name(index) == third
    assert previous_name(index) == second, "the generation that was served must be a rollback target"
    point_current(index, second)
    assert previous_name(index) == first


def test_rolling_back_from_a_generation_left_unmarked_keeps_it_a_rollback_target(index: Path) -> None:
    first = _build(index)
    second = _build(index)
    _unmark(index, second)  # killed before the mark, as above; then the operator rolls back
    point_current(index, previous_name(index))
    assert current_name(index) == first
    third = _build(index)
    assert second in generation_names(index) and current_name(index) == third
    assert previous_name(index) == second


def test_a_generation_never_made_current_does_not_count_toward_the_kept_ones(index: Path) -> None:
    first = _build(index)
    orphan = _build(index)
    point_current(index, first)  # killed after renaming `orphan` into place, before CURRENT named it
    _unmark(index, orphan)
    later = [_build(index) for _ in range(KEEP_GENERATIONS - 1)]
    assert generation_names(index) == [first, *later], "the orphan is removed, the published ones kept"
    assert previous_name(index) == later[-2]
    point_current(index, later[0])
    assert previous_name(index) == first


def test_a_generation_copied_in_by_hand_and_made_current_is_kept(index: Path) -> None:
    first = _build(index)
    second = _build(index)
    point_current(index, first)
    _unmark(index, second)  # never current, say
    _unmark(index, first)  # e.g. restored from a copy without its mark, then made current by hand
    third = _build(index)
    assert first in generation_names(index) and previous_name(index) == first
    assert third == current_name(index) and second not in generation_names(index)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe000001\n", r"CURRENT cannot be read \(.*utf-8.*\): it must be a readable file"),
        (b"000001\x00\n", r"names no valid generation"),
        (b"x" * 300 + b"\n", r"points at x+, which does not exist"),
    ],
)
def test_current_that_cannot_be_read_is_a_named_error(index: Path, content: bytes, message: str) -> None:
    _build(index)
    (index / "CURRENT").write_bytes(content)
    with pytest.raises(IndexCorruptError, match=message):
        open_current(index)


def test_current_that_is_a_directory_is_a_named_error(index: Path) -> None:
    _build(index)
    (index / "CURRENT").unlink()
    (index / "CURRENT").mkdir()
    with pytest.raises(IndexCorruptError, match=r"CURRENT cannot be read \(.*Is a directory"):
        current_name(index)
