"""The "Real reports" section of docs/quality.md."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bench.realdocs.answers import K, PageCheck
from bench.realdocs.reading import MAX_DEPTH, Read, compare_headings, deepest, fold, number_only_headings, page_label
from indexer import QuestionSetReport

TITLE = "## Real reports"


def _share(right: int, total: int) -> str:
    return f"{right} of {total} ({right / total:.0%})" if total else "none"


def title_lines(reads: Sequence[Read], structure: dict[str, Any]) -> tuple[int, list[str]]:
    """How many titles are right, and a table of ours against the printed ones."""
    lines = ["| file | our title | printed title | right |", "|---|---|---|:-:|"]
    right = 0
    for read in reads:
        printed = structure.get(read.name, {}).get("title", "")
        ok = fold(read.document.title) == fold(printed)
        right += ok
        lines.append(f"| `{read.name}` | {read.document.title[:70]} | {printed[:70]} | {'yes' if ok else 'no'} |")
    return right, lines


def label_counts(reads: Sequence[Read], structure: dict[str, Any]) -> tuple[int, int, list[str]]:
    """Page labels of `structure.json` that our reading gives the same page, and the misses."""
    right, total, misses = 0, 0, []
    for read in reads:
        for pdf_page, label in structure.get(read.name, {}).get("page_labels") or []:
            total += 1
            ours = page_label(read.document, pdf_page)
            if ours == (label if label is not None else str(pdf_page)):  # no printed number: the PDF index
                right += 1
            else:
                misses.append(f"`{read.name}` p.{pdf_page}: {ours} for {label}")
    return right, total, misses


def structure_lines(reads: Sequence[Read], structure: dict[str, Any]) -> list[str]:
    """Headings against the printed ones, deepest path and number-only headings."""
    ours = right = given = found = 0
    for read in reads:
        headings = structure.get(read.name, {}).get("headings")
        if headings:
            h = compare_headings(read.document, headings)
            ours, right, given, found = ours + h.ours, right + h.right, given + h.given, found + h.found
    too_deep = [r.name for r in reads if deepest(r.document) > MAX_DEPTH]
    numbers = sum(number_only_headings(r.document) for r in reads)
    sections = sum(len(r.document.sections) for r in reads)
    return [
        f"- headings (the {sum(1 for r in reads if structure.get(r.name, {}).get('headings'))} files with printed "
        f"headings, their first pages): precision {_share(right, ours)}, recall {_share(found, given)}",
        f"- sections in all: {sections}; deepest path: {max(deepest(r.document) for r in reads)} "
        f"(files deeper than {MAX_DEPTH}: {len(too_deep)}); number-only headings: {numbers}",
    ]


def speed_line(reads: Sequence[Read]) -> str:
    pdfs = [r for r in reads if r.pdf_pages]
    pages, seconds = sum(r.pdf_pages for r in pdfs), sum(r.seconds for r in pdfs)
    return f"- reading speed: {pages} PDF pages in {seconds:.1f} s, {pages / seconds:.1f} pages/s (one process)"


def answer_lines(report: QuestionSetReport, pages: PageCheck) -> list[str]:
    lines = ["| group | questions | hit@1 | hit@5 | MRR |", "|---|---:|---:|---:|---:|"]
    for group, m in report.groups.items():
        lines.append(f"| {group} | {m.count} | {m.hit1:.3f} | {m.hit5:.3f} | {m.mrr:.3f} |")
    return [
        *lines,
        "",
        f"- singles in PDFs answered in the top {K}: {_share(pages.answered, pages.asked)}; of those, the answering "
        f"passage cites the printed page: {_share(pages.page_right, pages.answered)} (hit@{K} with the page right: "
        f"{pages.page_right / pages.asked:.3f})",
        f'- unanswerable flagged "not found": {report.unanswerable_flagged:.0%}; answerable wrongly flagged: '
        f"{report.answerable_flagged:.0%}",
    ]
