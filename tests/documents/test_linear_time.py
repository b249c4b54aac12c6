"""Parsing and chunking stay linear on hostile inputs (issue 11, M3 and M5).

The inputs are those of the audit's generator: many Markdown headings, a chain of lower-case
paragraphs that each continue the one before, many labelled table rows followed by rows that lost
their tab, a run of dots after a word, and a run of one letter with no space; and plain-text
headings each introduced by a paragraph ending in a colon (each colon nested all later headings). Each test measures
deterministic work for an input and one twice its size, and allows at most a little over twice the
work: Python lines run in the parser or the chunker (a scan of every block per section shows up as
a square), and calls and characters handed to the tokenizer. Two costs live inside C code that no
counter sees, regex backtracking and a string grown one paragraph at a time: those tests run the
hostile input at a size the old code needed minutes to hours for, in a child process with a CPU
limit some fifty times what the linear code needs. Timings are in bench/algorithmic.py.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from collections.abc import Callable

import pytest

import indexer.documents.canonical
import indexer.documents.chunking
import indexer.documents.sentences
import indexer.documents.structure
from indexer import ChunkerSettings, Document, SentenceTransformerEmbedder, chunk_document
from indexer.documents.structure import parse
from tests.support.opcount import CountingTokens, lines_run

GROWTH = 2.25  # the most extra work allowed when the input doubles

HOSTILE: dict[str, Callable[[int], str]] = {
    "headings": lambda n: "".join(f"# H{i}\n\nText {i} here.\n\n" for i in range(n)),
    "chain": lambda n: "".join(f"word{i}\n\n" for i in range(n)),
    "labels": lambda n: "".join(f"L{i}\tv\n\n" for i in range(n)) + "".join(f"X{i} y\n\n" for i in range(n)),
    "dots": lambda n: "Intro sentence" + "." * n + "x end",
    "run": lambda n: "a" * n,
    "colons": lambda n: "Report\n\n" + "".join(f"Head {i}\n\nSome text:\n\n" for i in range(n)),
}
SIZES = {"headings": 400, "chain": 1000, "labels": 400, "dots": 20_000, "run": 40_000, "colons": 400}
PARSER = (indexer.documents.structure, indexer.documents.canonical, indexer.documents.sentences)


def _doc(raw: str) -> Document:
    s = parse(raw)
    return Document("d", "D", "d.md", s.text, s.sections, s.blocks, "h")


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_parsing_work_grows_linearly(case: str) -> None:
    n = SIZES[case]
    small, _ = lines_run(PARSER, lambda: parse(HOSTILE[case](n)))
    large, _ = lines_run(PARSER, lambda: parse(HOSTILE[case](2 * n)))
    assert large <= GROWTH * small, f"{case}: {small} lines for n={n}, {large} for n={2 * n}"


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_chunking_work_grows_linearly(case: str, embedder: SentenceTransformerEmbedder) -> None:
    n = SIZES[case]
    work = []
    for size in (n, 2 * n):
        doc = _doc(HOSTILE[case](size))
        tokens = CountingTokens(embedder.count_tokens)
        lines, chunks = lines_run((indexer.documents.chunking,), lambda: chunk_document(doc, tokens))  # noqa: B023
        assert chunks
        work.append((lines, tokens.calls, tokens.chars))
    for name, small, large in zip(("lines run", "tokenizer calls", "characters tokenized"), *work, strict=True):
        assert large <= GROWTH * small, f"{case}: {name} {small} for n={n}, {large} for n={2 * n}"


def _run_under_cpu_limit(code: str, seconds: int) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))

    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, preexec_fn=limit, timeout=600)


def test_a_long_run_of_dots_is_split_in_one_pass() -> None:
    """400 KB of dots after a word: minutes of backtracking per 40 KB before; milliseconds now."""
    code = (
        "from indexer.documents.sentences import sentence_spans\n"
        "text = 'Intro sentence' + '.' * 400_000 + 'x end. Next one.'\n"
        "assert sentence_spans(text) == [(0, len(text) - 10), (len(text) - 9, len(text))], sentence_spans(text)\n"
    )
    done = _run_under_cpu_limit(code, 60)
    assert done.returncode == 0, f"exit {done.returncode} (-24: over the CPU limit): {done.stderr[-2000:]}"


def test_a_long_chain_of_continued_paragraphs_is_joined_in_one_pass() -> None:
    """8 MB of paragraphs that each continue the last: the joined line was rebuilt per paragraph."""
    code = (
        "from indexer.documents.structure import parse\n"
        "raw = ''.join(f'w{i:099d}\\n\\n' for i in range(80_000))\n"
        "s = parse(raw)\n"
        "assert len(s.blocks) == 1 and len(s.text) == 80_000 * 101 - 1, (len(s.blocks), len(s.text))\n"
    )
    done = _run_under_cpu_limit(code, 60)
    assert done.returncode == 0, f"exit {done.returncode} (-24: over the CPU limit): {done.stderr[-2000:]}"


def test_a_run_without_spaces_is_cut_into_chunks_within_the_cap(embedder: SentenceTransformerEmbedder) -> None:
    """M5: the tokenizer counts a word over 100 characters as one [UNK]; the character cap still cuts it."""
    run = "a" * 100_000
    doc = _doc(f"# Title\n\nIntro.\n\n{run}\n\nEnd.")
    limits = ChunkerSettings(max_tokens=embedder.max_tokens)
    chunks = chunk_document(doc, embedder.count_tokens, limits)
    assert len(chunks) >= len(run) // limits.max_chars
    for c in chunks:
        assert len(c.text) <= limits.max_chars == 256 * indexer.documents.chunking.CHARS_PER_TOKEN
        assert doc.text[c.start : c.end] == c.text
        assert embedder.count_tokens(c.embed_text) <= embedder.max_tokens
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert a.end <= b.start and doc.text[a.end : b.start].strip() == ""  # nothing left out between them
    assert chunks[0].start == 0 and chunks[-1].end == len(doc.text)
