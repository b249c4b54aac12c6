"""Where the benchmarks find the repository, its docs and the shared data sets."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCS = REPO_ROOT / "docs"
BENCHMARKS_DOC = DOCS / "benchmarks.md"
RELIABILITY_DOC = DOCS / "reliability.md"
DEV_QUESTIONS = Path("tests/data/dev-questions.jsonl")
SHARED_BENCHMARKS = Path("../shared/benchmarks")
SCIFACT_CORPUS = SHARED_BENCHMARKS / "scifact" / "corpus.jsonl"


def from_root(path: Path) -> Path:
    """`path` as given if absolute, else taken from the repository root."""
    return path if path.is_absolute() else (REPO_ROOT / path).resolve()


def shown(path: Path) -> str:
    """`path` relative to the repository root where it is inside it, else as is."""
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)
