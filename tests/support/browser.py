"""Real Chromium for the search-box tests: find it, or say how to get it.

CI sets ASKREPORT_REQUIRE_BROWSER=1 after installing Debian's chromium, so a missing
browser fails the run there; on a developer machine the tests skip with a hint.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = "install it with `apt-get install -y chromium` or point ASKREPORT_BROWSER at a Chromium binary"


def chromium_path() -> str:
    """The Chromium binary, or skip (fail when ASKREPORT_REQUIRE_BROWSER=1) saying how to install it."""
    wanted = os.environ.get("ASKREPORT_BROWSER", "/usr/bin/chromium")
    found = shutil.which(wanted)
    problem = None if found else f"Chromium not found at {wanted}: {INSTALL_HINT}"
    if problem is None:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright package is missing: run `make install` (it is a dev dependency)"
    if problem is not None:
        if os.environ.get("ASKREPORT_REQUIRE_BROWSER") == "1":
            pytest.fail(problem)
        pytest.skip(problem)
    assert found is not None
    return found


@contextmanager
def launched_chromium() -> Iterator[Any]:
    """A headless Chromium driven by Playwright, closed afterwards."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
