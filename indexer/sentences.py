"""Sentence boundaries shared by the chunker and the highlighter.

A sentence ends at `.`, `!` or `?` followed by whitespace (so "30.4%" and "U.N." stay
whole), at CJK full stops, or at a line break (table rows and list items are
sentences of their own).
"""

from __future__ import annotations

import re

_SENTENCE = re.compile(
    r"\S[^\n]*?(?:[\u3002\uff01\uff1f]+|[.!?]+[\"'\u201d\u2019)\]\u00b9\u00b2\u00b3\u2070-\u2079]*(?=\s|$)|(?=\n)|$)"
)


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text[start:end]`, without surrounding whitespace."""
    end = len(text) if end is None else end
    spans = []
    for m in _SENTENCE.finditer(text, start, end):
        s, e = m.span()
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
    return spans
