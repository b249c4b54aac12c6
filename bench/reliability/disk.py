"""A full disk during a build: the index on a small tmpfs, the corpus grown until a build cannot fit."""

from __future__ import annotations

import math
import os
import secrets
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common.corpus import write_markdown
from bench.common.processes import Server, free_port, running
from bench.reliability.api import call, current_generation, poll, serve_command, staging_dirs, wait_until_served
from bench.reliability.clients import start_clients, stop_clients
from bench.reliability.probes import LogCheck, check_log, one_line
from bench.reliability.setup import Setup, log, run_index
from bench.reliability.tally import Tally
from indexer.retrieval.followups import rewrite  # the server's own rewrite: what a follow-up's query must be


@dataclass
class BuildOutcome:
    """A build that was expected to fail (or, for the recovery, to succeed)."""

    how: str  # "POST /api/admin/reindex" or "askreport index"
    state: str  # failed | succeeded | running (timed out) | the CLI's exit status
    seconds: float
    error: str
    staging: list[str]  # staging directories left right after it
    current_before: str
    current_after: str
    free_kib_after: int
    cli_stderr: str = ""
    cli_returncode: int | None = None


@dataclass
class DiskResult:
    skipped: str | None = None
    tmpfs_kib: int = 0
    generation_kib: int = 0
    used_kib: int = 0  # on the tmpfs with the current generation copied in
    base_chunks: int = 0
    extra_docs: int = 0
    clients: int = 0
    admin: BuildOutcome | None = None
    cli: BuildOutcome | None = None
    recovery: BuildOutcome | None = None
    recovery_served: bool = False
    tally: Tally | None = None
    errors_during_failures: int = 0
    requests_during_failures: int = 0
    generations_during_failures: list[str] = field(default_factory=list)
    log: LogCheck | None = None
    umount: str = ""


def tmpfs_kib(path: Path) -> int:
    """KiB the files under `path` take on a tmpfs (whole 4 KiB pages)."""
    return sum(math.ceil(p.stat().st_size / 4096) * 4 for p in path.rglob("*") if p.is_file())


def poll_build(url: str, build_id: str, timeout: float = 900.0) -> dict[str, Any]:
    """GET /api/index until the last build (`build_id`) is no longer running; its `last_build`."""
    deadline = time.monotonic() + timeout
    last: dict[str, Any] = {}
    while time.monotonic() < deadline:
        try:
            status, body = call(url, "GET", "/api/index")
        except OSError:
            time.sleep(0.5)
            continue
        last = (body.get("last_build") or {}) if status == 200 and isinstance(body, dict) else {}
        if last.get("id") == build_id and last.get("state") != "running":
            return last
        time.sleep(0.5)
    return {**last, "state": "running (timed out)"}


def admin_build(server: Server, key: str, index: Path, how: str) -> BuildOutcome:
    before = current_generation(index)
    started = time.monotonic()
    status, body = call(server.url, "POST", "/api/admin/reindex", {"full": False}, {"authorization": f"Bearer {key}"})
    if status != 202:
        return BuildOutcome(how, f"not started: {status} {body!r:.200}", 0.0, "", [], before, before, 0)
    last = poll_build(server.url, str(body["build_id"]))
    free = shutil.disk_usage(index).free // 1024
    return BuildOutcome(
        how, str(last.get("state")), time.monotonic() - started, str(last.get("error") or ""), staging_dirs(index),
        before, current_generation(index), free,
    )  # fmt: skip


