"""Every benchmark starts as `python -m bench.NAME` from the repository root and explains itself."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support.data import REPO


def _entry_points() -> list[str]:
    modules = []
    for path in sorted((REPO / "bench").rglob("*.py")):
        if path.name == "__main__.py":
            modules.append(".".join(path.parent.relative_to(REPO).parts))
        elif 'if __name__ == "__main__":' in path.read_text(encoding="utf-8"):
            modules.append(".".join(path.with_suffix("").relative_to(REPO).parts))
    return modules


def test_the_benchmarks_are_found() -> None:
    assert {"bench.serving", "bench.reliability", "bench.quality"} <= set(_entry_points())


@pytest.mark.parametrize("module", _entry_points())
def test_help_names_how_to_run_it(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", module, "--help"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("usage: "), done.stdout[:200]
