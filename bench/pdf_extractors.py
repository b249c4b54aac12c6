"""PDF text extractors compared on real reports: is each answer key on its page, how fast, what fails.

For issue 13 (layout-aware PDF reading): which extractor to build on. Candidates, each used plainly
(no column detection of our own): pypdf's layout mode (the reader before issue 13), pypdf's plain
mode, pypdfium2 (PDFium; `get_text_range` and `get_text_bounded`), pdfplumber's `extract_text()` and
pdfminer.six's `extract_text()` (its own layout analysis, default LAParams). Beside them, the reader
built on pypdfium2 (`indexer.documents.readers.read_pdf`: columns, running lines, paragraphs; a page's
text is its blocks, so a paragraph continued from the page before counts on the page it starts on).

On the 13 PDFs of `../shared/realdocs/docs/`, per extractor:
- key recall on the page: for every answerable question (singles and conversation turns) whose
  document is a PDF, is each key in the text extracted from its `pdf_page`, after the matching
  normalisation of `../shared/realdocs/README.md` ("Matching": the eval set's, plus NFKC; a key split
  by a line-end hyphen or interleaved with another column does not match); overall, by `style`, by
  document;
- speed: pages per second, one process, all pages of all 13 PDFs, median of `--runs` passes
  (wall clock, and CPU time of this process, which the other jobs on a shared machine disturb less);
- pages with no text, and pages (or documents) whose extraction raised.

pypdfium2, pdfplumber and pdfminer.six are not dependencies of the project: install them into the
venv to measure (`.venv/bin/pip install pypdfium2 pdfplumber`); one that is missing is reported so.

    .venv/bin/python -m bench.pdf_extractors --write     # docs/quality.md, "PDF text extractors"
"""

from __future__ import annotations

import json
import logging
import os
import re
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from bench.common.options import add_write, docstring_parser
from bench.common.paths import DOCS, REPO_ROOT
from bench.common.report import Spread, publish, table_section
from indexer.evaluation.questions import normalise_for_match

TITLE = "## PDF text extractors"
QUALITY_DOC = DOCS / "quality.md"
REALDOCS = REPO_ROOT.parent / "shared" / "realdocs"
STYLES = ("number", "definition", "table", "footnote", "caption", "paraphrase", "keyword", "recommendation")
TURN = "turn"  # conversation turns carry no style

PageText = str | BaseException
Pages = Callable[[Path], list[PageText]]


# --- the extractors -----------------------------------------------------------------------------


def _pypdf(layout: bool) -> Pages:
    def pages(path: Path) -> list[PageText]:
        from pypdf import PdfReader

        out: list[PageText] = []
        for page in PdfReader(path).pages:
            try:
                out.append(page.extract_text(extraction_mode="layout") if layout else page.extract_text())
            except Exception as exc:  # a page that fails is counted, the others still read
                out.append(exc)
        return out

    return pages


def _pdfium(bounded: bool) -> Pages:
    def pages(path: Path) -> list[PageText]:
        import pypdfium2 as pdfium

        out: list[PageText] = []
        document = pdfium.PdfDocument(path)
        try:
            for index in range(len(document)):
                page = document[index]
                try:
                    textpage = page.get_textpage()
                    out.append(textpage.get_text_bounded() if bounded else textpage.get_text_range())
                    textpage.close()
                except Exception as exc:
                    out.append(exc)
                finally:
                    page.close()
        finally:
            document.close()
        return out

    return pages


def _askreport(path: Path) -> list[PageText]:
    import pypdfium2 as pdfium

    from indexer.documents.readers import read_pdf

    document = pdfium.PdfDocument(path)
    count = len(document)
    document.close()
    try:
        structure = read_pdf(path.read_bytes()).structure
    except Exception as exc:  # the whole document failed: every page counts as failed
        return [exc] * count
    texts: list[list[str]] = [[] for _ in range(count)]
    for block in structure.blocks:
        if block.page is not None and 1 <= block.page <= count:
            texts[block.page - 1].append(structure.text[block.start : block.end])
    return ["\n".join(t) for t in texts]


def _pdfplumber(path: Path) -> list[PageText]:
    import pdfplumber

    out: list[PageText] = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            try:
                out.append(page.extract_text())
            except Exception as exc:
                out.append(exc)
            finally:
                page.close()  # drops the page's cached objects
    return out