def disk_full(setup: Setup, clients: int, extra_docs: int, settle: float = 5.0) -> DiskResult:
    """Index on a small tmpfs; grow the corpus until a build cannot fit; admin route, then CLI; recover."""
    result = DiskResult(clients=clients, extra_docs=extra_docs, base_chunks=setup.chunks)
    if os.geteuid() != 0:
        result.skipped = "mounting a tmpfs needs root, and the benchmark does not run as root"
        return result
    base = setup.work / "disk"
    corpus, mnt = base / "corpus", base / "mnt"
    shutil.copytree(setup.corpus, corpus)
    mnt.mkdir(parents=True)
    name = current_generation(setup.index)
    generation = setup.index / "generations" / name
    result.generation_kib = tmpfs_kib(generation)
    # room for the current generation and a rebuild of the same corpus (+25%), not for a much bigger one
    result.tmpfs_kib = math.ceil(result.generation_kib * 2.5 / 4) * 4 + 64
    mount = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={result.tmpfs_kib}k", "tmpfs", str(mnt)], capture_output=True, text=True
    )
    if mount.returncode != 0:
        result.skipped = f"`mount -t tmpfs` failed ({mount.returncode}): {one_line(mount.stderr or mount.stdout)}"
        return result
    try:
        _disk_full_mounted(setup, result, corpus, mnt, name, generation, settle)
    finally:
        result.umount = _unmount(mnt)
    return result


def _unmount(mnt: Path) -> str:
    for command in (["umount", str(mnt)], ["umount", "-l", str(mnt)]):
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode == 0:
            return " ".join(command[:-1])
        log(f"`{' '.join(command)}` failed: {one_line(done.stderr)}")
    return "failed"


def _disk_full_mounted(
    setup: Setup, result: DiskResult, corpus: Path, mnt: Path, name: str, generation: Path, settle: float
) -> None:
    index = mnt / "index"
    (index / "generations").mkdir(parents=True)
    shutil.copytree(generation, index / "generations" / name)
    (index / "CURRENT").write_text(name + "\n", encoding="utf-8")
    result.used_kib = shutil.disk_usage(mnt).used // 1024
    key = secrets.token_hex(16)
    env = setup.env(ASKREPORT_ADMIN_KEY=key, ASKREPORT_INDEX_DIR=str(index), ASKREPORT_CORPUS_DIR=str(corpus))
    port = free_port()
    logfile = setup.work / "logs" / "disk-server.log"
    log(
        f"disk full: tmpfs of {result.tmpfs_kib} KiB, generation {result.generation_kib} KiB, "
        f"{result.used_kib} KiB used; {result.clients} clients"
    )
    tally, stop = Tally(), threading.Event()
    with running(serve_command(index, port), port, logfile, env) as server:
        poll(server, "/api/ready")
        threads = start_clients(result.clients, server.url, tally, setup.texts, setup.scripts, stop, rewrite, seed=5000)
        try:
            time.sleep(settle)
            extra = write_markdown(
                setup.data, result.extra_docs, corpus, skip=setup.scifact_docs, prefix="extra", width=5
            )
            result.admin = admin_build(server, key, index, "POST /api/admin/reindex")
            log(f"  admin build: {result.admin.state}: {result.admin.error}")
            time.sleep(settle)  # serving goes on after the failure
            before = current_generation(index)
            run = run_index(corpus, index, env, setup.work / "logs" / "disk-cli-build.log")
            result.cli = BuildOutcome(
                "askreport index", f"exit status {run.returncode}", run.seconds, _last_line(run.stderr),
                staging_dirs(index), before, current_generation(index), shutil.disk_usage(index).free // 1024,
                run.stderr, run.returncode,
            )  # fmt: skip
            log(f"  CLI build: exit status {run.returncode}: {result.cli.error}")
            time.sleep(settle)
            with tally.lock:
                result.requests_during_failures = tally.total()
                result.errors_during_failures = tally.errors()
                result.generations_during_failures = sorted(tally.first_seen)
            for path in extra:
                path.unlink()
            result.recovery = admin_build(server, key, index, "POST /api/admin/reindex")
            log(f"  recovery build without the extra documents: {result.recovery.state} {result.recovery.error}")
            result.recovery_served = wait_until_served(server, current_generation(index))
            time.sleep(settle)
        finally:
            stop_clients(threads, stop)
    result.tally = tally
    result.log = check_log(logfile)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    return errors[-1] if errors else (lines[-1] if lines else "")
