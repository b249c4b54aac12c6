"""A small tmpfs for tests of full or read-only disks: mounted as root, else skipped (failed in CI)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest


def mount_tmpfs(mount: Path, options: str) -> None:
    """Mount a tmpfs with `options` on the existing directory `mount`.

    Where mounting is refused the test is skipped, except when ASKREPORT_REQUIRE_TMPFS=1 (CI as root),
    where it fails: there the case must run.
    """
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount)], capture_output=True)
    if done.returncode == 0:
        return
    problem = f"cannot mount a tmpfs here: {done.stderr.decode().strip()} (run the tests as root)"
    if os.environ.get("ASKREPORT_REQUIRE_TMPFS") == "1":
        pytest.fail(problem)
    pytest.skip(problem)


def unmount(mount: Path) -> None:
    subprocess.run(["umount", "--lazy", str(mount)], check=False)
