"""The three experiments of bench/reliability.py: soak with live rebuilds, kill -9 under load, disk full.

Each experiment starts `askreport serve` with bench/procs.py's `running` (own session, always
stopped), drives it with the threads of bench/reliability_load.py and returns what it saw; the
Markdown is written by bench/reliability.py.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from procs import Server, ServerError, free_port, running
from reliability_load import (
    CHECK_FOLLOW_UP,
    ConversationRecord,
    LogCheck,
    MemorySampler,
    Tally,
    check_log,
    one_line,
    start_clients,
    stop_clients,
)
from servers import askreport_command

from indexer.retrieval.followups import rewrite  # the server's own rewrite: what a follow-up's query must be

RELOAD_INTERVAL = "0.5"
SUMMARY = re.compile(r"indexed (\d+) documents into (\d+) chunks.*")
PROGRESS = re.compile(r"^embedding:|\d+/\d+ \[")  # tqdm's lines on stderr
CHILDREN: set[subprocess.Popen[bytes]] = set()  # `askreport index` processes running right now


def log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------- setup


@dataclass(frozen=True)
class Setup:
    """The work directory shared by the experiments: corpus, index, conversations DB, request texts."""

    work: Path
    corpus: Path
    index: Path
    data: Path  # SciFact corpus.jsonl
    scifact_docs: int  # SciFact documents in the corpus
    texts: Sequence[str]
    scripts: Sequence[tuple[str, ...]]
    documents: int = 0
    chunks: int = 0
    build_seconds: float = 0.0

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of every server and build: ours, with every ASKREPORT_ variable set here."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASKREPORT_")}
        env.update(
            ASKREPORT_RATE_LIMIT="0",
            ASKREPORT_MAX_CONVERSATIONS_PER_CLIENT="0",  # the load generator is one client
            ASKREPORT_RELOAD_INTERVAL=RELOAD_INTERVAL,
            ASKREPORT_CONVERSATIONS_DB=str(self.work / "conversations.sqlite3"),
            ASKREPORT_INDEX_DIR=str(self.index),
            ASKREPORT_CORPUS_DIR=str(self.corpus),
            ASKREPORT_LOG_LEVEL="info",
            ASKREPORT_WORKERS="1",
        )
        env.update(extra)
        return env


def write_scifact(data: Path, skip: int, count: int, corpus: Path, prefix: str) -> list[Path]:
    """SciFact documents skip..skip+count as `# title` Markdown files (as bench/incremental.py writes them)."""
    files: list[Path] = []
    with data.open(encoding="utf-8") as fh:
        rows = (json.loads(line) for line in fh if line.strip())
        for i, row in enumerate(rows):
            if i < skip:
                continue
            if len(files) == count:
                break
            title = str(row.get("title") or "").strip() or f"Document {row['_id']}"
            path = corpus / f"{prefix}-{i:05d}-{row['_id']}.md"
            path.write_text(f"# {title}\n\n{str(row['text']).strip()}\n", encoding="utf-8")
            files.append(path)
    if len(files) < count:
        raise SystemExit(f"{data} holds fewer than {skip + count} documents")
    return files


@dataclass(frozen=True)
class IndexRun:
    """One `askreport index` process."""

    command: tuple[str, ...]
    returncode: int
    seconds: float
    stdout: str
    stderr: str  # without the progress bar

    @property
    def summary(self) -> str:
        match = SUMMARY.search(self.stdout)
        return match[0] if match else ""

    @property
    def chunks(self) -> int:
        match = SUMMARY.search(self.stdout)
        return int(match[2]) if match else 0

    @property
    def documents(self) -> int:
        match = SUMMARY.search(self.stdout)
        return int(match[1]) if match else 0


def run_index(
    corpus: Path, index: Path, env: dict[str, str], logfile: Path, full: bool = False, timeout: float = 1200
) -> IndexRun:
    """Run `askreport index` (the CLI) as a subprocess; its output also goes to `logfile`."""
    command = [*askreport_command(), "index", "--corpus", str(corpus), "--index", str(index), *(["--full"] * full)]
    started = time.monotonic()
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    CHILDREN.add(process)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
    finally:
        CHILDREN.discard(process)
    seconds = time.monotonic() - started
    stdout, stderr = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    logfile.parent.mkdir(parents=True, exist_ok=True)
    logfile.write_text(f"$ {' '.join(command)}\n{stdout}\n--- stderr ---\n{stderr}", encoding="utf-8")
    lines = [line for line in re.split(r"[\r\n]+", stderr) if line.strip() and not PROGRESS.search(line)]
    return IndexRun(tuple(command), process.returncode, seconds, stdout, "\n".join(lines))


def kill_children() -> None:
    """Stop the `askreport index` processes this benchmark started that are still running."""
    for process in list(CHILDREN):
        if process.poll() is None:
            process.kill()


def prepare(work: Path, report_corpus: Path, data: Path, docs: int, texts: Sequence[str], scripts: Any) -> Setup:
    """Write the corpus (the report and `docs` SciFact abstracts) and build its first index with the CLI."""
    corpus = work / "corpus"
    corpus.mkdir(parents=True)
    for path in sorted(report_corpus.glob("*.txt")):
        shutil.copyfile(path, corpus / path.name)  # copyfile: the copy is writable, the soak edits it
    write_scifact(data, 0, docs, corpus, "scifact")
    setup = Setup(work, corpus, work / "index", data, docs, texts, scripts)
    run = run_index(corpus, setup.index, setup.env(), work / "logs" / "first-build.log")
    if run.returncode != 0:
        raise SystemExit(f"the first `askreport index` failed ({run.returncode}):\n{run.stderr[-2000:]}")
    log(f"first build: {run.summary} ({run.seconds:.0f} s with model load)")
    return Setup(work, corpus, setup.index, data, docs, texts, scripts, run.documents, run.chunks, run.seconds)


# ------------------------------------------------------------------------------------ http helpers


def call(
    url: str,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60.0,
) -> tuple[int, Any]:
    """One request on a fresh connection: status and the parsed JSON body (raw bytes if not JSON)."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=payload, headers={"content-type": "application/json", **(headers or {})})
        response = conn.getresponse()
        data = response.read()
    finally:
        conn.close()
    try:
        return response.status, json.loads(data)
    except ValueError:
        return response.status, data


