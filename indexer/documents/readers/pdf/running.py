"""Running headers and footers, and the page numbers printed in them.

A line near the top or bottom edge is running when the same text (digits aside) sits in the same zone
on several pages, or when it is a page number alone ("9", "- 9 -", "Page 9 of 40", "ix"). Both are
taken out of the text; the number they carry becomes the page's label when the numbers agree with
the page index by one offset on neighbouring pages (so a misread number or a year is not a label).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from indexer.documents.readers.pdf.columns import y_lines
from indexer.documents.readers.pdf.lines import Segment

_EDGE = 0.12  # the share of the page height, at the top and at the bottom, where running lines sit
_NEAR_EDGE = 0.2  # further in, a line is running only where it repeats at the same height
_SAME_HEIGHT = 3.0  # points within which a repeated line is at the same height
_EDGE_LINES = 3  # how many lines from each edge may be running
_NUMBER_ONLY = re.compile(
    r"^(?:page\s+)?[-\u2013\u2014(\[|]?\s*(\d{1,4}|[ivxlcdm]{1,8})\s*[-\u2013\u2014)\]|]?(?:\s*(?:of|/)\s*\d{1,4})?$",
    re.IGNORECASE,
)
_END_NUMBER = re.compile(
    r"(?:^|[\s|\u2022\u00b7])(\d{1,4}|[ivxlcdm]{1,8})$|^(\d{1,4}|[ivxlcdm]{1,8})(?:[\s|\u2022\u00b7]|$)", re.I
)
_ROMAN = re.compile(r"^m{0,3}(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$", re.IGNORECASE)
_DIGITS = re.compile(r"\d(?:[\d\s.,]*\d)?")  # "2017", "201 7" and "1,204" alike
_MAX_WORDS = 15  # a running header or footer is short
_NEIGHBOURS = 12  # a number is confirmed by another with the same offset within this many pages


@dataclass(frozen=True)
class _Number:
    page: int  # 0-based
    value: int
    roman: bool
    text: str


def strip_running(pages: list[list[Segment]], heights: list[float]) -> tuple[list[list[Segment]], list[str | None]]:
    """The pages without their running lines, and the page number printed on each (None where none is)."""
    edges = [_edge_segments(segments, height) for segments, height in zip(pages, heights, strict=True)]
    counts: Counter[str] = Counter()
    for edge in edges:
        counts.update({_key(s, zone) for s, zone in edge})
    repeated = max(3, len(pages) // 5) if len(pages) >= 4 else len(pages) + 1
    numbers: list[_Number] = []
    out: list[list[Segment]] = []
    for index, (segments, edge) in enumerate(zip(pages, edges, strict=True)):
        drop: set[int] = set()
        for s, zone in edge:
            found = _numbers(index, s.text)
            if (found and _NUMBER_ONLY.match(s.text)) or (
                counts[_key(s, zone)] >= repeated and len(s.text.split()) <= _MAX_WORDS
            ):
                drop.add(id(s))
                numbers.extend(found)
        out.append([s for s in segments if id(s) not in drop])
    return out, _labels(numbers, len(pages))


def _edge_segments(segments: list[Segment], height: float) -> list[tuple[Segment, str]]:
    lines = y_lines(segments)
    found: list[tuple[Segment, str]] = []
    for line in lines[:_EDGE_LINES]:
        zone = _zone(line[0], line[0].bottom <= _EDGE * height, line[0].bottom <= _NEAR_EDGE * height, "top")
        if zone:
            found.extend((s, zone) for s in line)
    for line in lines[-_EDGE_LINES:] if len(lines) > _EDGE_LINES else lines:
        if any(f[0] is line[0] for f in found):
            continue
        top = line[0].top
        zone = _zone(line[0], top >= (1 - _EDGE) * height, top >= (1 - _NEAR_EDGE) * height, "bottom")
        if zone:
            found.extend((s, zone) for s in line)
    return found


def _zone(segment: Segment, edge: bool, near: bool, name: str) -> str:
    """The zone a line is compared in: the edge, or its height where it is only near the edge."""
    if edge:
        return name
    return f"{name}@{round(segment.top / _SAME_HEIGHT)}" if near else ""


def _key(segment: Segment, zone: str) -> str:
    """What a running line has in common from page to page: its zone and its text, digits and spaces aside."""
    return zone + ":" + " ".join(_DIGITS.sub("#", segment.text.casefold()).split())


def _numbers(page: int, text: str) -> list[_Number]:
    match = _NUMBER_ONLY.match(text) or _END_NUMBER.search(text.strip())
    if match is None:
        return []
    token = next(g for g in match.groups() if g)
    if token.isdigit():
        return [_Number(page, int(token), False, token)]
    if _ROMAN.match(token):
        return [_Number(page, _roman_value(token), True, token)]
    return []


def _roman_value(token: str) -> int:
    values = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
    digits = [values[c] for c in token.lower()]
    return sum(-d if i + 1 < len(digits) and d < digits[i + 1] else d for i, d in enumerate(digits))


def _labels(numbers: list[_Number], pages: int) -> list[str | None]:
    """The confirmed number of each page: one whose offset from the page index another page nearby shares."""
    by_offset: defaultdict[tuple[bool, int], list[int]] = defaultdict(list)
    for n in numbers:
        by_offset[(n.roman, n.page - n.value)].append(n.page)
    labels: list[str | None] = [None] * pages
    support = [0] * pages
    for n in numbers:
        near = sum(1 for p in by_offset[(n.roman, n.page - n.value)] if p != n.page and abs(p - n.page) <= _NEIGHBOURS)
        if near > support[n.page]:
            labels[n.page], support[n.page] = n.text, near
    return labels
