"""Plain text and Markdown (YAML front matter at the top of a Markdown file is metadata, not text)."""

from __future__ import annotations

from indexer.documents.decoding import decode_text
from indexer.documents.metadata import split_front_matter
from indexer.documents.readers.result import Read
from indexer.documents.structure import parse


def read_plain(data: bytes) -> Read:
    return Read(parse(decode_text(data)))


def read_markdown(data: bytes) -> Read:
    _, body = split_front_matter(decode_text(data))
    structure = parse(body)
    first = structure.sections[0] if structure.sections else None
    title = first.path[0] if first is not None and first.path and first.level == 1 else None
    return Read(structure, (title,) if title else ())
