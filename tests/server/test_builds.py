"""Server-started builds run in a child process: niced, reported with progress, and a killed one
fails without touching serving. A read-only index directory is refused with a message."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from indexer import SentenceTransformerEmbedder, build_index, current_name
from server.app import create_app
from server.settings import Settings
from tests.support.data import ADMIN_KEY as KEY
from tests.support.data import REPO, REPORT
from tests.support.mounts import mount_tmpfs, unmount
from tests.support.processes import free_port, running

AUTH = {"Authorization": f"Bearer {KEY}"}


def _build_pid(client: TestClient, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = client.app.state.builds.process_id  # type: ignore[attr-defined]
        if pid is not None:
            return int(pid)
        time.sleep(0.02)
    raise AssertionError("no build process appeared")


def _finished(client: TestClient, timeout: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        build = client.get("/api/index").json()["last_build"]
        if build and build["state"] != "running":
            return dict(build)
        time.sleep(0.1)
    raise AssertionError("the build did not finish")


def _niceness(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[16])  # field 19 of proc(5); the split drops pid and comm


def test_a_server_build_runs_in_a_niced_child_and_reports_progress(live: tuple[TestClient, Path]) -> None:
    client, corpus = live
    (corpus / "hotline.md").write_text("# Hotline\n\nA telephone hotline for migrants opened in Bishkek in 2024.")
    assert client.post("/api/admin/reindex", headers=AUTH).status_code == 202
    pid = _build_pid(client)
    assert pid != os.getpid()
    assert _niceness(pid) == min(19, os.nice(0) + 10)  # ASKREPORT_BUILD_NICENESS, capped at 19
    build = _finished(client)
    assert build["state"] == "succeeded", build
    assert build["embedded"] == 1
    assert build["progress"] == {"done": 1, "total": 1}
    answer = client.get("/api/search", params={"q": "hotline for migrants", "k": 1}).json()
    assert answer["index"]["generation"] == build["generation"]


def test_a_killed_build_fails_and_serving_goes_on(live: tuple[TestClient, Path], tmp_path: Path) -> None:
    client, _ = live
    served = client.get("/api/search", params={"q": "remittances"}).json()["index"]["generation"]
    assert client.post("/api/admin/reindex", headers=AUTH, json={"full": True}).status_code == 202
    os.kill(_build_pid(client), signal.SIGKILL)  # what the kernel's OOM killer does
    build = _finished(client)
    assert build["state"] == "failed"
    assert "killed by SIGKILL" in build["error"] and "still served" in build["error"], build["error"]
    answer = client.get("/api/search", params={"q": "remittances"})
    assert answer.status_code == 200 and answer.json()["index"]["generation"] == served
    assert client.post("/api/admin/reindex", headers=AUTH).status_code == 202  # the next build works
    assert _finished(client)["state"] == "succeeded"
    assert not list((tmp_path / "index" / "generations").glob(".staging-*")), "the dead build's staging was removed"


@pytest.fixture()
def read_only_index(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> Iterator[tuple[Path, Path]]:
    """An index on a file system remounted read-only (as root), or a directory without write bits."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(REPORT, corpus)
    mount = tmp_path / "ro"
    mount.mkdir()
    as_root = os.geteuid() == 0  # root ignores file modes: it needs a read-only mount
    if as_root:
        mount_tmpfs(mount, "size=64m")
    try:
        build_index(corpus, mount / "index", embedder)
        if as_root:
            subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        else:
            for path in [mount / "index", *(mount / "index").rglob("*")]:
                path.chmod(0o555 if path.is_dir() else 0o444)
        yield corpus, mount / "index"
    finally:
        if as_root:
            unmount(mount)
        else:
            for path in [mount / "index", *(mount / "index").rglob("*")]:
                path.chmod(0o755)


