"""One run: what the options ask for scored, with its provenance, and the raw results saved as JSON."""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import pkgutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common.machine import machine_facts
from bench.common.paths import REPO_ROOT, shown
from bench.quality.scoring import log, score_collection, score_dev_set

LOAD_NOTE = "the machine is shared; this only affects times, not scores"
RESULTS_FILE = "quality-results.json"
REFERENCE_COLUMNS = {"nDCG@10": "ndcg10", "MAP": "map", "R@100": "recall100", "MRR": "mrr"}


def read_reference(readme: Path) -> dict[str, dict[str, float]]:
    """The BM25 reference rows of the collections' README: name -> metric key -> value."""
    if not readme.is_file():
        return {}
    lines = readme.read_text(encoding="utf-8").splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("## Reference scores")), None)
    if start is None:
        return {}
    reference: dict[str, dict[str, float]] = {}
    header: list[str] = []
    for line in lines[start + 1 :]:
        if line.startswith("## "):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or set("".join(cells)) <= set("-: "):
            continue
        if not header:
            header = cells
            continue
        row = dict(zip(header, cells, strict=False))
        values = {key: float(row[col]) for col, key in REFERENCE_COLUMNS.items() if col in row}
        reference[row.get("name", cells[0])] = values
    return reference


def code_version() -> str:
    """The commit measured, and whether tracked files had uncommitted changes (read-only git calls)."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
        return done.stdout.rstrip("\n")  # keep the leading space of a porcelain status line

    commit = git("rev-parse", "--short", "HEAD").strip() or "unknown"
    dirty = [line[3:] for line in git("status", "--porcelain", "--untracked-files=no").splitlines() if line]
    if not dirty:
        return f"commit {commit}"
    return f"commit {commit} plus uncommitted changes to {', '.join(f'`{p}`' for p in dirty)}"


def source_digest() -> str:
    """A short digest of the `indexer` package's sources as they are on disk now."""
    import indexer

    root = Path(indexer.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):  # every subpackage's modules too
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def measure(args: argparse.Namespace, command: str) -> dict[str, Any]:
    """Run everything the options ask for; the raw results as a JSON-able dict.

    Every indexer module is imported before anything is measured, so the whole run uses the code as it
    was at the start even if the files change on disk meanwhile.
    """
    import indexer
    from indexer import SentenceTransformerEmbedder

    for module in pkgutil.walk_packages(indexer.__path__, "indexer."):
        importlib.import_module(module.name)

    digest = source_digest()
    started = datetime.now(UTC)
    load_before = os.getloadavg()
    log("loading the embedder")
    embedder = SentenceTransformerEmbedder()
    data: dict[str, Any] = {
        "command": command,
        "started": started.isoformat(timespec="seconds"),
        "code": f"{code_version()}; indexer sources digest {digest}",
        "model": embedder.name,
        "depth": importlib.import_module("indexer.evaluation.beir").CHUNK_DEPTH,
        "reference": read_reference(args.data / "README.md"),
        "collections": {},
        "dev": None,
    }
    if not args.no_dev:
        log(f"dev set {args.dev_set.name} over {args.corpus}")
        data["dev"] = score_dev_set(args.dev_set, args.corpus, embedder, args.work_dir / "dev", args.k)
        data["dev"]["set"] = shown(args.dev_set)
        data["dev"]["corpus"] = shown(args.corpus)
    for name in args.collections:
        log(f"collection {name}: indexing (reused if already built) and scoring")
        data["collections"][name] = score_collection(args.data / name, embedder, args.work_dir / name)
        _save(args, data)  # a later collection failing keeps what is done
    data["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    if source_digest() != digest:
        data["code"] += " (the sources changed on disk during the run; the run used them as imported at its start)"
    data["machine"] = machine_facts([load_before, os.getloadavg()], note=LOAD_NOTE)
    _save(args, data)
    return data


def _save(args: argparse.Namespace, data: dict[str, Any]) -> None:
    args.work_dir.mkdir(parents=True, exist_ok=True)
    (args.work_dir / RESULTS_FILE).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", "utf-8")