def poll(server: Server, path: str, timeout: float = 300.0, want: int = 200) -> tuple[float, Any]:
    """Poll `path` every 10 ms until it answers `want`: seconds from spawning the server, and the body.

    Refused connections and other statuses (503 while loading) are retried; a dead server raises."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if server.process.poll() is not None:
            raise ServerError(f"server exited with status {server.process.returncode}:\n{server.log_tail()}")
        try:
            status, body = call(server.url, "GET", path, timeout=30)
        except OSError:
            time.sleep(0.01)
            continue
        if status == want:
            return time.perf_counter() - server.started, body
        time.sleep(0.05)
    raise ServerError(f"{server.url}{path} did not answer {want} within {timeout:.0f} s:\n{server.log_tail()}")


def serve_command(index: Path, port: int) -> list[str]:
    return [*askreport_command(), "serve", "--index", str(index), "--port", str(port)]


def current_generation(index: Path) -> str:
    return (index / "CURRENT").read_text(encoding="utf-8").strip()


def wait_until_served(server: Server, generation: str, timeout: float = 30.0) -> bool:
    """Whether /api/ready names `generation` within `timeout` seconds (the watcher's reload)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status, body = call(server.url, "GET", "/api/ready", timeout=30)
            if status == 200 and body.get("generation") == generation:
                return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def staging_dirs(index: Path) -> list[str]:
    base = index / "generations"
    return sorted(p.name for p in base.iterdir() if p.name.startswith(".staging-")) if base.is_dir() else []


# ------------------------------------------------------------------------------------------ soak


@dataclass(frozen=True)
class Rebuild:
    """One `askreport index` run during the soak."""

    number: int
    full: bool
    edited: str
    at: float  # seconds into the soak
    run: IndexRun


class Rebuilder(threading.Thread):
    """Every `every` seconds (or right after a longer build): edit a corpus file, run `askreport index`."""

    def __init__(self, setup: Setup, every: float, deadline: float, started: float) -> None:
        super().__init__(name="rebuilder", daemon=True)
        self.setup = setup
        self.every = every
        self.deadline = deadline
        self.started = started
        self.halt = threading.Event()
        self.builds: list[Rebuild] = []

    def run(self) -> None:
        files = sorted(self.setup.corpus.iterdir())
        next_at = time.monotonic() + self.every
        number = 0
        while not self.halt.wait(max(0.0, next_at - time.monotonic())):
            if time.monotonic() > self.deadline - self.every / 2:
                return  # a build now would end after the load: its generation would not be exercised
            number += 1
            path = files[(number * 7) % len(files)]
            with path.open("a", encoding="utf-8") as fh:
                fh.write(f"\n\nEdit number {number} made by the reliability soak at {datetime.now(UTC).isoformat()}.\n")
            began = time.monotonic()
            full = number % 3 == 0
            run = run_index(
                self.setup.corpus,
                self.setup.index,
                self.setup.env(),
                self.setup.work / "logs" / f"soak-build-{number}.log",
                full,
            )
            self.builds.append(Rebuild(number, full, path.name, round(began - self.started, 1), run))
            state = "ok" if run.returncode == 0 else f"FAILED ({run.returncode}): {one_line(run.stderr, 300)}"
            log(f"  build {number}{' --full' if full else ''} after editing {path.name}: {state}, {run.seconds:.0f} s")
            next_at = began + self.every


@dataclass
class SoakResult:
    seconds: float
    clients: int
    every: float
    warmup: float
    tally: Tally
    builds: list[Rebuild]
    rss: list[tuple[float, float]]
    log: LogCheck
    stuck_clients: int
    first_generation: str  # CURRENT when the load started
    end_generation: str  # CURRENT when it stopped
    final_generation: str  # CURRENT after the last build
    final_served: bool
    server_exit: int | None  # the server's exit status if it died during the soak
    documents: int
    chunks: int

    @property
    def rss_start(self) -> float:
        from reliability_load import mean_between

        return mean_between(self.rss, self.warmup - 5, self.warmup + 5)

    @property
    def rss_end(self) -> float:
        from reliability_load import mean_between

        end = self.rss[-1][0] if self.rss else 0.0
        return mean_between(self.rss, end - 10, end)

    @property
    def rss_growth(self) -> float:
        return (self.rss_end - self.rss_start) / self.rss_start if self.rss_start else math.nan


def soak(setup: Setup, seconds: float, clients: int, every: float) -> SoakResult:
    """`clients` threads of mixed requests for `seconds` while the corpus is edited and rebuilt every `every` s."""
    port = free_port()
    logfile = setup.work / "logs" / "soak-server.log"
    warmup = min(0.2 * seconds, 60.0)
    first = current_generation(setup.index)
    with running(serve_command(setup.index, port), port, logfile, setup.env()) as server:
        ready, _ = poll(server, "/api/ready")
        log(f"soak: server ready after {ready:.1f} s; {clients} clients for {seconds:.0f} s, a build every {every:g} s")
        sampler = MemorySampler(server.pid)
        sampler.start()
        tally, stop = Tally(), threading.Event()
        threads = start_clients(clients, server.url, tally, setup.texts, setup.scripts, stop, rewrite)
        deadline = time.monotonic() + seconds
        rebuilder = Rebuilder(setup, every, deadline, tally.started)
        rebuilder.start()
        next_report = time.monotonic() + 30
        while time.monotonic() < deadline and server.process.poll() is None:
            time.sleep(0.5)
            if time.monotonic() >= next_report:
                next_report += 30
                rss = sampler.samples[-1][1] if sampler.samples else 0.0
                log(
                    f"  {time.monotonic() - tally.started:.0f} s: {tally.total()} requests, {tally.errors()} errors, "
                    f"{len(tally.first_seen)} generations, RSS {rss:.0f} MiB"
                )
        stuck = stop_clients(threads, stop)
        at_end = current_generation(setup.index)
        rss = sampler.finish()
        rebuilder.halt.set()
        rebuilder.join()
        final = current_generation(setup.index)
        alive = server.process.poll() is None
        served = alive and wait_until_served(server, final)
        exit_status = None if alive else server.process.returncode
    return SoakResult(
        seconds, clients, every, warmup, tally, rebuilder.builds, rss, check_log(logfile), stuck, first, at_end,
        final, served,
        exit_status, setup.documents, setup.chunks,
    )  # fmt: skip


# -------------------------------------------------------------------------------------- kill -9


@dataclass
class KillRun:
    number: int
    load_seconds: float
    requests_before: int
    errors_before: int  # failed requests before the kill (target 0)
    in_flight_errors: int  # requests cut by the kill (expected)
    conversations: int  # conversations with at least one answered turn
    pending: int  # of which a follow-up was in flight at the kill
    ready: float  # restart -> first 200 of /api/ready
    first_search: float  # restart -> first answered search
    served: str
    current: str
    lost: list[str] = field(default_factory=list)
    check_failures: list[str] = field(default_factory=list)  # follow-ups not answered 200
    logs: tuple[LogCheck, LogCheck] | None = None
    wal_left: bool = False  # the conversations DB's WAL file was there after the kill

    @property
    def generation_ok(self) -> bool:
        return self.served == self.current


def check_conversations(
    url: str, records: Sequence[ConversationRecord], threads: int = 8
) -> tuple[list[str], list[str]]:
    """Send "And in Thailand?" in every recorded conversation; (lost conversations, failed requests)."""
    lost: list[str] = []
    failed: list[str] = []

    def one(record: ConversationRecord) -> None:
        options = [rewrite(CHECK_FOLLOW_UP, record.answered)]
        if record.pending is not None:  # the server may have stored the turn whose answer the kill cut off
            options.append(rewrite(CHECK_FOLLOW_UP, [*record.answered, record.pending]))
        body = {"question": CHECK_FOLLOW_UP, "k": 3, "conversation_id": record.id}
        try:
            status, answer = call(url, "POST", "/api/ask", body)
        except OSError as exc:
            failed.append(f"{record.id}: {type(exc).__name__}: {exc}")
            return
        if status != 200:
            failed.append(f"{record.id}: {status} {answer!r:.200}")
        elif answer.get("query") not in options:
            lost.append(f"{record.id} (asked {record.answered!r}): query {answer.get('query')!r}")

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, records))
    return lost, failed


