"""Pages whose text layer is mostly unreadable: glyphs without a Unicode mapping come out as private-use
characters, replacement characters or control codes, and such a page's "text" answers nothing."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from indexer.documents.readers.pdf.lines import Segment

MIN_CHARS = 40  # a page with less text is judged by nothing: a caption, a page number
READABLE_SHARE = 0.5  # at least this share of a page's non-space characters must be letters, digits or punctuation
_UNREADABLE_CATEGORIES = frozenset({"Co", "Cn", "Cs", "Cc", "Cf"})


def is_unreadable(segments: Sequence[Segment]) -> bool:
    """Whether the page has text, but mostly characters no reader can read."""
    chars = [c for s in segments for c in s.text if not c.isspace()]
    if len(chars) < MIN_CHARS:
        return False
    readable = sum(1 for c in chars if c != "\ufffd" and unicodedata.category(c) not in _UNREADABLE_CATEGORIES)
    return readable < READABLE_SHARE * len(chars)


def unreadable_pages(pages: Sequence[Sequence[Segment]]) -> tuple[int, ...]:
    """The 1-based indices of the pages whose text is mostly unreadable."""
    return tuple(number for number, segments in enumerate(pages, start=1) if is_unreadable(segments))
