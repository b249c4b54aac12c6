"""Document ids: URL path segments derived from a file's path inside the corpus, stable across builds.

A name that is already its own slug (`reports/mieux-asia.txt`) keeps the slug as its id
(`reports-mieux-asia`). Any other name (capitals, spaces, underscores, other scripts' punctuation)
gets the slug plus `_` and a short hash of the exact relative path (`A b.txt` -> `a-b_3f0c2a91`):
slugs never hold `_`, so such an id cannot meet a plain one, and adding or removing other files never
changes it. Letters and digits of every script are kept (`отчёт.txt` -> `отчёт`).
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from pathlib import PurePath

_HASH_CHARS = 8
_EMPTY = "document"


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


def _is_own_slug(relative: PurePath, base: str) -> bool:
    return bool(base) and relative.with_suffix("").as_posix().replace("/", "-") == base


def _hashed(relative: PurePath, base: str, chars: int = _HASH_CHARS) -> str:
    digest = hashlib.sha256(relative.as_posix().encode("utf-8", "surrogateescape")).hexdigest()
    return f"{base or _EMPTY}_{digest[:chars]}"


def document_id(relative: PurePath) -> str:
    """The id of the file at `relative` inside the corpus, from that path alone."""
    base = slug(relative)
    return base if _is_own_slug(relative, base) else _hashed(relative, base)


def unique_ids(paths: Iterable[PurePath]) -> dict[PurePath, str]:
    """Ids for the relative paths of one corpus, all distinct.

    Two names can only claim the same plain id when they differ in their extension alone or in `/`
    versus `-` (`a-b.md`, `a-b.txt`, `a/b.txt`): the first in sorted order keeps it, the others get
    the hashed form. Every other id depends on its own path only.
    """
    claims: dict[str, list[PurePath]] = defaultdict(list)
    for path in sorted(paths, key=PurePath.as_posix):
        claims[document_id(path)].append(path)
    ids: dict[PurePath, str] = {}
    for claimed, owners in claims.items():
        ids[owners[0]] = claimed
        for path in owners[1:]:
            ids[path] = _hashed(path, slug(path))
    return _lengthen_collisions(ids)


def _lengthen_collisions(ids: dict[PurePath, str]) -> dict[PurePath, str]:
    """Give the full hash to hashed ids that share their short hash (astronomically rare)."""
    holders: dict[str, list[PurePath]] = defaultdict(list)
    for path, value in ids.items():
        holders[value].append(path)
    for value, paths in holders.items():
        if len(paths) > 1 and "_" in value:
            for path in paths:
                ids[path] = _hashed(path, slug(path), 64)
    return ids
