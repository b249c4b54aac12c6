"""Deterministic measures of work, for tests that an algorithm stays linear (timing belongs in bench/)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType, ModuleType
from typing import Any, TypeVar

T = TypeVar("T")


def lines_run(modules: tuple[ModuleType, ...], work: Callable[[], T]) -> tuple[int, T]:
    """How many lines of the given modules run during `work()`; each step of a loop or a
    comprehension counts, so a scan of every block per section shows up as such."""
    files = {m.__file__ for m in modules}
    count = 0

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return local

    def call(frame: FrameType, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename in files else None

    previous = sys.gettrace()
    sys.settrace(call)
    try:
        result = work()
    finally:
        sys.settrace(previous)
    return count, result


class CountingTokens:
    """A token counter that records how often it was called and how many characters it was given."""

    def __init__(self, count: Callable[[str], int]) -> None:
        self._count = count
        self.calls = 0
        self.chars = 0

    def __call__(self, text: str) -> int:
        self.calls += 1
        self.chars += len(text)
        return self._count(text)