def test_cli_on_a_read_only_index_says_so(read_only_index: tuple[Path, Path]) -> None:
    corpus, index = read_only_index
    served = current_name(index)
    done = subprocess.run(
        [sys.executable, "-m", "server", "index", "--corpus", str(corpus), "--index", str(index)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert f"error: cannot write to the index directory {index}" in done.stderr
    assert "point ASKREPORT_INDEX_DIR / --index at a writable directory" in done.stderr
    assert current_name(index) == served


def test_admin_reindex_on_a_read_only_index_is_503(
    read_only_index: tuple[Path, Path], embedder: SentenceTransformerEmbedder
) -> None:
    corpus, index = read_only_index
    settings = Settings(corpus_dir=corpus, index_dir=index, admin_key=KEY)
    with TestClient(create_app(settings, embedder=embedder)) as client:
        r = client.post("/api/admin/reindex", headers=AUTH)
        assert r.status_code == 503
        assert r.json()["detail"].startswith(f"cannot write to the index directory {index}")
        assert client.get("/api/search", params={"q": "remittances"}).status_code == 200


AUDIT = REPO.parent / "shared" / "audit"


def _peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) / 1024


def test_a_zip_bomb_reindexed_by_a_real_server_never_grows_the_server(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "control.md").write_text("# Control\n\nRemittances sent home by migrant workers rose in 2023.\n")
    subprocess.run(
        [sys.executable, str(AUDIT / "make_hostile.py"), str(tmp_path / "raw"), "bomb"],
        env={**os.environ, "BOMB_GB": "0.5"},
        check=True,
        capture_output=True,
    )
    port = free_port()
    env = {**os.environ, "ASKREPORT_ADMIN_KEY": KEY, "ASKREPORT_CORPUS_DIR": str(corpus)}
    env["ASKREPORT_INDEX_DIR"] = str(tmp_path / "index")
    base = f"http://127.0.0.1:{port}"
    with running([sys.executable, "-m", "server", "serve", "--port", str(port)], env, f"{base}/api/health") as proc:
        before = _peak_rss_mb(proc.pid)
        (tmp_path / "raw" / "zipbomb.docx").rename(corpus / "zipbomb.docx")
        r = httpx.post(f"{base}/api/admin/reindex", headers=AUTH, timeout=30)
        assert r.status_code == 202
        deadline, build = time.monotonic() + 300, None
        while time.monotonic() < deadline:
            build = httpx.get(f"{base}/api/index", timeout=30).json()["last_build"]
            assert httpx.get(f"{base}/api/health", timeout=30).status_code == 200
            if build["state"] != "running":
                break
            time.sleep(0.5)
        assert build is not None and build["state"] == "succeeded", build
        grown = _peak_rss_mb(proc.pid) - before
        skipped = httpx.get(f"{base}/api/index", timeout=30).json()["current"]["skipped"]
    assert grown < 200, f"the server's peak RSS grew by {grown:.0f} MB during the build"
    assert [s["path"] for s in skipped] == ["zipbomb.docx"], skipped


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_build_never_outlives_its_server(tmp_path: Path, report_index: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(report_index, index)
    served = current_name(index)
    port = free_port()
    env = {**os.environ, "ASKREPORT_ADMIN_KEY": KEY, "ASKREPORT_INDEX_DIR": str(index)}
    env["ASKREPORT_CORPUS_DIR"] = str(REPORT.parent)
    base = f"http://127.0.0.1:{port}"
    with running([sys.executable, "-m", "server", "serve", "--port", str(port)], env, f"{base}/api/health") as proc:
        r = httpx.post(f"{base}/api/admin/reindex", headers=AUTH, json={"full": True}, timeout=30)
        assert r.status_code == 202
        deadline, children = time.monotonic() + 60, []
        while not children and time.monotonic() < deadline:
            children = _children(proc.pid)
            time.sleep(0.05)
        assert children, "no build process was started"
        proc.kill()  # what the OOM killer or `kill -9` does to the server
        proc.wait()
        deadline = time.monotonic() + 60
        while _alive(children[0]) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(children[0]), "the build went on without its server"
    assert current_name(index) == served, "a build published after its server had died"
    done = subprocess.run(
        [sys.executable, "-m", "server", "info", "--index", str(index)], capture_output=True, text=True, cwd=REPO
    )
    assert done.returncode == 0, done.stderr  # the generation it served is intact