def kill_once(setup: Setup, number: int, clients: int, load_seconds: float) -> KillRun:
    """Serve, load with conversations, SIGKILL the process group, restart on the same port, check."""
    port = free_port()
    logs = setup.work / "logs"
    before_log, after_log = logs / f"kill-{number}-before.log", logs / f"kill-{number}-restart.log"
    tally, stop = Tally(), threading.Event()
    with running(serve_command(setup.index, port), port, before_log, setup.env()) as server:
        poll(server, "/api/ready")
        threads = start_clients(
            clients,
            server.url,
            tally,
            setup.texts,
            setup.scripts,
            stop,
            rewrite,
            conversations_only=True,
            seed=1000 * number,
        )
        time.sleep(load_seconds)
        killed_at = time.monotonic()
        stop.set()  # no new requests; the ones in flight are cut by the kill
        os.killpg(server.pid, signal.SIGKILL)
        server.process.wait()
        stop_clients(threads, stop)
    wal = Path(str(setup.work / "conversations.sqlite3") + "-wal").exists()
    errors_before = tally.errors(after=killed_at)
    records = [r for r in tally.conversations if r.answered]
    log(
        f"kill run {number}: killed after {load_seconds:g} s of load, {tally.total()} requests, "
        f"{len(records)} conversations recorded; restarting"
    )
    with running(serve_command(setup.index, port), port, after_log, setup.env()) as server:
        ready, body = poll(server, "/api/ready")
        first_search, _ = poll(server, f"/api/search?q={quote('Which countries does MIEUX work with?')}&k=3")
        current = current_generation(setup.index)
        lost, failed = check_conversations(server.url, records)
    result = KillRun(
        number, load_seconds, tally.total(), errors_before, tally.errors() - errors_before, len(records),
        sum(1 for r in records if r.pending is not None), ready, first_search, str(body.get("generation")), current,
        lost, failed, (check_log(before_log), check_log(after_log)), wal,
    )  # fmt: skip
    log(
        f"  ready {ready:.1f} s, first search {first_search:.1f} s after restart; generation "
        f"{'= CURRENT' if result.generation_ok else 'DIFFERS from CURRENT'}; {len(lost)} conversations lost"
    )
    return result


# ------------------------------------------------------------------------------------- disk full


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
            extra = write_scifact(setup.data, setup.scifact_docs, result.extra_docs, corpus, "extra")
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