def _pdfminer(path: Path) -> list[PageText]:
    from pdfminer.high_level import extract_text

    return list(extract_text(path).split("\f")[:-1])  # one form feed after each page


@dataclass(frozen=True)
class Extractor:
    name: str
    package: str  # the distribution, for its version and licence
    call: str
    boxes: str  # what it gives beyond text, for the layout-aware reader to come
    pages: Pages


EXTRACTORS = (
    Extractor(
        "askreport reader",
        "pypdfium2",
        "`indexer.documents.readers.read_pdf` (pdfium text rects, our reading order and blocks)",
        "blocks with their page, kind and heading level",
        _askreport,
    ),
    Extractor(
        "pypdf layout (before issue 13)",
        "pypdf",
        '`extract_text(extraction_mode="layout")`',
        "no glyph boxes: text runs with their matrix and font through `visitor_text` (no widths)",
        _pypdf(layout=True),
    ),
    Extractor(
        "pypdf plain",
        "pypdf",
        "`extract_text()`",
        "as above",
        _pypdf(layout=False),
    ),
    Extractor(
        "pypdfium2 range",
        "pypdfium2",
        "`get_textpage().get_text_range()`",
        "a box per character (`get_charbox`, `get_rect` runs), font size and name per character",
        _pdfium(bounded=False),
    ),
    Extractor(
        "pypdfium2 bounded",
        "pypdfium2",
        "`get_textpage().get_text_bounded()`",
        "as above",
        _pdfium(bounded=True),
    ),
    Extractor(
        "pdfplumber",
        "pdfplumber",
        "`page.extract_text()` (layout=False)",
        "`page.chars` (box, font, size, colour), `extract_words()`, lines and rects; tables",
        _pdfplumber,
    ),
    Extractor(
        "pdfminer.six",
        "pdfminer.six",
        "`high_level.extract_text()` (default LAParams)",
        "LTChar boxes with font and size, grouped into lines and text boxes",
        _pdfminer,
    ),
)

_IMPORTS = {"pypdf": "pypdf", "pypdfium2": "pypdfium2", "pdfplumber": "pdfplumber", "pdfminer.six": "pdfminer"}


def _installed(extractor: Extractor) -> bool:
    import importlib.util

    return importlib.util.find_spec(_IMPORTS[extractor.package]) is not None


