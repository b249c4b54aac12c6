"""Cut documents into passages that follow their structure and fit the model's window.

A chunk never crosses a section boundary. A section's first chunk starts at its
heading, so the heading is part of the quote. Consecutive blocks merge while the
chunk is still small; a block too long for the window is cut at sentence ends,
and a sentence too long for it at word ends. The section path the model sees
before each passage takes at most half the window (outer headings are dropped
first), so every passage has room: the window holds for every chunk.

A passage is also capped in characters (`ChunkerSettings.max_chars`): the tokenizer
makes one [UNK] of any word over 100 characters, so a window in tokens alone let 49 MB
of "a" become one passage. A run without whitespace is cut at a character boundary.
The cap also bounds every text handed to the tokenizer, so chunking is linear in the
size of the document.
"""

from __future__ import annotations

import re
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from indexer.documents.sentences import iter_sentence_spans
from indexer.models import Block, BlockKind, Chunk, Document, Section

TokenCounter = Callable[[str], int]
Fits = Callable[[int, int], bool]

_WORD = re.compile(r"\S+")
PATH_SEPARATOR = " > "
CHARS_PER_TOKEN = 8  # English averages 4-5 characters a token; the report's passages stay under 7


@dataclass(frozen=True)
class ChunkerSettings:
    """How passages are cut: `max_tokens` is the model window, `min_tokens` the merge threshold."""

    max_tokens: int = 256
    min_tokens: int = 64

    @property
    def max_chars(self) -> int:
        """The most characters a passage holds, whatever the tokenizer counts."""
        return self.max_tokens * CHARS_PER_TOKEN


def embed_text(section_path: tuple[str, ...], passage: str) -> str:
    """The text the model embeds: the section path on one line, then the passage."""
    if not section_path:
        return passage
    return PATH_SEPARATOR.join(section_path) + "\n" + passage


NEVER_PASSAGES = frozenset({BlockKind.CONTENTS, BlockKind.REFERENCES})
"""Blocks kept in the canonical text (the source view shows them) but never cut into passages:
a table of contents or a reference list matches many questions' words and answers none."""


def chunk_document(doc: Document, count_tokens: TokenCounter, settings: ChunkerSettings | None = None) -> list[Chunk]:
    """Chunk a document section by section; each run of blocks between two never-passage blocks apart."""
    settings = settings or ChunkerSettings()
    runs: defaultdict[int, list[list[Block]]] = defaultdict(lambda: [[]])
    for block in doc.blocks:
        section_runs = runs[block.section]
        if block.kind in NEVER_PASSAGES:
            if section_runs[-1]:
                section_runs.append([])
        else:
            section_runs[-1].append(block)
    labels = {p.number: p.label for p in doc.pages}
    chunks: list[Chunk] = []
    for section in doc.sections:
        for blocks in runs[section.ordinal]:
            if blocks:
                chunks.extend(_chunk_section(doc, section, blocks, count_tokens, settings, labels))
    return chunks


