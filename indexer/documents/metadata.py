"""Metadata a team sets beside a document: a `NAME.meta.json` sidecar, or YAML front matter in Markdown.

A set title always wins over the titles the file offers. Metadata that cannot be used never costs the
document: `SetMetadata.problem` says what is wrong and how to fix it, and the file's own titles are used.
Other fields are kept as JSON scalars or lists of scalars, for filters.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

__all__ = [
    "MAX_METADATA_BYTES",
    "SIDECAR_SUFFIX",
    "SetMetadata",
    "is_sidecar",
    "orphan_sidecars",
    "parse_sidecar",
    "sidecar_paths",
    "split_front_matter",
]

SIDECAR_SUFFIX = ".meta.json"
MAX_METADATA_BYTES = 64 * 1024
_FENCE = re.compile(r"^---[ \t]*\r?\n")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.MULTILINE)

Scalar = str | int | float | bool | None
Value = Scalar | tuple[Scalar, ...]


@dataclass(frozen=True)
class SetMetadata:
    """What a sidecar or front matter sets: a title (None: not set), other fields, or why it was ignored."""

    title: str | None = None
    fields: Mapping[str, Value] = field(default_factory=dict)
    problem: str | None = None  # set when the metadata was ignored or partly ignored: what to fix


def is_sidecar(path: Path) -> bool:
    """Whether a corpus file is a metadata sidecar, never a document of its own."""
    return path.name.lower().endswith(SIDECAR_SUFFIX) and len(path.name) > len(SIDECAR_SUFFIX)


def sidecar_paths(document: Path) -> tuple[Path, Path]:
    """Where a document's sidecar may be, in the order they are tried: `report.pdf.meta.json`, `report.meta.json`."""
    return document.with_name(document.name + SIDECAR_SUFFIX), document.with_name(document.stem + SIDECAR_SUFFIX)


def orphan_sidecars(files: Sequence[Path]) -> list[Path]:
    """The sidecars among `files` that no document among them would read."""
    documents = [path for path in files if not is_sidecar(path)]
    wanted = {candidate for path in documents for candidate in sidecar_paths(path)}
    return [path for path in files if is_sidecar(path) and path not in wanted]


def parse_sidecar(data: bytes) -> SetMetadata:
    """The metadata of a sidecar's bytes; an unusable one has `problem` set and no title."""
    if len(data) > MAX_METADATA_BYTES:
        return SetMetadata(problem=f"it is over {MAX_METADATA_BYTES // 1024} KB: keep it to a title and a few fields")
    try:
        value = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        return SetMetadata(problem=f'it is not valid JSON ({exc}): write an object such as {{"title": "..."}}')
    if not isinstance(value, dict):
        return SetMetadata(problem='it is not a JSON object: write an object such as {"title": "..."}')
    return _from_mapping(value)


def split_front_matter(text: str) -> tuple[SetMetadata | None, str]:
    """YAML front matter at the top of a Markdown text (`---` ... `---`), and the text after it.

    Not front matter (None, the text unchanged): no opening `---` line, no closing `---` or `...` line
    within 64 KB, or YAML that is not a mapping.
    """
    text = text.removeprefix("\ufeff")
    opening = _FENCE.match(text)
    if opening is None:
        return None, text
    closing = _CLOSE.search(text, opening.end(), opening.end() + MAX_METADATA_BYTES + 8)
    if closing is None or closing.start() - opening.end() > MAX_METADATA_BYTES:
        return None, text
    value = _load_yaml(text[opening.end() : closing.start()])
    if not isinstance(value, dict):
        return None, text
    return _from_mapping(value), text[closing.end() :]


def _load_yaml(source: str) -> object:
    import yaml

    try:
        return yaml.safe_load(source)
    except Exception:  # YAMLError, or RecursionError on a deeply nested value: then it is not front matter
        return None


def _from_mapping(value: dict[object, object]) -> SetMetadata:
    title = value.get("title")
    fields: dict[str, Value] = {}
    dropped: list[str] = []
    for key, item in value.items():
        if key == "title":
            continue
        ok, kept = _field_value(item)
        if isinstance(key, str) and ok:
            fields[key] = kept
        else:
            dropped.append(str(key))
    problems = []
    if title is not None and not (isinstance(title, str) and title.strip()):
        problems.append('"title" is not a non-empty string: write it as "title": "The printed title"')
    if dropped:
        problems.append(f"fields {', '.join(dropped[:5])} are not text, numbers, true/false or lists of them")
    usable = " ".join(title.split()) if isinstance(title, str) and title.strip() else None
    return SetMetadata(usable, fields, "; ".join(problems) or None)


def _field_value(item: object) -> tuple[bool, Value]:
    """Whether a field can be kept, and its value (a YAML date as ISO text, a list as a tuple)."""
    if isinstance(item, date):
        return True, item.isoformat()
    if isinstance(item, str | int | float | bool) or item is None:
        return True, item
    if isinstance(item, list):
        scalars = [_field_value(x) for x in item if not isinstance(x, list | dict)]
        if len(scalars) == len(item) and all(ok for ok, _ in scalars):
            return True, tuple(v for _, v in scalars if not isinstance(v, tuple))
    return False, None
