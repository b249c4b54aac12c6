"""The Markdown sections of the reliability benchmark: soak, kill -9, disk full."""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Sequence

from bench.common.report import Spread
from bench.reliability.disk import BuildOutcome, DiskResult
from bench.reliability.kill import KillRun
from bench.reliability.report import TITLES, code_block, header, mark, ms
from bench.reliability.setup import RELOAD_INTERVAL
from bench.reliability.soak import SoakResult
from bench.reliability.tally import KINDS, percentile

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
