"""BEIR documents (SciFact by default) as a corpus of Markdown files, as the build and serving benchmarks index them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

UNTITLED = "Document {id}"  # SciFact's BEIR titles are empty: the id, rather than an empty heading


def _rows(data: Path) -> Iterator[dict[str, object]]:
    with data.open(encoding="utf-8") as fh:
        yield from (json.loads(line) for line in fh if line.strip())


def write_markdown(
    data: Path, count: int, corpus: Path, *, skip: int = 0, prefix: str = "doc", width: int = 4
) -> list[Path]:
    """Documents `skip`..`skip + count` of a BEIR corpus.jsonl as `# title` Markdown files in `corpus`.

    The files are named `PREFIX-NNNN-ID.md`, NNNN the document's place in the file (`width` digits);
    SystemExit if the file holds fewer documents.
    """
    from indexer.evaluation.beir import write_beir_corpus

    name = f"{prefix}-{{position:0{width}d}}-{{id}}.md"
    rows = islice(_rows(data), skip, skip + count)
    files = list(write_beir_corpus(rows, corpus, name=name, untitled=UNTITLED, start=skip))
    if len(files) < count:
        raise SystemExit(f"{data} holds only {skip + len(files)} documents; {skip + count} are needed")
    return files
