"""Reading order of a page: column by column, with full-width lines (titles, wide tables) kept in place.

The page is cut into bands by the lines that cross the gutter; within a band, the text left of the
gutter is read before the text right of it, when both sides read as prose (a table's columns do not:
its rows stay whole). Each side is searched for a gutter of its own, so three columns read too.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from indexer.documents.readers.pdf.lines import Segment

_BIN = 2.0  # points per bin of the coverage histogram
_MIN_GUTTER = 6.0  # the narrowest gap between two columns, in points
_MAX_DEPTH = 3
_CELL_SHARE = 0.3  # a table row's cells are each narrower than this share of the row
_PROSE_CHARS = 18  # the mean characters per line of a side that reads as prose
_LONG_CHARS = 24  # a segment this long is a line of prose, not a chart label or a table cell
_BRIDGING = 0.15  # among lines of prose, the share of a column's lines that may cross its gutter
_ALIGNED = 0.5  # a table's sides share baselines: at least this share of one side's lines has a partner


@dataclass(frozen=True)
class Row:
    """Segments side by side on one line, left to right; `region` changes where reading moves to another column."""

    segments: tuple[Segment, ...]
    region: int


def reading_order(segments: list[Segment]) -> list[Row]:
    """The rows of a page in reading order."""
    rows: list[Row] = []
    _order(segments, 0, rows)
    return rows


def _order(segments: list[Segment], depth: int, rows: list[Row]) -> None:
    lines = y_lines(segments)
    gutter = _gutter(segments) if depth < _MAX_DEPTH else None
    if gutter is None:
        _emit(lines, rows)
        return
    band: list[list[Segment]] = []
    wide: list[list[Segment]] = []
    for line in lines:
        if _crosses(line, gutter):
            _band(band, gutter, depth, rows)
            band = []
            wide.append(line)
        else:
            _emit(wide, rows)
            wide = []
            band.append(line)
    _emit(wide, rows)
    _band(band, gutter, depth, rows)


def _crosses(line: list[Segment], gutter: float) -> bool:
    """Whether a line spans the gutter: a segment over it, or a row of three or more cells on both sides of it."""
    if any(s.x0 < gutter < s.x1 for s in line):
        return True
    cells = sorted(line, key=lambda s: s.x0)
    if len(cells) < 3 or not cells[0].x1 <= gutter <= cells[-1].x0:
        return False
    span = cells[-1].x1 - cells[0].x0
    return all(s.x1 - s.x0 < _CELL_SHARE * span for s in cells)


def _band(band: list[list[Segment]], gutter: float, depth: int, rows: list[Row]) -> None:
    left = [s for line in band for s in line if s.x1 <= gutter]
    right = [s for line in band for s in line if s.x0 >= gutter]
    left_prose, right_prose = _prose(left), _prose(right)
    if (left_prose and right_prose) or ((left_prose or right_prose) and not _aligned(left, right)):
        _order(left, depth + 1, rows)
        _order(right, depth + 1, rows)
    else:
        _emit(band, rows)


def _emit(lines: list[list[Segment]], rows: list[Row]) -> None:
    if not lines:
        return
    region = rows[-1].region + 1 if rows else 0
    rows.extend(Row(tuple(sorted(line, key=lambda s: s.x0)), region) for line in lines)


def _prose(side: list[Segment]) -> bool:
    lines = y_lines(side)
    if len(lines) < 2:
        return False
    chars = sum(len(s.text) for s in side)
    return chars / len(lines) >= _PROSE_CHARS


def _aligned(left: list[Segment], right: list[Segment]) -> bool:
    """Whether the two sides share their baselines, as a table's columns do (a figure beside prose does not)."""
    if not left or not right:
        return False
    fewer, more = sorted((left, right), key=len)
    bottoms = sorted(s.bottom for s in more)
    matched = sum(1 for s in fewer if _near(bottoms, s.bottom, 0.25 * s.size))
    return matched >= _ALIGNED * len(fewer)


def _near(values: list[float], value: float, tolerance: float) -> bool:
    i = bisect_left(values, value - tolerance)
    return i < len(values) and values[i] <= value + tolerance


def y_lines(segments: list[Segment]) -> list[list[Segment]]:
    """Segments grouped into visual lines, top to bottom (a segment joins a line it overlaps by half its height)."""
    lines: list[list[Segment]] = []
    top = bottom = 0.0
    for s in sorted(segments, key=lambda s: (s.top, s.x0)):
        if lines and min(bottom, s.bottom) - max(top, s.top) >= 0.3 * min(s.height, bottom - top):
            lines[-1].append(s)
            bottom = max(bottom, s.bottom)
            continue
        lines.append([s])
        top, bottom = s.top, s.bottom
    return lines


def _gutter(segments: list[Segment]) -> float | None:
    """The x of the gap between columns that has the most text on both sides, if there is one.

    Where a figure's labels or a table's cells bridge the gap, it is looked for again among the lines of prose only.
    """
    found = _gap(segments, segments)
    if found is None:
        long = [s for s in segments if len(s.text) >= _LONG_CHARS]
        if len(long) < len(segments):
            found = _gap(long, segments, bridging=_BRIDGING)
    return found


def _gap(segments: list[Segment], every: list[Segment], bridging: float = 0.0) -> float | None:
    """The best gutter between `segments`, scored by the text of `every` segment on both sides of it; up to
    `bridging` times the most lines over any point may cross it (a figure's title centred over the gap)."""
    if len(segments) < 4:
        return None
    x0 = min(s.x0 for s in segments)
    x1 = max(s.x1 for s in segments)
    width = x1 - x0
    if width < 4 * _MIN_GUTTER:
        return None
    coverage = _coverage(segments, x0, width)
    narrow = sum(1 for s in segments if s.x1 - s.x0 < 0.6 * width)
    allowed = max(1, narrow // 30, round(bridging * max(coverage)))
    best: tuple[int, float] | None = None
    lo, hi = int(0.15 * width / _BIN), int(0.85 * width / _BIN)
    start = None
    for i in range(lo, hi + 1):
        if i < hi and coverage[i] <= allowed:
            start = i if start is None else start
            continue
        if start is not None and (i - start) * _BIN >= _MIN_GUTTER:
            g = x0 + (start + i) / 2 * _BIN
            score = _both_sides(every, g)
            if score > 0 and (best is None or score > best[0]):
                best = (score, g)
        start = None
    total = sum(len(s.text) for s in every)
    return best[1] if best is not None and best[0] >= 0.12 * total else None


def _coverage(segments: list[Segment], x0: float, width: float) -> list[int]:
    """How many narrow segments cover each bin (full-width ones cross any gutter and do not count)."""
    bins = int(width / _BIN) + 2
    delta = [0] * (bins + 1)
    for s in segments:
        if s.x1 - s.x0 >= 0.6 * width:
            continue
        delta[int((s.x0 - x0) / _BIN)] += 1
        delta[min(bins, int((s.x1 - x0) / _BIN) + 1)] -= 1
    out, running = [], 0
    for d in delta[:bins]:
        running += d
        out.append(running)
    return out


def _both_sides(segments: list[Segment], gutter: float) -> int:
    left = sum(len(s.text) for s in segments if s.x1 <= gutter)
    right = sum(len(s.text) for s in segments if s.x0 >= gutter)
    return min(left, right)