def _version_and_licence(package: str) -> tuple[str, str]:
    meta = metadata.metadata(package)
    licence = meta.get("License-Expression") or meta.get("License") or ""
    if not licence:
        classifiers = [c.rsplit(" :: ", 1)[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License")]
        licence = ", ".join(classifiers)
    return meta["Version"], licence


# --- the questions and the matching -------------------------------------------------------------


def match_form(text: str) -> str:
    """The realdocs matching form: the eval set's normalisation, then NFKC (ligatures unfolded), then again.

    The eval set's pass first, so that superscript footnote digits are dropped before NFKC would make
    them plain digits; the second pass lowercases and collapses what NFKC produced. No other repair:
    a word split by a line-end hyphen stays split, as the README says.
    """
    return normalise_for_match(unicodedata.normalize("NFKC", normalise_for_match(text)))


_LINE_END_HYPHEN = re.compile(r"(\w)[-\u00ad\u2010\ufffe\x02]\s*\n\s*(\w)")


def joined_form(text: str) -> str:
    """Diagnostic only, not the README's matching: line-end hyphens joined, soft hyphens dropped."""
    return match_form(_LINE_END_HYPHEN.sub(r"\1\2", text).replace("\u00ad", "").replace("\ufffe", ""))


@dataclass(frozen=True)
class Key:
    question: str
    style: str
    document: str
    pdf_page: int
    text: str


def load_keys(path: Path) -> list[Key]:
    """One entry per key of every answerable question (single or turn) whose document is a PDF."""
    keys: list[Key] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        asked = [(item["id"], item.get("style", ""), item)] if item["kind"] == "single" else []
        if item["kind"] == "conversation":
            asked = [(f"{item['id']}.{n}", TURN, turn) for n, turn in enumerate(item["turns"], start=1)]
        for qid, style, q in asked:
            if str(q.get("document", "")).lower().endswith(".pdf") and q.get("pdf_page"):
                keys += [Key(qid, style or TURN, q["document"], int(q["pdf_page"]), k) for k in q["keys"]]
    return keys


# --- running ------------------------------------------------------------------------------------


@dataclass
class Outcome:
    extractor: Extractor
    texts: dict[str, list[str]] = field(default_factory=dict)  # document -> page texts ("" where failed)
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    page_errors: int = 0
    doc_errors: list[str] = field(default_factory=list)
    missing: str = ""


def extract_all(extractor: Extractor, pdfs: Sequence[Path], keep: bool) -> tuple[float, float, Outcome]:
    """One pass over every page of every PDF: wall and CPU seconds, and (with `keep`) the texts."""
    outcome = Outcome(extractor)
    wall, cpu = time.perf_counter(), time.process_time()
    for pdf in pdfs:
        try:
            pages = extractor.pages(pdf)
        except Exception as exc:
            outcome.doc_errors.append(f"{pdf.name}: {type(exc).__name__}")
            pages = []
        if keep:
            outcome.page_errors += sum(1 for p in pages if isinstance(p, BaseException))
            outcome.texts[pdf.name] = [p if isinstance(p, str) else "" for p in pages]
    return time.perf_counter() - wall, time.process_time() - cpu, outcome


def run(extractors: Sequence[Extractor], pdfs: Sequence[Path], runs: int) -> list[Outcome]:
    """`runs` passes, the extractors interleaved within each pass so that load spikes spread over all."""
    outcomes = [Outcome(e) for e in extractors]
    for outcome in outcomes:
        if not _installed(outcome.extractor):
            outcome.missing = f"not installed (`pip install {outcome.extractor.package}`)"
    for n in range(runs):
        for outcome in outcomes:
            if outcome.missing:
                continue
            wall, cpu, got = extract_all(outcome.extractor, pdfs, keep=n == 0)
            if n == 0:
                outcome.texts, outcome.page_errors, outcome.doc_errors = got.texts, got.page_errors, got.doc_errors
            outcome.wall.append(wall)
            outcome.cpu.append(cpu)
            print(f"run {n + 1}/{runs} {outcome.extractor.name}: {wall:.1f} s", file=sys.stderr, flush=True)
    return outcomes


# --- scoring and the report ---------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    found: dict[Key, bool]
    joined: dict[Key, bool]

    def share(self, keys: Sequence[Key], joined: bool = False) -> tuple[int, int]:
        got = self.joined if joined else self.found
        return sum(1 for k in keys if got[k]), len(keys)


def score(outcome: Outcome, keys: Sequence[Key]) -> Score:
    found: dict[Key, bool] = {}
    joined: dict[Key, bool] = {}
    forms: dict[tuple[str, int], tuple[str, str]] = {}
    for key in keys:
        where = (key.document, key.pdf_page)
        if where not in forms:
            pages = outcome.texts.get(key.document, [])
            text = pages[key.pdf_page - 1] if key.pdf_page <= len(pages) else ""
            forms[where] = (match_form(text), joined_form(text))
        plain, hyphens = forms[where]
        found[key] = match_form(key.text) in plain
        joined[key] = match_form(key.text) in hyphens
    return Score(found, joined)


def _pct(got: int, n: int) -> str:
    return f"{got}/{n} ({100 * got / n:.0f}%)" if n else "–"


def _short(got: int, n: int) -> str:
    return f"{100 * got / n:.0f}% ({got})" if n else "–"


def render(outcomes: Sequence[Outcome], keys: Sequence[Key], page_counts: dict[str, int], runs: int) -> str:
    total_pages = sum(page_counts.values())
    scores = {o.extractor.name: score(o, keys) for o in outcomes if not o.missing}
    styles = [s for s in (*STYLES, TURN) if any(k.style == s for k in keys)]
    main = [
        "| extractor | call | package, licence | keys on their page | if line-end hyphens were joined | "
        f"pages/s, wall (median of {runs}, min–max) | pages/s, CPU | pages with no text | errors | boxes |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for o in outcomes:
        e = o.extractor
        if o.missing:
            main.append(f"| {e.name} | {e.call} | {e.package}: {o.missing} | – | – | – | – | – | – | {e.boxes} |")
            continue
        version, licence = _version_and_licence(e.package)
        s = scores[e.name]
        rate = Spread.of([total_pages / w for w in o.wall])
        cpu = statistics.median(total_pages / c for c in o.cpu)
        empty = sum(1 for pages in o.texts.values() for p in pages if not p.strip())
        errors = f"{o.page_errors} pages" + (f"; {', '.join(o.doc_errors)}" if o.doc_errors else "")
        main.append(
            f"| {e.name} | {e.call} | {e.package} {version}, {licence} | {_pct(*s.share(keys))} | "
            f"{_pct(*s.share(keys, joined=True))} | {rate.show(1)} | {cpu:.1f} | {empty} | {errors} | {e.boxes} |"
        )
    names = list(scores)
    by_style = [
        "| style (keys) | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for style in styles:
        group = [k for k in keys if k.style == style]
        by_style.append(
            f"| {style} ({len(group)}) | " + " | ".join(_short(*scores[n].share(group)) for n in names) + " |"
        )
    by_doc = [
        "| document (pages; keys) | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for doc in sorted({k.document for k in keys}):
        group = [k for k in keys if k.document == doc]
        row = " | ".join(f"{scores[n].share(group)[0]}/{len(group)}" for n in names)
        by_doc.append(f"| `{doc}` ({page_counts.get(doc, '?')}; {len(group)}) | {row} |")
    questions = len({k.question for k in keys})
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    intro = (
        f"For issue 13: which extractor the layout-aware PDF reader builds on. The {len(page_counts)} PDFs of "
        f"`../shared/realdocs/docs/` ({total_pages} pages); {len(keys)} keys of the {questions} answerable "
        "questions (singles and conversation turns) whose document is a PDF. A key counts as found when it is "
        "in the text extracted from its `pdf_page`, after the matching of `../shared/realdocs/README.md` (the eval "
        "set's normalisation plus NFKC): a key split by a line-end hyphen or interleaved with another column is "
        'not found. The column "if line-end hyphens were joined" is a diagnostic only (what rejoining hyphenated '
        "words would add). Speed: one process, every page of every PDF, the extractors interleaved in each pass; "
        f"the machine was shared (load average {load:.1f} at the end), so CPU pages/s, this process's CPU "
        "time, is the steadier figure. Each extractor is used plainly, with no column detection of ours; "
        '"boxes" is what each gives for building that. Mind the bias: every key was checked on its page with '
        "poppler's `pdftotext` or pypdfium2 and table keys follow pdfium's row order (realdocs README), so "
        "the set favours pypdfium2's reading order, and its own score is an upper bound."
    )
    table = [
        *main,
        "",
        "Keys found on their page, by question style:",
        "",
        *by_style,
        "",
        "Keys found on their page, by document:",
        "",
        *by_doc,
    ]
    return table_section(TITLE, "bench.pdf_extractors", intro, table)


def report_misses(outcomes: Sequence[Outcome], keys: Sequence[Key]) -> None:
    """The keys each extractor missed, on stderr, to look at by hand."""
    for o in outcomes:
        if o.missing:
            continue
        s = score(o, keys)
        missed = [k for k in keys if not s.found[k]]
        print(f"\n{o.extractor.name}: {len(missed)} missed", file=sys.stderr)
        for k in missed:
            print(f"  {k.question} [{k.style}] {k.document} p{k.pdf_page}: {k.text}", file=sys.stderr)


def main() -> None:
    parser = docstring_parser(__doc__)
    parser.add_argument("--runs", type=int, default=3, help="passes over all pages, for the speed (default: 3)")
    parser.add_argument(
        "--only", nargs="*", default=None, help="run only the extractors whose name contains one of these"
    )
    parser.add_argument("--misses", action="store_true", help="list each extractor's missed keys on stderr")
    add_write(parser, QUALITY_DOC, TITLE)
    args = parser.parse_args()
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # "Rotated text discovered" and the like, per page
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    from pypdf import PdfReader

    pdfs = sorted((REALDOCS / "docs").glob("*.pdf"))
    page_counts = {p.name: len(PdfReader(p).pages) for p in pdfs}
    keys = load_keys(REALDOCS / "questions.jsonl")
    chosen = [e for e in EXTRACTORS if not args.only or any(o in e.name for o in args.only)]
    outcomes = run(chosen, pdfs, max(1, args.runs))
    if args.misses:
        report_misses(outcomes, keys)
    publish(TITLE, render(outcomes, keys, page_counts, max(1, args.runs)), args.write, QUALITY_DOC)


if __name__ == "__main__":
    main()
