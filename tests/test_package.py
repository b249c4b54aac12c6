"""The library's face to a program: importing it does no work, and the README's example runs as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.data import CORPUS, REPO

HEAVY = ("faiss", "torch", "sentence_transformers")


def _python(code: str, cwd: Path = REPO, timeout: float = 120) -> str:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    env["PYTHONPATH"] = str(REPO)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_importing_the_library_loads_no_runtime_and_changes_no_environment() -> None:
    out = _python(
        "import os, sys; before = dict(os.environ); import indexer; "
        f"print([m for m in {HEAVY!r} if m in sys.modules], dict(os.environ) == before)"
    )
    assert out.split() == ["[]", "True"]


def test_the_cli_entry_point_sets_the_openmp_policy_before_anything_loads() -> None:
    out = _python(
        "import os, sys; sys.argv = ['askreport', '--help']\n"
        "from server.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('POLICY', os.environ.get('OMP_WAIT_POLICY'))"
    )
    assert "POLICY PASSIVE" in out


def test_the_public_api_holds_no_plumbing() -> None:
    import indexer

    for internal in ("point_current", "chunk_hash", "embed_all", "previous_name", "current_dir", "read_manifest"):
        assert internal not in indexer.__all__
    assert all(hasattr(indexer, name) for name in indexer.__all__)


@pytest.mark.slow
def test_the_readme_library_example_runs(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)
    example = next(b for b in blocks if "indexer.prefer_passive_openmp()" in b)
    (tmp_path / "corpus").symlink_to(CORPUS, target_is_directory=True)
    out = _python(re.sub(r"(?m)^  ", "", example), cwd=tmp_path, timeout=600)
    lines = out.strip().splitlines()
    assert [line.split()[0] for line in lines] == ["1", "2", "3"]
    assert all("mieux" in line for line in lines)
    assert (tmp_path / "var" / "library-index" / "CURRENT").is_file()
