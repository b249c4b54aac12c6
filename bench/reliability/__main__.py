"""Reliability of `askreport serve`: a soak with live rebuilds, kill -9 under load, a full disk during a build.

One command runs three experiments against real server processes (`askreport serve`, started in a
session of their own by bench/procs.py) on a corpus of the report and SciFact abstracts in a
temporary work directory; the clients are threads of this process with keep-alive connections:

1. soak: 64 clients send a mix of searches, 2-3 turn conversations, source views, /api/documents and
   /api/index for 5 minutes while a corpus file is edited and `askreport index` rebuilds (every third
   time `--full`) every 20 s. Requests by kind and status, errors (target 0), generations served
   (never backwards), error lines in the server's log (target 0), VmRSS growth from the end of the
   warm-up to the end (target <= 10%), latency p50/p99.
2. kill -9: 16 clients hold conversations, the server's process group gets SIGKILL mid-load, the
   server restarts on the same port: seconds to /api/ready and to the first answered search, the
   generation it serves against CURRENT, and whether every conversation answered before the kill
   still rewrites its follow-up "And in Thailand?" (conversations lost, target 0). 3 times.
3. disk full: the index on a tmpfs sized for the current generation and a same-size rebuild only;
   8 clients; the corpus grows by many SciFact abstracts; POST /api/admin/reindex, then `askreport
   index`: the build must fail saying the disk is full while serving goes on with 0 errors from the
   old generation, leave no staging directory, and a reindex after removing the extra files succeeds.

It prints Markdown; `--write` writes docs/reliability.md. Run from the repository root:

    .venv/bin/python bench/reliability.py --write      # about 10 minutes on 2 cores
    .venv/bin/python bench/reliability.py --quick      # smoke run of every experiment, 2-3 minutes
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from procs import exit_on_sigterm
from reliability_load import KINDS, conversation_scripts, percentile, question_texts
from reliability_runs import (
    RELOAD_INTERVAL,
    BuildOutcome,
    DiskResult,
    KillRun,
    Setup,
    SoakResult,
    disk_full,
    kill_children,
    kill_once,
    log,
    prepare,
    soak,
)
from report import REPO_ROOT, Spread, command_line, machine_facts, provenance, update_doc

DOC = REPO_ROOT / "docs" / "reliability.md"
SCRIPT = "bench/reliability.py"
EXPERIMENTS = ("soak", "kill", "disk")
TITLES = {
    "soak": "## Soak: mixed load while the index is rebuilt",
    "kill": "## kill -9 under load",
    "disk": "## Disk full during a build",
}
INTRO = (
    "# Reliability\n\n"
    "What `askreport serve` does when it runs for a while under load while the index is rebuilt, when "
    "it is killed with `kill -9` in the middle of conversations, and when the disk fills up during a "
    "build. Every figure comes from `bench/reliability.py`, which starts real server processes "
    "(`askreport serve`, one worker) and real `askreport index` processes on a corpus of the report and "
    "SciFact abstracts in a temporary directory, and drives them with client threads in a separate "
    "process (keep-alive `http.client` connections). The machine is shared with other jobs, so "
    "latencies and build times are noisy; errors, lost conversations and leaks are not. Each section "
    "gives the command, the date and commit, the machine and the figures; *missed* marks a target "
    "that was not met.\n\n"
)
TARGET_GROWTH = 0.10
EARLIER_FINDINGS = {
    "soak": (
        "Earlier finding, fixed: the first full run of this benchmark (2026-11-28, before `server/conversations.py` "
        "made the writes of one process take turns on a lock and stopped fsyncing every commit) had 6 errors in "
        "41,416 requests: 3 `POST /api/ask` answered 500 after `BEGIN IMMEDIATE` waited out the 10 s busy timeout "
        "(`sqlite3.OperationalError: database is locked` in `ConversationStore.append`, logged by uvicorn as "
        '"Exception in ASGI application"), and the next request on each of those 3 keep-alive connections failed '
        "with `ConnectionResetError`/`RemoteDisconnected`, as uvicorn closes a connection after an unhandled "
        "exception. `/api/ask` p99 was 4.4 s against 2.0 s for `/api/search`. In isolation, 40 threads each "
        "reading and appending turns got 4-16 `database is locked` in 15-20 s and a 10 s maximum latency before "
        "the fix, none and a 0.4 s maximum after it."
    ),
}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Reliability experiments against real `askreport serve` processes: a soak with live rebuilds "
            "(errors, generations, log errors, RSS growth), kill -9 under load (restart time, conversations "
            "lost) and a full disk during a build (error message, serving on, cleanup). Run from the "
            "repository root; the default run takes about 10 minutes, --quick 2-3."
        ),
        epilog=f"Example: .venv/bin/python {SCRIPT} --write",
    )
    add = parser.add_argument
    add("--only", choices=EXPERIMENTS, action="append", help="run only this experiment (repeatable)")
    add("--minutes", type=float, default=5.0, help="soak duration (default: %(default)s)")
    add("--clients", type=int, default=64, help="soak clients (default: %(default)s)")
    add("--rebuild-every", type=float, default=20.0, help="seconds between soak rebuilds (default: %(default)s)")
    add("--docs", type=int, default=100, help="SciFact abstracts in the corpus (default: %(default)s)")
    add("--kill-runs", type=int, default=3, help="kill -9 repetitions (default: %(default)s)")
    add("--kill-clients", type=int, default=16, help="clients during kill -9 (default: %(default)s)")
    add("--kill-after", type=float, default=15.0, help="seconds of load before each kill (default: %(default)s)")
    add("--disk-clients", type=int, default=8, help="clients during the disk-full builds (default: %(default)s)")
    add("--extra-docs", type=int, default=0, help="SciFact abstracts added to fill the disk (default: 1.5 x --docs)")
    add("--data", type=Path, default=Path("../shared/benchmarks/scifact"), help="SciFact in BEIR layout")
    add("--dev", type=Path, default=Path("tests/data/dev-questions.jsonl"), help="dev question set")
    add("--corpus", type=Path, default=Path("corpus"), help="the report corpus (its .txt files)")
    add("--tmp-dir", type=Path, default=None, help="where the work directory goes (default: system temp)")
    add("--keep", action="store_true", help="keep the work directory (corpus, indexes, server logs)")
    add("--quick", action="store_true", help="smoke run: 30 s soak at 16 clients, 20 abstracts, one kill")
    add("--write", action="store_true", help="write docs/reliability.md (replaces the sections that ran)")
    args = parser.parse_args(argv)
    if args.quick:
        args.minutes, args.clients, args.rebuild_every, args.docs = 0.5, 16, 10.0, 20
        args.kill_runs, args.kill_clients, args.kill_after, args.disk_clients = 1, 8, 4.0, 4
        args.settle = 2.0
        if args.write:
            parser.error("--quick measures too little to be written down: drop --write or --quick")
    args.extra_docs = args.extra_docs or round(1.5 * args.docs)
    args.settle = getattr(args, "settle", 5.0)  # seconds of load around the disk-full builds
    positive = (
        "minutes",
        "clients",
        "rebuild_every",
        "docs",
        "kill_runs",
        "kill_clients",
        "kill_after",
        "disk_clients",
    )
    if any(getattr(args, name) <= 0 for name in positive):
        parser.error("counts and durations must be positive")
    for name in ("data", "dev", "corpus"):
        path = getattr(args, name)
        path = path if path.is_absolute() else (REPO_ROOT / path).resolve()
        if not path.exists():
            parser.error(f"--{name.replace('_', '-')}: {path} does not exist")
        setattr(args, name, path)
    args.experiments = tuple(e for e in EXPERIMENTS if not args.only or e in args.only)
    return args


# ------------------------------------------------------------------------------------- rendering


def mark(ok: bool) -> str:
    return "met" if ok else "**missed**"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def header(title: str, load: Sequence[tuple[float, float, float]]) -> list[str]:
    return [
        title,
        "",
        f"Command (from the repository root): `{command_line(SCRIPT)}`",
        "",
        provenance(),
        "",
        "Machine:",
        *(f"- {fact}" for fact in machine_facts(load)),
        "",
    ]


def code_block(lines: Sequence[str]) -> list[str]:
    return ["```", *lines, "```"] if lines else []


def soak_section(r: SoakResult, load: Sequence[tuple[float, float, float]]) -> str:
    t = r.tally
    kinds = t.by_kind()
    rows = [
        "| request | sent | 2xx | errors | p50 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for kind in KINDS:
        statuses = kinds.get(kind)
        if not statuses:
            continue
        sent = sum(statuses.values())
        ok = sum(n for s, n in statuses.items() if s.startswith("2"))
        lat = t.latencies.get(kind, [])
        rows.append(f"| {kind} | {sent} | {ok} | {sent - ok} | {ms(percentile(lat, 50))} | {ms(percentile(lat, 99))} |")
    everything = t.all_latencies()
    rows.append(
        f"| **all** | **{t.total()}** | {t.total() - t.errors()} | **{t.errors()}** | "
        f"{ms(percentile(everything, 50))} | {ms(percentile(everything, 99))} |"
    )
    builds = r.builds
    ok_builds = [b for b in builds if b.run.returncode == 0]
    incremental = [b.run.seconds for b in builds if not b.full]
    full = [b.run.seconds for b in builds if b.full]
    generations = sorted(t.first_seen)
    # generation names start with a sequence number: those current at some time during the load
    published = int(r.end_generation.split("-")[0]) - int(r.first_generation.split("-")[0]) + 1
    late = int(r.final_generation.split("-")[0]) - int(r.end_generation.split("-")[0])
    failures = [f"{status}: {n}" for (_, status), n in sorted(t.counts.items()) if not status.startswith("2")]
    per_minute = [next(x for s, x in r.rss if s >= m * 60) for m in range(int(r.rss[-1][0] // 60) + 1)] if r.rss else []
    lines = [
        *header(TITLES["soak"], load),
        f"Setup: a corpus of the report and {r.documents - 1} SciFact abstracts ({r.documents} documents, "
        f"{r.chunks} chunks), indexed with `askreport index`; `askreport serve` with `ASKREPORT_RATE_LIMIT=0`, "
        f"`ASKREPORT_RELOAD_INTERVAL={RELOAD_INTERVAL}`, the conversations DB in the work directory. "
        f"{r.clients} client threads sent requests back to back for {r.seconds:.0f} s. Each client action: a "
        "search (45%; dev questions and SciFact queries, cycled, k 3/5/10), a conversation of 2-3 turns "
        '(20%; the dev set\'s conversations and a question followed by follow-ups such as "And in Thailand?", '
        "each turn sent with the returned `conversation_id`), a source view of a citation URL from an earlier "
        "answer (20%), `/api/documents` (7%), `/api/index` (8%). Meanwhile, every "
        f"{r.every:g} s (or right after a longer build), a corpus file got one more sentence and "
        "`askreport index` ran as a separate process, every third time with `--full`.",
        "",
        *rows,
        "",
        f"- Errors (not 2xx, or a socket error): **{t.errors()}** of {t.total()} requests — target 0: "
        f"{mark(t.errors() == 0)}" + (f" ({', '.join(failures)})" if failures else ""),
        f"- Builds: {len(builds)} ({len(builds) - len(full)} incremental, median "
        f"{statistics.median(incremental) if incremental else 0:.0f} s; {len(full)} `--full`, median "
        f"{statistics.median(full) if full else 0:.0f} s; wall time with the CLI's model load), "
        f"{len(builds) - len(ok_builds)} failed.",
        f"- Generations served (distinct `index.generation` in answers): **{len(generations)}** of the "
        f"{published} that were current during the load"
        + (f" ({late} more published after it ended)" if late else "")
        + "; answered from an older generation than one that had "
        f"already answered before the request was sent: **{len(t.backwards)}** times — target 0: "
        f"{mark(not t.backwards)}. After the last build the server served CURRENT ({r.final_generation}): "
        f"{'yes' if r.final_served else '**no**'}.",
        f"- Follow-ups whose `query` was not the rewrite of the conversation's earlier questions: "
        f"**{len(t.mismatches)}** — target 0: {mark(not t.mismatches)}.",
        f"- Server log ({r.log.lines} JSON lines): level error {r.log.errors}, `Traceback` {r.log.tracebacks}, "
        f"`Already borrowed` {r.log.borrowed}, not JSON {r.log.not_json} — target 0: {mark(r.log.clean)}.",
        f"- Resident memory (VmRSS of the server process and its children, every second): "
        f"{r.rss_start:.0f} MiB at the end of the warm-up ({r.warmup:.0f} s; mean of ±5 s), {r.rss_end:.0f} MiB "
        f"at the end (mean of the last 10 s), growth **{r.rss_growth:+.1%}** — target ≤ {TARGET_GROWTH:.0%}: "
        f"{mark(r.rss_growth <= TARGET_GROWTH)}; peak {max((x for _, x in r.rss), default=0):.0f} MiB; "
        f"each minute: {', '.join(f'{x:.0f}' for x in per_minute)} MiB.",
        f"- Latency over all requests: p50 {ms(percentile(everything, 50))} ms, p99 "
        f"{ms(percentile(everything, 99))} ms ({t.total() / r.seconds:.0f} requests/s; context only: {r.clients} "
        "clients on a shared machine, with a build running most of the time).",
    ]
    lines += ["", EARLIER_FINDINGS["soak"], ""] if "soak" in EARLIER_FINDINGS else []
    if r.server_exit is not None:
        lines.append(f"- **The server exited during the soak** with status {r.server_exit}.")
    if r.stuck_clients:
        lines.append(f"- **{r.stuck_clients} clients were still waiting for an answer** after the stop.")
    problems = [*t.failures[:10], *t.backwards[:5], *t.mismatches[:5]]
    if problems:
        lines += ["", "First failures:", "", *code_block(problems)]
    if r.log.examples:
        lines += ["", "Offending server log lines:", "", *code_block(r.log.examples)]
    failed_builds = [f"build {b.number}: {b.run.stderr[-500:]}" for b in builds if b.run.returncode != 0]
    if failed_builds:
        lines += ["", "Failed builds:", "", *code_block(failed_builds)]
    return "\n".join(lines) + "\n"


def kill_section(runs: Sequence[KillRun], args: argparse.Namespace, load: Sequence[tuple[float, float, float]]) -> str:
    ready, search = Spread.of([r.ready for r in runs]), Spread.of([r.first_search for r in runs])
    lost = sum(len(r.lost) for r in runs)
    recorded = sum(r.conversations for r in runs)
    rows = [
        "| run | requests before the kill | errors before it | cut by the kill | conversations recorded "
        "(follow-up in flight) | restart → ready s | restart → first search s | serves CURRENT | lost |",
        "|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in runs:
        rows.append(
            f"| {r.number} | {r.requests_before} | {r.errors_before} | {r.in_flight_errors} | {r.conversations} "
            f"({r.pending}) | {r.ready:.1f} | {r.first_search:.1f} | {'yes' if r.generation_ok else '**no**'} "
            f"| {len(r.lost)} |"
        )
    log_problems = [c for r in runs for c in (r.logs or ()) if not c.clean]
    lines = [
        *header(TITLES["kill"], load),
        f"Setup: the soak's work directory (corpus, index, conversations DB). `askreport serve` on a free port; "
        f"{args.kill_clients} client threads held conversations of 2-3 turns (`POST /api/ask`, each follow-up "
        f"with the returned `conversation_id`) and recorded, for every conversation answered 200, its id and "
        f"its questions. After {args.kill_after:g} s of load: SIGKILL to the server's process group, then the "
        "same command on the same port. Restart → ready: spawn to the first 200 of `/api/ready` (polled every "
        "10 ms; it includes the interpreter start and the model load); restart → first search: spawn to the "
        'first answered `/api/search`. Then, in every recorded conversation, "And in Thailand?" with its '
        "`conversation_id`: the conversation is *lost* unless the returned `query` is the server's rewrite "
        "(`indexer.retrieval.followups.rewrite`) of the follow-up with the recorded questions (or with the question "
        f"whose answer the kill cut off, which the server may have stored). Runs: {len(runs)}.",
        "",
        *rows,
        "",
        f"- Restart → ready: **{ready.show(1)} s**; restart → first answered search: {search.show(1)} s "
        "(median (min–max)).",
        f"- Conversations lost: **{lost}** of {recorded} — target 0: {mark(lost == 0)}.",
        f"- Generation served after the restart = the one CURRENT names: "
        f"{sum(r.generation_ok for r in runs)} of {len(runs)} runs — {mark(all(r.generation_ok for r in runs))}.",
        f"- The conversations DB's write-ahead log was left behind by the kill in {sum(r.wal_left for r in runs)} "
        f"of {len(runs)} runs (SQLite recovers it when the restarted server opens the DB).",
        f"- Errors before the kill: {sum(r.errors_before for r in runs)}; follow-up checks not answered 200: "
        f"{sum(len(r.check_failures) for r in runs)}; server logs with error lines or tracebacks: "
        f"{len(log_problems)} — target 0: "
        f"{mark(not log_problems and not any(r.errors_before or r.check_failures for r in runs))}.",
    ]
    details = [x for r in runs for x in (*r.lost[:5], *r.check_failures[:5])]
    if details:
        lines += ["", "Lost conversations and failed checks:", "", *code_block(details)]
    examples = [line for c in log_problems for line in c.examples[:4]]
    if examples:
        lines += ["", "Offending server log lines:", "", *code_block(examples)]
    return "\n".join(lines) + "\n"


def outcome_line(b: BuildOutcome | None, expect: str) -> str:
    if b is None:
        return "not run"
    kept = (
        "the previous one stayed CURRENT"
        if b.current_after == b.current_before
        else f"CURRENT became {b.current_after}"
    )
    staging = f"staging directories left: {', '.join(b.staging)}" if b.staging else "no staging directory left"
    return f"{b.state} after {b.seconds:.0f} s ({mark(b.state == expect)}); {kept}; {staging}"


def says_disk_full(text: str) -> bool:
    lowered = text.lower()
    return any(s in lowered for s in ("no space left on device", "enospc", "disk is full", "disk full"))


def disk_section(r: DiskResult, load: Sequence[tuple[float, float, float]]) -> str:
    lines = [*header(TITLES["disk"], load)]
    if r.skipped:
        return "\n".join([*lines, f"Skipped: {r.skipped}.", ""])
    assert r.admin is not None and r.cli is not None and r.recovery is not None and r.tally is not None
    assert r.log is not None
    t = r.tally
    admin, cli, recovery = r.admin, r.cli, r.recovery
    cli_clear = (
        cli.cli_returncode not in (0, None)
        and cli.error.startswith("error:")
        and "Traceback" not in (cli.cli_stderr)
        and "─" not in cli.cli_stderr
    )  # rich draws its traceback in a box
    staging_ok = not admin.staging and not cli.staging and not recovery.staging
    served = r.generations_during_failures
    lines += [
        f"Setup: the soak's corpus and the current generation ({r.generation_kib} KiB on a tmpfs, {r.base_chunks} "
        f"chunks) copied onto a tmpfs of {r.tmpfs_kib} KiB (2.5 × the generation: the current one and a rebuild "
        f"of the same corpus fit, a generation more than 1.5 × as big does not; {r.used_kib} KiB used after the "
        f"copy), unmounted at the end ({r.umount}). `askreport serve` with that index dir and an admin key; "
        f"{r.clients} clients sent the soak's mix throughout. Then {r.extra_docs} more SciFact abstracts were "
        "added to the corpus and (1) `POST /api/admin/reindex` was sent and `GET /api/index` polled until "
        "`last_build.state` was no longer `running`; (2) with the extra files still there, `askreport index` "
        "ran as a separate process; (3) the extra files were removed and `POST /api/admin/reindex` sent again. "
        "What the code promises (`indexer/index/build.py`, `indexer/index/generations.py`): a build that fails while "
        "writing removes its staging directory at once, and every build first removes staging directories "
        "left by builds that died.",
        "",
        f"- Admin route: {outcome_line(admin, 'failed')}. `last_build.error`: `{admin.error}` — says the disk "
        f'is full: {mark(says_disk_full(admin.error))}; names ENOSPC / "No space left on device": '
        f"{'yes' if 'no space left on device' in admin.error.lower() or 'enospc' in admin.error.lower() else 'no'}.",
        f"- CLI: {outcome_line(cli, cli.state if cli.cli_returncode else 'non-zero exit')}; exit status "
        f"{cli.cli_returncode} (target non-zero: {mark(cli.cli_returncode not in (0, None))}); a clear one-line "
        f"`error: ...` message without a traceback: {mark(cli_clear)}; says the disk is full: "
        f"{mark(says_disk_full(cli.cli_stderr))}. Its last line: `{cli.error}`.",
        f"- Serving during both failed builds: **{r.errors_during_failures}** errors of "
        f"{r.requests_during_failures} requests — target 0: {mark(r.errors_during_failures == 0)}; generations "
        f"answered from: {', '.join(served)} — the old one only: {mark(served == [admin.current_before])}.",
        f"- Staging directories: {'none left' if staging_ok else '**left behind**'} — {mark(staging_ok)}.",
        f"- Recovery after removing the extra files: {outcome_line(recovery, 'succeeded')}; the new generation "
        f"served: {'yes' if r.recovery_served else '**no**'}. Over the whole experiment: {t.errors()} errors of "
        f"{t.total()} requests.",
        f"- Server log: level error {r.log.errors}, `Traceback` {r.log.tracebacks}, `Already borrowed` "
        f"{r.log.borrowed} (the failed build is expected to be logged; anything else is not).",
    ]
    if not (says_disk_full(admin.error) and cli_clear and says_disk_full(cli.cli_stderr)):
        lines += [
            "",
            "The build errors above are the failing writer's own exception text (see the tracebacks below), passed "
            "on unchanged: nothing between the code that writes the generation and the API or the CLI turns a "
            "write error into a message that names the full disk, and the CLI prints Typer's traceback because "
            "`library_errors` (`server/cli/common.py`) handles only `AskreportError`.",
        ]
    if cli.cli_stderr:
        tail = cli.cli_stderr.splitlines()
        lines += ["", f"`askreport index` stderr (last {min(len(tail), 12)} of {len(tail)} lines):", ""]
        lines += code_block(tail[-12:])
    if r.log.examples:
        lines += ["", "Server log lines at level error or with a traceback:", "", *code_block(r.log.examples[:4])]
    if t.failures:
        lines += ["", "First failed requests:", "", *code_block(t.failures[:10])]
    return "\n".join(lines) + "\n"


def write_doc(sections: dict[str, str]) -> None:
    """Write docs/reliability.md: the intro and every section; with --only, replace just those sections."""
    if not DOC.exists() or set(sections) == set(EXPERIMENTS):
        DOC.parent.mkdir(parents=True, exist_ok=True)
        DOC.write_text(INTRO + "\n".join(sections[e] for e in EXPERIMENTS if e in sections), encoding="utf-8")
        return
    for experiment, body in sections.items():
        update_doc(TITLES[experiment], body, DOC)


# ------------------------------------------------------------------------------------------ main


def main(argv: Sequence[str] | None = None) -> None:
    exit_on_sigterm()
    args = parse_args(argv)
    texts = question_texts(args.dev, args.data / "queries.jsonl")
    scripts = conversation_scripts(args.dev, texts)
    work = Path(tempfile.mkdtemp(prefix="askreport-reliability-", dir=args.tmp_dir))
    log(f"work directory: {work}")
    started = time.monotonic()
    sections: dict[str, str] = {}
    try:
        setup: Setup = prepare(work, args.corpus, args.data / "corpus.jsonl", args.docs, texts, scripts)
        if "soak" in args.experiments:
            before = os.getloadavg()
            result = soak(setup, args.minutes * 60, args.clients, args.rebuild_every)
            sections["soak"] = soak_section(result, [before, os.getloadavg()])
        if "kill" in args.experiments:
            before = os.getloadavg()
            runs = [kill_once(setup, n, args.kill_clients, args.kill_after) for n in range(1, args.kill_runs + 1)]
            sections["kill"] = kill_section(runs, args, [before, os.getloadavg()])
        if "disk" in args.experiments:
            before = os.getloadavg()
            disk: DiskResult = disk_full(setup, args.disk_clients, args.extra_docs, args.settle)
            sections["disk"] = disk_section(disk, [before, os.getloadavg()])
    finally:
        kill_children()
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    log(f"done in {(time.monotonic() - started) / 60:.1f} min")
    print("\n".join(sections[e] for e in EXPERIMENTS if e in sections))
    if args.write:
        write_doc(sections)
        log(f"wrote {DOC.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
