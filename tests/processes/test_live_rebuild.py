"""Rebuilding while serving, with real processes and the real model.

1. `kill -9` of `askreport index --full` at any moment leaves the previous generation serving, and the
   next build cleans up after it.
2. A live server follows newly published generations without failing a single request.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import httpx
import pytest

from indexer import SentenceTransformerEmbedder, build_index, current_name, open_current, open_generation, search
from indexer.evaluation.beir import write_beir_corpus
from indexer.index.generations import generation_names
from tests.support.data import CORPUS, REPO
from tests.support.processes import ASKREPORT, free_port, running

SCIFACT = REPO.parent / "shared" / "benchmarks" / "scifact" / "corpus.jsonl"
GENERATIONS = "generations"  # ROOT/generations/NAME, and ROOT/generations/.staging-NAME while building
STAGING_PREFIX = ".staging-"
KEEP_GENERATIONS = 3
SEED = 20261128


def _env(**extra: str) -> dict[str, str]:
    """The environment without the caller's ASKREPORT_* settings: the bundled model, like `embedder`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASKREPORT_")}
    return {**env, "ASKREPORT_MODEL": "", "ASKREPORT_RATE_LIMIT": "0", **extra}  # 4 clients hammer one server


def _wait_for(condition: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def _staging_dirs(index: Path) -> list[str]:
    base = index / GENERATIONS
    return sorted(p.name for p in base.iterdir() if p.name.startswith(STAGING_PREFIX)) if base.is_dir() else []


# --- 1. crash safety -----------------------------------------------------------------------------

BIG_CORPUS_DOCS = 150
DOC_CHARS = 700  # about one chunk per document: a full build embeds ~150 chunks, a few seconds
RANDOM_KILLS = 5
CRASH_QUERY = "effect of the treatment on patients"


def _scifact_docs(n: int) -> list[tuple[str, str]]:
    if not SCIFACT.is_file():
        return []
    docs: list[tuple[str, str]] = []
    with SCIFACT.open(encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            text = " ".join(str(record.get("text", "")).split())
            if len(text) < 2 * DOC_CHARS // 3:
                continue
            title = " ".join(str(record.get("title", "")).split()) or " ".join(text.split()[:8])
            docs.append((title, text[:DOC_CHARS].rsplit(" ", 1)[0] + "."))
            if len(docs) == n:
                break
    return docs


def _synthetic_docs(n: int, rng: random.Random) -> list[tuple[str, str]]:
    """Varied made-up reports, for when the SciFact corpus is not on this machine."""
    subjects = (
        "The committee|Seasonal workers|The ministry|Local farmers|A pilot study|Regional authorities|"
        "The survey team|Hospital staff|Young graduates|Researchers"
    ).split("|")
    verbs = "reviewed reported measured questioned expanded reduced documented funded compared".split()
    objects = (
        "water quality|recruitment fees|vaccination rates|rice harvests|border crossings|"
        "school attendance|remittance flows|housing costs|air pollution|training courses"
    ).split("|")
    places = (
        "the northern provinces|three coastal towns|the capital|mountain villages|two border districts|"
        "the river delta|industrial suburbs|island communities"
    ).split("|")
    outcomes = ["improving", "unchanged", "worsening", "not recorded"]
    docs = []
    for i in range(n):
        topic = rng.choice(objects)
        sentences = [
            f"{rng.choice(subjects)} {rng.choice(verbs)} {rng.choice([topic, *objects])} in "
            f"{rng.choice(places)} during {rng.randrange(1990, 2026)}, with {rng.randrange(2, 98)}% "
            f"of cases {rng.choice(outcomes)}."
            for _ in range(rng.randrange(6, 9))
        ]
        docs.append((f"Report {i}: {topic} in {rng.choice(places)}", " ".join(sentences)))
    return docs


def _write_big_corpus(root: Path) -> int:
    docs = _scifact_docs(BIG_CORPUS_DOCS)
    docs += _synthetic_docs(BIG_CORPUS_DOCS - len(docs), random.Random(SEED))
    root.mkdir()
    rows = [{"_id": str(i), "title": title, "text": text} for i, (title, text) in enumerate(docs)]
    write_beir_corpus(rows, root, name="doc-{position:03d}.md")
    return len(docs)


def _index_cmd(corpus: Path, index: Path, full: bool) -> list[str]:
    return [
        *ASKREPORT,
        "index",
        "--corpus",
        str(corpus),
        "--index",
        str(index),
        *(["--full"] if full else []),
    ]


def _run_index(corpus: Path, index: Path, full: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_index_cmd(corpus, index, full), capture_output=True, text=True, timeout=150, env=_env())


def _start_index(corpus: Path, index: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        _index_cmd(corpus, index, full=True),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_env(),
    )


@dataclass(frozen=True)
class Expected:
    """What every complete generation of the big corpus holds."""

    documents: int
    chunks: int


def _assert_current_serves(index: Path, embedder: SentenceTransformerEmbedder, expected: Expected) -> str:
    """CURRENT names a complete generation that loads and answers; returns its name."""
    name = current_name(index)
    assert name in generation_names(index), f"CURRENT names {name}, which is not a published generation"
    generation = open_current(index, embedder.name, embedder.dim)
    try:
        assert generation.name == name
        assert len(generation.manifest.documents) == expected.documents
        assert generation.manifest.chunk_count == expected.chunks == generation.vectors.ntotal
        hits = search(generation, embedder, CRASH_QUERY, 3)
        assert len(hits) == 3 and all(h.text.strip() for h in hits)
    finally:
        generation.close()
    return name


def _assert_generation_answers(index: Path, name: str, embedder: SentenceTransformerEmbedder) -> None:
    generation = open_generation(index / GENERATIONS / name, embedder.name, embedder.dim)
    try:
        assert generation.name == name
        assert len(search(generation, embedder, CRASH_QUERY, 3)) == 3
    finally:
        generation.close()


def _kill_and_check(
    proc: subprocess.Popen[str],
    index: Path,
    before: str,
    existing: set[str],
    embedder: SentenceTransformerEmbedder,
    expected: Expected,
) -> str:
    """`kill -9` the build, check the index still serves; returns what the kill interrupted.

    `before` was current and `existing` were the generations there were when the build started.
    """
    finished = proc.poll() is not None
    proc.kill()  # SIGKILL, as `kill -9`
    output, _ = proc.communicate(timeout=30)
    assert proc.returncode in (0, -signal.SIGKILL), f"build failed on its own ({proc.returncode}):\n{output}"
    finished = finished or proc.returncode == 0
    orphans = _staging_dirs(index)
    now = _assert_current_serves(index, embedder, expected)
    assert now >= before, f"CURRENT went back from {before} to {now}"
    _assert_generation_answers(index, before, embedder)  # the previous generation is intact
    renamed = sorted(set(generation_names(index)) - existing)
    if finished:
        return "finished before the kill"
    if now != before:
        return f"killed after publishing {now}"
    if renamed:
        for name in renamed:  # renamed into place but not made current: complete all the same
            _assert_generation_answers(index, name, embedder)
        return f"killed after renaming {renamed[0]}, before CURRENT pointed at it"
    assert existing <= set(generation_names(index)), "a killed build deleted a generation"
    return f"killed, left {orphans[0]}" if orphans else "killed before writing"


def _kill_when(
    proc: subprocess.Popen[str], condition: Callable[[set[str]], bool], existing: set[str], timeout: float
) -> float:
    """Poll every 2 ms until `condition(existing)` holds or the build ends; returns the seconds waited."""
    started = time.monotonic()
    while proc.poll() is None and not condition(existing) and time.monotonic() < started + timeout:
        time.sleep(0.002)
    return time.monotonic() - started


@pytest.mark.slow
def test_kill_9_during_build_leaves_previous_generation_serving(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    started = time.monotonic()
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    documents = _write_big_corpus(corpus)

    t0 = time.monotonic()
    first = _run_index(corpus, index)
    duration = time.monotonic() - t0
    assert first.returncode == 0, first.stdout + first.stderr
    generation = open_current(index)
    expected = Expected(len(generation.manifest.documents), generation.manifest.chunk_count)
    generation.close()
    assert expected.documents == documents == BIG_CORPUS_DOCS
    baseline = _assert_current_serves(index, embedder, expected)

    rng = random.Random(SEED)
    # one kill in each slice of a build's duration, at a random moment of the slice; the last 15 %
    # are left out, as builds vary in length on a busy machine and may finish before the kill
    span = 0.85 * duration
    delays = [span * (i + rng.random()) / RANDOM_KILLS for i in range(RANDOM_KILLS)]
    outcomes: list[str] = []
    for delay in delays:
        before, existing = current_name(index), set(generation_names(index))
        proc = _start_index(corpus, index)
        time.sleep(delay)
        outcomes.append(f"{delay:5.2f} s: {_kill_and_check(proc, index, before, existing, embedder, expected)}")

    # and two kills in the short publishing window, which random moments rarely hit: the moment
    # a staging directory is renamed into place, and the moment one appears (last, so that the
    # final build has an orphan to remove)
    targets: list[tuple[str, Callable[[set[str]], bool]]] = [
        ("generation renamed", lambda existing: bool(set(generation_names(index)) - existing)),
        ("staging written", lambda existing: bool(_staging_dirs(index))),
    ]
    for label, condition in targets:
        before, existing = current_name(index), set(generation_names(index))
        proc = _start_index(corpus, index)
        delay = _kill_when(proc, condition, existing, 3 * duration + 30)
        outcome = _kill_and_check(proc, index, before, existing, embedder, expected)
        outcomes.append(f"{delay:5.2f} s: {outcome} (at: {label})")

    seen = set(generation_names(index)) | {baseline}
    orphans_before = _staging_dirs(index)
    final = _run_index(corpus, index)
    assert final.returncode == 0, final.stdout + final.stderr
    now = _assert_current_serves(index, embedder, expected)
    assert all(now > name for name in seen), f"{now} is not newer than {sorted(seen)}"
    assert _staging_dirs(index) == [], "the build left staging directories behind"
    kept = generation_names(index)
    assert len(kept) <= KEEP_GENERATIONS and kept[-1] == now, kept

    print(
        f"\ncrash safety: {documents} documents, {expected.chunks} chunks, one build {duration:.1f} s; "
        f"{len(outcomes)} kills:\n  " + "\n  ".join(outcomes) + "\n  orphans before the last build: "
        f"{orphans_before or 'none'}; kept after it: {kept}; total {time.monotonic() - started:.1f} s"
    )


# --- 2. zero downtime ----------------------------------------------------------------------------

CLIENTS = 4
BUILDS = 6
RELOAD_INTERVAL = "0.2"
NOTES = {
    "harvest-notes.md": "# Harvest notes\n\n## Recruitment\n\nSeasonal workers were recruited for the "
    "apple harvest through a licensed agency; recruitment fees were paid by the employer.\n",
    "training-notes.md": "# Training notes\n\n## Border officials\n\nA two-day course trained border "
    "officials to identify victims of trafficking and refer them to shelters.\n",
    "remittance-notes.md": "# Remittance notes\n\n## Costs\n\nSending money home through mobile "
    "transfers cost migrants less than bank transfers in the surveyed districts.\n",
}
QUESTIONS = [
    "remittances Kyrgyzstan GDP",
    "How many migrants lived in Asia in 2017?",
    "What does MIEUX do in Central Asia?",
    "trafficking in human beings victims",
    "information campaign on irregular migration",
    "Who pays the recruitment fees for seasonal workers?",
    "training border officials to identify trafficking victims",
    "cost of sending money home",
    "labour migration governance South East Asia",
    "ASEAN regional cooperation",
]


@dataclass
class LiveServer:
    base: str
    corpus: Path
    index: Path
    log: Path


@dataclass
class ClientLog:
    """One client's requests: (start time, generation) of each success, and every failure."""

    results: list[tuple[float, str]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def generations(self) -> list[str]:
        return [g for _, g in self.results]


def _log_tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def _served_generation(base: str) -> str | None:
    """The generation the server says it serves; None while it does not answer."""
    try:
        generation: str | None = httpx.get(f"{base}/api/health", timeout=5).json()["generation"]
        return generation
    except (httpx.HTTPError, ValueError, KeyError):
        return None


@pytest.fixture()
def live_server(tmp_path: Path, embedder: SentenceTransformerEmbedder) -> Iterator[LiveServer]:
    corpus, index, log = tmp_path / "corpus", tmp_path / "index", tmp_path / "server.log"
    shutil.copytree(CORPUS, corpus)
    for name, text in NOTES.items():
        (corpus / name).write_text(text, encoding="utf-8")
    build_index(corpus, index, embedder)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [*ASKREPORT, "serve", "--port", str(port), "--index", str(index)]
    env = _env(ASKREPORT_HOST="127.0.0.1", ASKREPORT_RELOAD_INTERVAL=RELOAD_INTERVAL, ASKREPORT_CORPUS_DIR=str(corpus))
    with running(command, env, f"{base}/api/health", log=log):
        yield LiveServer(base, corpus, index, log)


def _query_loop(client: int, base: str, log: ClientLog, stop: threading.Event, deadline: float) -> None:
    rng = random.Random(SEED + client)
    with httpx.Client(base_url=base, timeout=30) as http:
        while not stop.is_set() and time.monotonic() < deadline:
            question = rng.choice(QUESTIONS)
            started = time.monotonic()
            try:
                response = http.get("/api/search", params={"q": question, "k": rng.randint(1, 8)})
                if response.status_code != 200:
                    log.failures.append(f"{question!r}: {response.status_code} {response.text[:300]}")
                else:
                    log.results.append((started, response.json()["index"]["generation"]))
                    continue
            except Exception as exc:  # any failure counts, not only HTTP ones
                log.failures.append(f"{question!r}: {type(exc).__name__}: {exc}")
            time.sleep(0.05)


@pytest.mark.slow
def test_server_follows_new_generations_without_failing_a_request(
    live_server: LiveServer, embedder: SentenceTransformerEmbedder
) -> None:
    started = time.monotonic()
    base, corpus, index = live_server.base, live_server.corpus, live_server.index
    initial = _served_generation(base)
    assert initial == current_name(index)
    logs = [ClientLog() for _ in range(CLIENTS)]
    stop = threading.Event()
    threads = [
        threading.Thread(target=_query_loop, args=(i, base, log, stop, started + 150), daemon=True)
        for i, log in enumerate(logs)
    ]
    for thread in threads:
        thread.start()
    published: list[str] = []
    try:
        assert _wait_for(lambda: all(log.results or log.failures for log in logs), 30), "clients not started"
        notes = sorted(NOTES)
        for i in range(BUILDS):
            note = corpus / notes[i % 2]  # alternate between two documents
            note.write_text(
                note.read_text(encoding="utf-8") + f"\nUpdate {i}: the review board met again in week {i}.\n",
                encoding="utf-8",
            )
            summary = build_index(corpus, index, embedder)
            assert summary.embedded >= 1 and summary.reused >= 1
            published.append(summary.generation)
            time.sleep(0.5)
        last = published[-1]
        assert _wait_for(lambda: _served_generation(base) == last, 30, 0.1), (
            f"the server still serves {_served_generation(base)}, not {last}:\n{_log_tail(live_server.log)}"
        )
        confirmed = time.monotonic()
        # every client finishes a request it started after the server switched to the last generation
        assert _wait_for(lambda: all(log.results and log.results[-1][0] > confirmed for log in logs), 30), (
            "a client made no successful request after the switch to the last generation"
        )
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=40)
    assert not any(thread.is_alive() for thread in threads)

    requests = sum(len(log.results) + len(log.failures) for log in logs)
    failures = [f"client {i}: {f}" for i, log in enumerate(logs) for f in log.failures]
    seen = sorted({g for log in logs for g in log.generations})
    print(
        f"\nzero downtime: {requests} requests by {CLIENTS} clients, {len(failures)} failed; "
        f"published {len(published)} generations, {len(seen)} distinct served: {seen}; "
        f"{time.monotonic() - started:.1f} s"
    )
    assert failures == [], "\n".join(failures[:20]) + f"\n{_log_tail(live_server.log)}"
    for i, log in enumerate(logs):
        backwards = [(a, b) for a, b in pairwise(log.generations) if b < a]
        assert backwards == [], f"client {i} went back to an older generation: {backwards[:5]}"
        assert log.generations[-1] == last, f"client {i} ended on {log.generations[-1]}, not {last}"
    assert len(seen) >= 2
    assert set(seen) <= {initial, *published}, f"unknown generations served: {seen}"
    assert published == sorted(published) and len(set(published)) == BUILDS
