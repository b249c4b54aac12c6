"""Document ids: URL path segments derived from a file's path inside the corpus alone, stable across builds.

A path that is already plain keeps the whole of itself as its id, suffix included, with `/` written
as `--` (`reports/annual-2023.pdf` -> `reports--annual-2023.pdf`). Plain means: every folder and the
file's stem are lower-case letters and digits of any script joined by single hyphens, and the suffix
is lower-case letters and digits. A plain segment never holds `--` and the stem never a dot, so the
path can be read back from its id. Any other path (capitals, spaces, underscores, dots, other
scripts' punctuation) gets the slug of its path without the suffix, `_` and 8 hex digits of a hash
of the exact relative path (`A b.txt` -> `a-b_3f0c2a91`); plain ids never hold `_`, so the two kinds
cannot meet. No id depends on any other file: adding `a-b.md` or `a/b.txt` beside `a-b.txt` changes
nothing for it. Letters and digits of every script are kept (`отчёт.txt` -> `отчёт.txt`).
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from pathlib import PurePath

_HASH_CHARS = 8
_EMPTY = "document"
_FOLDER = "--"


def slug(relative: PurePath) -> str:
    """Lower-case letters and digits of any script, other runs turned into single hyphens."""
    text = unicodedata.normalize("NFKC", relative.with_suffix("").as_posix()).lower()
    out: list[str] = []
    for ch in text:
        if ch.isalnum():
            out.append(ch)
        elif out and out[-1] != "-":
            out.append("-")
    return "".join(out).strip("-")


def _is_plain_word(word: str) -> bool:
    return word.isalnum() and word == word.lower()


def _is_plain_segment(segment: str) -> bool:
    """Plain words joined by single hyphens: no leading, trailing or doubled hyphen."""
    return all(_is_plain_word(word) for word in segment.split("-"))


def plain_id(relative: PurePath) -> str | None:
    """The id of a plain path (its own text, `/` as `--`), or None if the path is not plain."""
    if not relative.parts:
        return None
    *folders, name = relative.parts
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    elif not _is_plain_word(suffix):
        return None
    if not all(_is_plain_segment(segment) for segment in (*folders, stem)):
        return None
    return _FOLDER.join((*folders, stem)) + dot + suffix


def _hashed(relative: PurePath, chars: int = _HASH_CHARS) -> str:
    digest = hashlib.sha256(relative.as_posix().encode("utf-8", "surrogateescape")).hexdigest()
    return f"{slug(relative) or _EMPTY}_{digest[:chars]}"


def document_id(relative: PurePath) -> str:
    """The id of the file at `relative` inside the corpus, from that path alone."""
    return plain_id(relative) or _hashed(relative)


def unique_ids(paths: Iterable[PurePath]) -> dict[PurePath, str]:
    """Ids for the relative paths of one corpus, all distinct: each is `document_id` of its path.

    Plain ids are distinct because distinct paths give distinct text; hashed ids that share their
    short hash (astronomically rare) all get the full hash instead.
    """
    ids = {path: document_id(path) for path in paths}
    holders: dict[str, list[PurePath]] = defaultdict(list)
    for path, value in ids.items():
        holders[value].append(path)
    for value, same in holders.items():
        if len(same) > 1 and "_" in value:
            for path in same:
                ids[path] = _hashed(path, 64)
    return ids
