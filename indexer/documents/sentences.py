"""Sentence boundaries shared by the chunker and the highlighter.

A sentence ends at `.`, `!` or `?` followed by whitespace (so "30.4%" and "U.N." stay
whole), at CJK full stops, or at a line break (table rows and list items are
sentences of their own).

The text is scanned once, from one candidate end to the next, with patterns that only take
runs of characters: a run of stops that is not followed by whitespace is passed over whole.
(One pattern for the whole sentence backtracked over such a run, once per character: 40 KB
of dots after a word took 42 s.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_CLOSERS = "\"'\u201d\u2019)\\]\u00b9\u00b2\u00b3\u2070-\u2079"  # may follow the stops: quotes, brackets, notes
_CJK_STOPS = "\u3002\uff01\uff1f"
_CANDIDATE = re.compile(rf"[{_CJK_STOPS}]+|[.!?]+[{_CLOSERS}]*|\n")
_START = re.compile(r"\S")


def iter_sentence_spans(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence of `text[start:end]`, without surrounding whitespace, one at a time."""
    end = len(text) if end is None else end
    pos = start
    while (first := _START.search(text, pos, end)) is not None:
        s = first.start()
        e = _sentence_end(text, s + 1, end)
        pos = e
        while e > s and text[e - 1].isspace():
            e -= 1
        yield s, e


def _sentence_end(text: str, pos: int, end: int) -> int:
    """Where the sentence whose second character is at `pos` ends (before a line break, after its stops)."""
    while (m := _CANDIDATE.search(text, pos, end)) is not None:
        if text[m.start()] == "\n":
            return m.start()
        after = m.end()
        if text[m.start()] in _CJK_STOPS or after == end or text[after].isspace():
            return after
        pos = after
    return end


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text[start:end]`, without surrounding whitespace."""
    return list(iter_sentence_spans(text, start, end))