def _chunk_section(
    doc: Document,
    section: Section,
    blocks: list[Block],
    count_tokens: TokenCounter,
    settings: ChunkerSettings,
    labels: dict[int, str],
) -> Iterator[Chunk]:
    if all(b.kind is BlockKind.HEADING for b in blocks):
        return

    path = _path_in_budget(section.path, count_tokens, settings.max_tokens // 2, settings.max_chars // 2)

    def tokens(start: int, end: int) -> int:
        return count_tokens(embed_text(path, doc.text[start:end]))

    def fits(start: int, end: int) -> bool:
        # characters first: the tokenizer never sees more than max_chars of passage
        return end - start <= settings.max_chars and tokens(start, end) <= settings.max_tokens

    units = _units(doc.text, blocks, fits, settings.max_chars)
    page_starts = {b.start for a, b in zip(blocks, blocks[1:], strict=False) if b.page != a.page}
    next_block = 0
    for start, end in _merge(units, tokens, fits, settings.min_tokens, page_starts):
        while next_block < len(blocks) - 1 and blocks[next_block].end <= start:
            next_block += 1
        yield Chunk(
            document_id=doc.id,
            section=section.ordinal,
            section_path=section.path,
            start=start,
            end=end,
            text=doc.text[start:end],
            embed_text=embed_text(path, doc.text[start:end]),
            page=(page := blocks[next_block].page if blocks[next_block].end > start else None),
            page_label=None if page is None else labels.get(page, str(page)),
        )


def _path_in_budget(
    path: tuple[str, ...], count_tokens: TokenCounter, budget: int, char_budget: int
) -> tuple[str, ...]:
    """The innermost headings of `path` that fit `budget` tokens and `char_budget` characters; none
    if the last heading alone is over.

    A path longer than the window would leave no room for the passage; the heading of an
    overlong path is still quoted by the section's first passage. Fewer headings never count
    more tokens, so the outermost heading that fits is found by bisection.
    """
    first = len(path)  # the outermost heading from which the path fits in characters
    chars = 1  # the line break after the path
    while first > 0:
        extra = len(path[first - 1]) + (len(PATH_SEPARATOR) if first < len(path) else 0)
        if chars + extra > char_budget:
            break
        chars += extra
        first -= 1
    lo, hi = first, len(path)  # the answer is path[i:] for the least i in [lo, hi) that fits, else ()
    while lo < hi:
        mid = (lo + hi) // 2
        if count_tokens(embed_text(path[mid:], "")) <= budget:
            hi = mid
        else:
            lo = mid + 1
    return path[lo:] if lo < len(path) else ()


def _units(text: str, blocks: list[Block], fits: Fits, max_chars: int) -> list[tuple[int, int, bool]]:
    """(start, end, sticky) spans that each fit the window; a sticky span (a heading) joins the next."""
    units: list[tuple[int, int, bool]] = []
    for block in blocks:
        start = block.start
        if units and units[-1][2] and not fits(units[-1][0], block.end):
            start = units.pop()[0]  # cut heading and block together, so the heading leads the first piece
        if fits(start, block.end):
            units.append((start, block.end, block.kind is BlockKind.HEADING))
        else:
            units.extend((s, e, False) for s, e in _split_long(text, start, block.end, fits, max_chars))
    return units


def _split_long(text: str, start: int, end: int, fits: Fits, max_chars: int) -> Iterator[tuple[int, int]]:
    """Cut a span that is too long at sentence ends, then word ends, then characters."""
    return _pack(_sentence_pieces(text, start, end, fits, max_chars), fits, max_chars)


def _sentence_pieces(text: str, start: int, end: int, fits: Fits, max_chars: int) -> Iterator[tuple[int, int]]:
    for s, e in iter_sentence_spans(text, start, end):
        if fits(s, e):
            yield s, e
            continue
        for ws, we in _pack(_pieces(_WORD, text, s, e), fits, max_chars):
            if fits(ws, we):
                yield ws, we
            else:
                yield from _split_chars(ws, we, fits, max_chars)


def _pieces(pattern: re.Pattern[str], text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    for m in pattern.finditer(text, start, end):
        s, e = _trim(text, *m.span())
        if s < e:
            yield s, e


def _split_chars(start: int, end: int, fits: Fits, max_chars: int) -> Iterator[tuple[int, int]]:
    """Cut one overlong word (a URL, unspaced script, a run of one letter) into the longest pieces that fit."""
    while start < end:
        hi = min(end, start + max_chars)
        if fits(start, hi):
            lo = hi
        else:
            lo, hi = start + 1, hi - 1
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if fits(start, mid):
                    lo = mid
                else:
                    hi = mid - 1
        yield start, lo
        start = lo


def _pack(spans: Iterable[tuple[int, int]], fits: Fits, max_chars: int) -> Iterator[tuple[int, int]]:
    """Greedily join neighbouring spans while the joined span fits the window.

    Fewer spans never count more tokens, so the longest run that fits is found by galloping,
    then bisection: a few tokenizer calls a piece rather than one a span. Only the spans that
    end within `max_chars` of the piece's start are held.
    """
    pending = iter(spans)
    held: deque[tuple[int, int]] = deque()
    more = True
    while True:
        if not held:
            first = next(pending, None)
            if first is None:
                return
            held.append(first)
        start = held[0][0]
        while more and held[-1][1] - start <= max_chars:
            following = next(pending, None)
            more = following is not None
            if following is not None:
                held.append(following)
        last = len(held) - 1 if held[-1][1] - start <= max_chars else len(held) - 2
        ok, probe = 0, 1  # held[:ok + 1] joined fits (one span always stands alone); held[:probe + 1] is next
        while probe <= last and fits(start, held[probe][1]):
            ok, probe = probe, probe * 2
        bad = min(probe, last + 1)
        while bad - ok > 1:
            mid = (ok + bad) // 2
            if fits(start, held[mid][1]):
                ok = mid
            else:
                bad = mid
        yield start, held[ok][1]
        for _ in range(ok + 1):
            held.popleft()


def _merge(
    units: list[tuple[int, int, bool]],
    tokens: Callable[[int, int], int],
    fits: Fits,
    min_tokens: int,
    page_starts: set[int] | frozenset[int] = frozenset(),
) -> list[tuple[int, int]]:
    """Join a unit to the chunk before it while that chunk is sticky, or while one of them is still small
    and the unit does not start a new page (a passage cites the page it starts on: small pieces of
    several pages would cite the first for all of them)."""
    out: list[tuple[int, int]] = []
    sticky = False
    for start, end, unit_sticky in units:
        if out:
            prev_start, _ = out[-1]
            small = start not in page_starts and (tokens(*out[-1]) < min_tokens or tokens(start, end) < min_tokens)
            if (sticky or small) and fits(prev_start, end):
                out[-1] = (prev_start, end)
                sticky = unit_sticky
                continue
        out.append((start, end))
        sticky = unit_sticky
    return out


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
