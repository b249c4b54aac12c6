"""Hostile documents, end to end: each case is indexed by a real `askreport index`, timed and measured.

Every case gets a fresh corpus holding the hostile file(s) from `../shared/audit/` and one ordinary
document, and a fresh index. Recorded: wall time, peak RSS of the build (GNU time), exit status,
whether the ordinary document was indexed, and what became of each hostile file (indexed, or skipped
with its reason). A build still running at `--timeout` is stopped and reported as such.

    .venv/bin/python -m bench.hostile --write            # docs/reliability.md, "Hostile inputs"
    .venv/bin/python -m bench.hostile --baseline /tmp/old --write   # before -> after, per case
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common.options import baseline_parser
from bench.common.paths import RELIABILITY_DOC, REPO_ROOT
from bench.common.report import publish, table_section

AUDIT = REPO_ROOT.parent / "shared" / "audit"
TITLE = "## Hostile inputs"
CONTROL = "control.md"
EMBEDDING_NOTE = (
    " The generator-made cases still running at the limit are large, not stuck: 40,000 headings are 40,000 "
    "passages to embed (over an hour at the ~9 passages/s of 2 cores), a 49 MB text about 25,000; their parsing "
    'and chunking cost, before and after, is in "Hostile inputs: parsing cost" above. The 20,000-page PDF was '
    "not followed further than the limit."
)
CONTROL_TEXT = (
    "# Control\n\nAn ordinary note about labour migration and remittances, indexed beside the hostile file.\n"
)


@dataclass(frozen=True)
class Case:
    name: str
    what: str
    generator: list[str]  # arguments after the generator script's OUT_DIR
    script: str = "make_hostile.py"
    env: tuple[tuple[str, str], ...] = ()
    keep: str = ""  # a regex: keep only the generated files whose name matches


ONE_GB = (("BOMB_GB", "1"),)
CASES = [
    Case("docx zip bomb", "DOCX whose document.xml expands to 1 GB", ["bomb"], env=ONE_GB, keep=r"^zipbomb\.docx$"),
    Case("docx paragraph bomb", "DOCX of 1 GB of short paragraphs", ["bomb"], env=ONE_GB, keep=r"^zipbomb-paras"),
    Case("billion laughs, XXE", "entity expansion and an external entity in DOCX", ["laughs"]),
    Case("pdf loops", "self-referencing page trees, XObjects, 100k-deep arrays, garbage", ["pdfloop"]),
    Case("pdf 20,000 pages", "20,000 one-line pages", ["pdfpages"]),
    Case("pdf huge page, flate bomb", "400k text operators on one page; 1 GB flate stream", ["pdfhuge"]),
    Case("deep html", "100,000 nested elements, unclosed and skipped", ["html"]),
    Case("49 MB one-line text", "49 MB of words on one line; 49 MB of 'a'", ["bigtxt"]),
    Case("encodings, names", "UTF-16, bad UTF-8, controls; odd file names", ["enc", "names"]),
    Case("40k headings", "40,000 Markdown headings", ["40000"], script="make_algo.py", keep=r"^headings"),
    Case(
        "40k chained paragraphs",
        "40,000 lower-case paragraphs in a chain",
        ["40000"],
        script="make_algo.py",
        keep=r"^chain",
    ),
    Case("40k label rows", "40,000 tab-separated label rows", ["40000"], script="make_algo.py", keep=r"^labels"),
    Case("40k dots", "a run of 40,000 dots after a word", ["40000"], script="make_algo.py", keep=r"^dots"),
]


@dataclass(frozen=True)
class Outcome:
    case: Case
    seconds: float
    peak_mb: float | None
    status: str
    control_indexed: bool
    files: dict[str, str]  # hostile file -> "indexed" or the skip reason


def _generate(case: Case, corpus: Path) -> None:
    with tempfile.TemporaryDirectory() as raw:
        env = {**os.environ, **dict(case.env)}
        subprocess.run(
            [sys.executable, str(AUDIT / case.script), raw, *case.generator], env=env, check=True, capture_output=True
        )
        for path in Path(raw).iterdir():
            if not case.keep or re.search(case.keep, path.name):
                path.rename(corpus / path.name)
    (corpus / CONTROL).write_text(CONTROL_TEXT, encoding="utf-8")


def _index(checkout: Path, corpus: Path, index: Path, timeout: float) -> tuple[float, float | None, str]:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    command = [
        "/usr/bin/time",
        "-v",
        sys.executable,
        "-m",
        "server",
        "index",
        "--corpus",
        str(corpus),
        "--index",
        str(index),
    ]
    started = time.monotonic()
    proc = subprocess.Popen(
        command,
        cwd=checkout,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        _, err = proc.communicate()
        return time.monotonic() - started, None, f"still running at {timeout:.0f} s: stopped"
    seconds = time.monotonic() - started
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    status = "exit 0" if proc.returncode == 0 else f"exit {proc.returncode}: {_last_error(err)}"
    return seconds, int(peak.group(1)) / 1024 if peak else None, status


def _last_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip() and not line.startswith("\t")]
    errors = [line for line in lines if line.startswith("error:") or "Error" in line]
    return (errors[-1] if errors else lines[-1] if lines else "")[:160]


def _files(checkout: Path, index: Path, corpus_names: list[str]) -> tuple[bool, dict[str, str]]:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    done = subprocess.run(
        [sys.executable, "-m", "server", "info", "--json", "--index", str(index)],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        return False, {}
    manifest = json.loads(done.stdout)
    skipped = {s["path"]: s["reason"] for s in manifest["skipped"]}
    files = {name: skipped.get(name, "indexed") for name in corpus_names if name != CONTROL}
    control = any(d["id"].startswith("control") for d in manifest["documents"])
    return control, files


def run_case(case: Case, checkout: Path, timeout: float) -> Outcome:
    with tempfile.TemporaryDirectory() as work:
        corpus, index = Path(work) / "corpus", Path(work) / "index"
        corpus.mkdir()
        _generate(case, corpus)
        names = sorted(p.name for p in corpus.iterdir())
        seconds, peak, status = _index(checkout, corpus, index, timeout)
        control, files = _files(checkout, index, names) if status == "exit 0" else (False, {})
        return Outcome(case, seconds, peak, status, control, files)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _fate(outcome: Outcome) -> str:
    if not outcome.files:
        return _cell(outcome.status)
    reasons = sorted({_cell(r[:110]) for r in outcome.files.values()})
    skipped = sum(1 for r in outcome.files.values() if r != "indexed")
    return f"{skipped} of {len(outcome.files)} skipped: " + "; ".join(reasons)


def _mb(outcome: Outcome | None) -> str:
    if outcome is None:
        return ""
    return f"{outcome.peak_mb:,.0f}" if outcome.peak_mb is not None else "–"


def _row(after: Outcome, before: Outcome | None) -> str:
    seconds = f"{after.seconds:.1f}" if before is None else f"{before.seconds:.1f} → {after.seconds:.1f}"
    peak = _mb(after) if before is None else f"{_mb(before)} → {_mb(after)}"
    was = f" (before: {_fate(before)[:140]})" if before is not None else ""
    control = "yes" if after.control_indexed else "no"
    return f"| {after.case.name} | {after.case.what} | {seconds} | {peak} | {control} | {_fate(after)}{was} |"


def _commit(checkout: Path) -> str:
    done = subprocess.run(["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def render(pairs: list[tuple[Outcome, Outcome | None]], timeout: float, baseline: Path | None) -> str:
    compared = (
        f" Each case ran first on the baseline tree `{baseline}` (commit `{_commit(baseline)}`), then on this one: "
        "figures are before → after."
        if baseline is not None
        else ""
    )
    intro = (
        "Each case: a fresh corpus with the hostile files of `../shared/audit/` and one ordinary note, indexed "
        f"by a real `askreport index` (GNU time gives the peak RSS of the whole build, model included; a build "
        f"still running at {timeout:.0f} s is stopped). The budgets: `ASKREPORT_MAX_FILE_MB` per file; archive "
        "members checked against their sizes and compression ratio before parsing; every file parsed in a child "
        "process under `ASKREPORT_PARSE_TIMEOUT_S` and `ASKREPORT_PARSE_MEMORY_MB`." + EMBEDDING_NOTE
    )
    table = [
        "| case | what | seconds | peak RSS (MB) | ordinary note indexed | hostile files |",
        "|---|---|---:|---:|---|---|",
        *(_row(after, before) for after, before in pairs),
    ]
    return table_section(TITLE, "bench.hostile", intro, table, compared)


def main() -> None:
    parser = baseline_parser(__doc__, TITLE, required=False, baseline="An older source tree to run first, per case.")
    parser.add_argument("--timeout", type=float, default=300, help="Seconds before a build is stopped.")
    parser.add_argument("--only", nargs="*", default=None, help="Run only cases whose name contains one of these.")
    args = parser.parse_args()
    cases = [c for c in CASES if not args.only or any(o in c.name for o in args.only)]
    pairs: list[tuple[Outcome, Outcome | None]] = []
    for case in cases:
        before = run_case(case, args.baseline.resolve(), args.timeout) if args.baseline else None
        after = run_case(case, REPO_ROOT, args.timeout)
        print(_row(after, before), flush=True)
        pairs.append((after, before))
    body = render(pairs, args.timeout, args.baseline)
    publish(TITLE, body, args.write, RELIABILITY_DOC)


if __name__ == "__main__":
    main()
