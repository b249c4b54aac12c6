"""Retrieval quality: dense, BM25 and hybrid (several fusions) on BEIR collections and the dev question set.

For each BEIR-layout collection (by default the five under `../shared/benchmarks`: cranfield, cisi, med,
npl, scifact) the script calls `indexer.evaluation.beir.evaluate_beir`, which indexes the collection once under
`--work-dir/NAME` (reused on later runs) and ranks documents by their best chunk. Dense-only and
BM25-only are scored once (the fusion does not affect them); hybrid is scored under each fusion:

- convex, alpha in {0.3, 0.5, 0.7}: alpha * dense + (1 - alpha) * BM25, min-max normalised;
- reciprocal rank fusion (RRF), k in {10, 60}.

The development question set (`tests/data/dev-questions.jsonl`) is scored the same way per configuration
with `indexer.evaluation.questions.evaluate_questions`, over an index of `corpus/` built under `--work-dir/dev`;
every question goes through `indexer.rewrite` (follow-ups with their conversation) and then
`indexer.retrieve`, as `POST /api/ask` does.

It prints a Markdown report and keeps the raw numbers in `--work-dir/quality-results.json`; with
`--write` the report replaces `docs/quality.md`, keeping a hand-written `## Notes` section if there is
one. `--render` rebuilds the report from a saved results file without measuring anything.

Run from the repository root (the first run embeds every collection: expect 30-60 minutes on 2 CPUs):

    .venv/bin/python -m bench.quality --write
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import pkgutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.common.machine import machine_facts
from bench.common.options import bench_parser
from bench.common.paths import DEV_QUESTIONS, DOCS, REPO_ROOT, SHARED_BENCHMARKS, from_root, shown
from bench.common.report import command_line

if TYPE_CHECKING:
    from indexer import Embedder, Fusion, SearchMode

DESCRIPTION = (
    "Score dense, BM25 and hybrid retrieval (convex alpha 0.3/0.5/0.7, RRF k 10/60) on BEIR "
    "collections and on the dev question set. Run from the repository root."
)
COLLECTIONS = ("cranfield", "cisi", "med", "npl", "scifact")
DEFAULT_WORK_DIR = Path("/tmp/askreport-quality")
DEFAULT_CORPUS = Path("corpus")
DOC_PATH = DOCS / "quality.md"
LOAD_NOTE = "the machine is shared; this only affects times, not scores"
RESULTS_FILE = "quality-results.json"
NOTES_TITLE = "## Notes"
METRICS = (("ndcg10", "nDCG@10"), ("map", "MAP"), ("recall100", "R@100"), ("mrr", "MRR"))
REFERENCE_COLUMNS = {"nDCG@10": "ndcg10", "MAP": "map", "R@100": "recall100", "MRR": "mrr"}
DEV_GROUPS = ("singles", "first turns", "follow-ups", "follow-ups (question only)")
ANSWERABLE_GROUPS = ("singles", "first turns", "follow-ups")  # what a user sees; question-only is a baseline
NOISE = 0.01  # differences in a macro-average smaller than this are not worth a decision


@dataclass(frozen=True)
class Config:
    """One way of ranking: a search mode and, for hybrid, a fusion."""

    label: str
    mode: str  # an indexer.SearchMode value
    method: str = "convex"
    alpha: float = 0.5
    rrf_k: int = 60

    @property
    def hybrid(self) -> bool:
        return self.mode == "hybrid"

    def fusion(self) -> Fusion:
        from indexer import Fusion

        return Fusion(method=self.method, alpha=self.alpha, rrf_k=self.rrf_k)

    def search_mode(self) -> SearchMode:
        from indexer import SearchMode

        return SearchMode(self.mode)


CONFIGS = (
    Config("dense", "dense"),
    Config("bm25", "bm25"),
    Config("hybrid convex α=0.3", "hybrid", "convex", alpha=0.3),
    Config("hybrid convex α=0.5", "hybrid", "convex", alpha=0.5),
    Config("hybrid convex α=0.7", "hybrid", "convex", alpha=0.7),
    Config("hybrid rrf k=10", "hybrid", "rrf", rrf_k=10),
    Config("hybrid rrf k=60", "hybrid", "rrf", rrf_k=60),
)
DEFAULT_LABEL = "hybrid convex α=0.5"  # indexer.Fusion() as shipped


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command-line options; relative paths are taken from the repository root."""
    parser = bench_parser("bench.quality", DESCRIPTION)
    parser.add_argument(
        "--collections",
        nargs="+",
        default=list(COLLECTIONS),
        metavar="NAME",
        help="BEIR collections (folders under --data) to score; none with --collections '' (default: %(default)s)",
    )
    parser.add_argument(
        "--data", type=Path, default=SHARED_BENCHMARKS, help="folder holding the collections (default: %(default)s)"
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=DEFAULT_WORK_DIR,
        help="indexes go to WORK_DIR/NAME and WORK_DIR/dev, reused by later runs (default: %(default)s)",
    )
    parser.add_argument(
        "--dev-set", type=Path, default=DEV_QUESTIONS, help="question set to score (default: %(default)s)"
    )
    parser.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus the dev set asks about (default: %(default)s)"
    )
    parser.add_argument("--no-dev", action="store_true", help="skip the dev question set")
    parser.add_argument("--k", type=int, default=5, help="passages per dev-set question (default: %(default)s)")
    parser.add_argument("--write", action="store_true", help="replace docs/quality.md with the report")
    parser.add_argument(
        "--render",
        type=Path,
        default=None,
        metavar="RESULTS_JSON",
        help="measure nothing: rebuild the report from a results file an earlier run saved",
    )
    args = parser.parse_args(argv)
    args.collections = [c for c in args.collections if c]
    for name in ("data", "work_dir", "dev_set", "corpus"):
        setattr(args, name, from_root(getattr(args, name)))
    if args.k < 1:
        parser.error("--k must be at least 1")
    if args.render is not None:
        if not args.render.is_file():
            parser.error(f"no results file at {args.render}")
        return args
    for name in args.collections:
        if not (args.data / name / "corpus.jsonl").is_file():
            parser.error(f"no BEIR collection at {args.data / name} (corpus.jsonl missing)")
    if not args.no_dev and not args.dev_set.is_file():
        parser.error(f"no question set at {args.dev_set}")
    if not args.no_dev and not args.corpus.is_dir():
        parser.error(f"no corpus directory at {args.corpus}")
    if not args.collections and args.no_dev:
        parser.error("nothing to do: no collections and --no-dev")
    return args


# --- measuring ------------------------------------------------------------------------------------


def log(message: str) -> None:
    stamp = datetime.now(UTC).strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", file=sys.stderr, flush=True)


def progress_printer(what: str, embedded: list[int] | None = None) -> Callable[[int, int], None]:
    """A build progress callback that logs about every 10% and appends each build's total to `embedded`."""
    shown = [-1]

    def report(done: int, total: int) -> None:
        if embedded is not None and done == 0:
            embedded.append(total)
        tenth = (10 * done) // max(total, 1)
        if tenth != shown[0]:
            shown[0] = tenth
            log(f"{what}: embedded {done}/{total} chunks")

    return report


def index_facts(index_root: Path) -> dict[str, Any]:
    """Documents and chunks in the current generation under `index_root`."""
    from indexer.index.generations import current_dir
    from indexer.index.manifest import read_manifest

    manifest = read_manifest(current_dir(index_root))
    return {
        "documents": len(manifest.documents),
        "chunks": manifest.chunk_count,
        "max_tokens": manifest.chunker.max_tokens,
        "generation": manifest.generation,
    }


def score_collection(directory: Path, embedder: Embedder, work_dir: Path) -> dict[str, Any]:
    """Every configuration on one BEIR collection: dense and BM25 once, hybrid once per fusion."""
    from indexer import SearchMode
    from indexer.evaluation.beir import evaluate_beir
    from indexer.evaluation.questions import read_beir

    started = time.perf_counter()
    embedded: list[int] = []
    progress = progress_printer(directory.name, embedded)
    results: dict[str, dict[str, Any]] = {}
    single = [c for c in CONFIGS if not c.hybrid]
    scored = evaluate_beir(directory, embedder, work_dir, [c.search_mode() for c in single], None, progress)
    for config in single:
        results[config.label] = asdict(scored[config.search_mode()])
    built = time.perf_counter() - started
    log(f"{directory.name}: index ready and dense/bm25 scored after {built:.0f} s")
    for config in (c for c in CONFIGS if c.hybrid):
        scored = evaluate_beir(directory, embedder, work_dir, [SearchMode.HYBRID], config.fusion(), progress)
        results[config.label] = asdict(scored[SearchMode.HYBRID])
        log(f"{directory.name}: {config.label}: nDCG@10 {results[config.label]['ndcg10']:.3f}")
    facts = index_facts(work_dir / "index")
    queries = next(iter(results.values()))["queries"]
    _, _, qrels = read_beir(directory)
    relevant = sum(len(docs) for docs in qrels.values()) / max(len(qrels), 1)
    return {
        "queries": queries,
        "relevant_per_query": round(relevant, 2),
        **facts,
        "seconds": round(time.perf_counter() - started, 1),
        "embedded": sum(embedded),
        "results": results,
    }


def score_dev_set(dev_set: Path, corpus: Path, embedder: Embedder, work_dir: Path, k: int) -> dict[str, Any]:
    """Every configuration on the question set, over an index of `corpus` (the `POST /api/ask` path)."""
    from indexer import build_index, open_current, retrieve, rewrite
    from indexer.evaluation.questions import evaluate_questions, read_question_set

    index_root = work_dir / "dev-index"
    build_index(corpus, index_root, embedder, progress=progress_printer("dev corpus"))
    generation = open_current(index_root, embedder.name, embedder.dim)
    rows = read_question_set(dev_set)
    results: dict[str, dict[str, Any]] = {}
    try:
        for config in CONFIGS:
            mode, fusion = config.search_mode(), config.fusion() if config.hybrid else None

            def answer(
                question: str, earlier: Sequence[str], mode: SearchMode = mode, fusion: Fusion | None = fusion
            ) -> tuple[list[str], bool, str]:
                result = retrieve(generation, embedder, rewrite(question, earlier), k, mode, fusion)
                return [h.text for h in result.hits], result.found, result.query

            report = evaluate_questions(rows, answer)
            results[config.label] = asdict(report)
            log(f"dev set: {config.label}: singles MRR {report.groups['singles'].mrr:.3f}")
    finally:
        generation.close()
    kinds: dict[str, int] = {}
    for row in rows:
        kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
    return {"questions": kinds, **index_facts(index_root), "k": k, "results": results}


def read_reference(readme: Path) -> dict[str, dict[str, float]]:
    """The BM25 reference rows of the collections' README: name -> metric key -> value."""
    if not readme.is_file():
        return {}
    lines = readme.read_text(encoding="utf-8").splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("## Reference scores")), None)
    if start is None:
        return {}
    reference: dict[str, dict[str, float]] = {}
    header: list[str] = []
    for line in lines[start + 1 :]:
        if line.startswith("## "):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or set("".join(cells)) <= set("-: "):
            continue
        if not header:
            header = cells
            continue
        row = dict(zip(header, cells, strict=False))
        values = {key: float(row[col]) for col, key in REFERENCE_COLUMNS.items() if col in row}
        reference[row.get("name", cells[0])] = values
    return reference


def code_version() -> str:
    """The commit measured, and whether tracked files had uncommitted changes (read-only git calls)."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
        return done.stdout.rstrip("\n")  # keep the leading space of a porcelain status line

    commit = git("rev-parse", "--short", "HEAD").strip() or "unknown"
    dirty = [line[3:] for line in git("status", "--porcelain", "--untracked-files=no").splitlines() if line]
    if not dirty:
        return f"commit {commit}"
    return f"commit {commit} plus uncommitted changes to {', '.join(f'`{p}`' for p in dirty)}"


def source_digest() -> str:
    """A short digest of the `indexer` package's sources as they are on disk now."""
    import indexer

    root = Path(indexer.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):  # every subpackage's modules too
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def measure(args: argparse.Namespace, command: str) -> dict[str, Any]:
    """Run everything the options ask for; the raw results as a JSON-able dict.

    Every indexer module is imported before anything is measured, so the whole run uses the code as it
    was at the start even if the files change on disk meanwhile.
    """
    import indexer
    from indexer import SentenceTransformerEmbedder

    for module in pkgutil.walk_packages(indexer.__path__, "indexer."):
        importlib.import_module(module.name)

    digest = source_digest()
    started = datetime.now(UTC)
    load_before = os.getloadavg()
    log("loading the embedder")
    embedder = SentenceTransformerEmbedder()
    data: dict[str, Any] = {
        "command": command,
        "started": started.isoformat(timespec="seconds"),
        "code": f"{code_version()}; indexer sources digest {digest}",
        "model": embedder.name,
        "depth": importlib.import_module("indexer.evaluation.beir").CHUNK_DEPTH,
        "reference": read_reference(args.data / "README.md"),
        "collections": {},
        "dev": None,
    }
    if not args.no_dev:
        log(f"dev set {args.dev_set.name} over {args.corpus}")
        data["dev"] = score_dev_set(args.dev_set, args.corpus, embedder, args.work_dir / "dev", args.k)
        data["dev"]["set"] = shown(args.dev_set)
        data["dev"]["corpus"] = shown(args.corpus)
    for name in args.collections:
        log(f"collection {name}: indexing (reused if already built) and scoring")
        data["collections"][name] = score_collection(args.data / name, embedder, args.work_dir / name)
        _save(args, data)  # a later collection failing keeps what is done
    data["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    if source_digest() != digest:
        data["code"] += " (the sources changed on disk during the run; the run used them as imported at its start)"
    data["machine"] = machine_facts([load_before, os.getloadavg()], note=LOAD_NOTE)
    _save(args, data)
    return data


def _save(args: argparse.Namespace, data: dict[str, Any]) -> None:
    args.work_dir.mkdir(parents=True, exist_ok=True)
    (args.work_dir / RESULTS_FILE).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", "utf-8")


# --- reporting ------------------------------------------------------------------------------------


def _best(values: dict[str, float]) -> float:
    return max(values.values()) if values else float("nan")


def _cell(value: float, best: float) -> str:
    text = f"{value:.3f}"
    return f"**{text}**" if abs(value - best) < 5e-4 else text


def collection_table(name: str, entry: dict[str, Any], reference: dict[str, float] | None) -> str:
    """nDCG@10, MAP, R@100 and MRR of every configuration, with the README's BM25 reference row."""
    results: dict[str, dict[str, float]] = entry["results"]
    header = "| configuration | " + " | ".join(title for _, title in METRICS) + " |"
    lines = [header, "|---|" + "---:|" * len(METRICS)]
    if reference:
        cells = [f"{reference[key]:.3f}" if key in reference else "–" for key, _ in METRICS]
        lines.append("| *BM25 reference (README)* | " + " | ".join(f"*{c}*" for c in cells) + " |")
    best = {key: _best({label: r[key] for label, r in results.items()}) for key, _ in METRICS}
    for label, metrics in results.items():
        cells = [_cell(metrics[key], best[key]) for key, _ in METRICS]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def macro_averages(data: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Per configuration, each metric averaged over the collections (each collection counts once)."""
    collections = list(data["collections"].values())
    averages: dict[str, dict[str, float]] = {}
    for config in CONFIGS:
        rows = [c["results"][config.label] for c in collections if config.label in c["results"]]
        if rows:
            averages[config.label] = {key: sum(r[key] for r in rows) / len(rows) for key, _ in METRICS}
    return averages


def dev_answerable_mrr(result: dict[str, Any]) -> float:
    """MRR over singles, first turns and follow-ups together (weighted by question count)."""
    groups = [result["groups"][g] for g in ANSWERABLE_GROUPS if g in result["groups"]]
    count = sum(g["count"] for g in groups)
    return sum(g["mrr"] * g["count"] for g in groups) / count if count else 0.0


def dev_table(dev: dict[str, Any]) -> str:
    """hit@1/3/5 and MRR of single questions, hit@5 and MRR of the conversation groups, the flag rates."""
    first = next(iter(dev["results"].values()))["groups"]
    n = {g: first[g]["count"] for g in DEV_GROUPS}
    lines = [
        f"| configuration | singles (n={n['singles']}) hit@1 | hit@3 | hit@5 | MRR "
        f"| first turns (n={n['first turns']}) hit@5 | MRR | follow-ups (n={n['follow-ups']}) hit@5 | MRR "
        f"| follow-ups question only hit@5 | MRR | unanswerable flagged | answerable wrongly flagged |",
        "|---|" + "---:|" * 12,
    ]
    for label, result in dev["results"].items():
        groups = result["groups"]
        s = groups["singles"]
        cells = [f"{s['hit1']:.3f}", f"{s['hit3']:.3f}", f"{s['hit5']:.3f}", f"{s['mrr']:.3f}"]
        for group in DEV_GROUPS[1:]:
            cells += [f"{groups[group]['hit5']:.3f}", f"{groups[group]['mrr']:.3f}"]
        cells += [f"{result['unanswerable_flagged']:.0%}", f"{result['answerable_flagged']:.0%}"]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def weighted_ndcg(data: dict[str, Any]) -> dict[str, float]:
    """Per configuration, nDCG@10 averaged over all queries of all collections (big collections weigh more)."""
    collections = list(data["collections"].values())
    out: dict[str, float] = {}
    for config in CONFIGS:
        rows = [
            (c["queries"], c["results"][config.label]["ndcg10"]) for c in collections if config.label in c["results"]
        ]
        total = sum(n for n, _ in rows)
        if total:
            out[config.label] = sum(n * v for n, v in rows) / total
    return out


def wins(data: dict[str, Any]) -> dict[str, int]:
    """In how many collections each configuration has the best nDCG@10 (ties within 0.0005 count for all)."""
    counts = {c.label: 0 for c in CONFIGS}
    for entry in data["collections"].values():
        top = _best({label: r["ndcg10"] for label, r in entry["results"].items()})
        for label, r in entry["results"].items():
            if abs(r["ndcg10"] - top) < 5e-4:
                counts[label] = counts.get(label, 0) + 1
    return counts


def summary_table(data: dict[str, Any]) -> str:
    """Macro-averages over the collections, wins, and the dev set's MRR, one row per configuration."""
    averages = macro_averages(data)
    weighted = weighted_ndcg(data)
    won = wins(data)
    collections = data["collections"]
    dev = data.get("dev")
    best = {key: _best({label: a[key] for label, a in averages.items()}) for key, _ in METRICS}
    best_weighted = _best(weighted)
    header = "| configuration | " + " | ".join(f"mean {title}" for _, title in METRICS)
    header += f" | query-weighted nDCG@10 | best nDCG@10 (of {len(collections)}) |"
    rule = "|---|" + "---:|" * (len(METRICS) + 2)
    if dev:
        header += " dev singles MRR | dev answerable MRR |"
        rule += "---:|---:|"
    lines = [header, rule]
    dev_best = {}
    if dev:
        dev_best = {
            "singles": _best({lb: r["groups"]["singles"]["mrr"] for lb, r in dev["results"].items()}),
            "all": _best({lb: dev_answerable_mrr(r) for lb, r in dev["results"].items()}),
        }
    for label, a in averages.items():
        cells = [_cell(a[key], best[key]) for key, _ in METRICS]
        cells += [_cell(weighted[label], best_weighted), str(won.get(label, 0))]
        if dev and label in dev["results"]:
            r = dev["results"][label]
            cells += [
                _cell(r["groups"]["singles"]["mrr"], dev_best["singles"]),
                _cell(dev_answerable_mrr(r), dev_best["all"]),
            ]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def bm25_comparison(data: dict[str, Any]) -> str:
    """Our BM25-only scores minus the README's reference, per collection and metric."""
    lines = ["| collection | " + " | ".join(f"{title} ours / ref (Δ)" for _, title in METRICS) + " |"]
    lines.append("|---|" + "---:|" * len(METRICS))
    for name, entry in data["collections"].items():
        reference = data["reference"].get(name)
        ours = entry["results"].get("bm25")
        if not reference or not ours:
            continue
        cells = []
        for key, _ in METRICS:
            if key in reference:
                cells.append(f"{ours[key]:.3f} / {reference[key]:.3f} ({ours[key] - reference[key]:+.3f})")
            else:
                cells.append(f"{ours[key]:.3f} / –")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def choice_of_fusion(data: dict[str, Any]) -> str:
    """Which fused configuration the numbers favour, in words, with the margins that decide it.

    The candidates are the fused configurations within NOISE of the best macro-averaged nDCG@10 over
    the collections; among them the dev set (MRR of the answerable questions, the corpus askreport is
    for) decides, or, without a dev set, the macro-averaged nDCG@10 itself.
    """
    averages = macro_averages(data)
    weighted = weighted_ndcg(data)
    hybrid = [c.label for c in CONFIGS if c.hybrid and c.label in averages]
    if not hybrid:
        return "No collection was scored, so these numbers say nothing about the fusion."
    dev = data.get("dev")
    mrr = {lb: dev_answerable_mrr(dev["results"][lb]) for lb in hybrid if lb in dev["results"]} if dev else {}
    top = max(averages[lb]["ndcg10"] for lb in hybrid)
    group = [lb for lb in hybrid if averages[lb]["ndcg10"] >= top - NOISE]
    others = [lb for lb in hybrid if lb not in group]
    pick = max(group, key=lambda lb: (mrr.get(lb, 0.0), averages[lb]["ndcg10"]))
    n = len(data["collections"])

    def figures(lb: str) -> str:
        a = averages[lb]
        return f"`{lb}`: nDCG@10 {a['ndcg10']:.3f}, MAP {a['map']:.3f}, query-weighted nDCG@10 {weighted[lb]:.3f}"

    parts = [
        f"Averaged over the {n} collection{'s' if n != 1 else ''}, the fused configurations within {NOISE:.2f} "
        f"of the best mean nDCG@10 are {'; '.join(figures(lb) for lb in group)}."
    ]
    if others:
        parts.append("Further behind: " + "; ".join(f"`{lb}` ({averages[lb]['ndcg10']:.3f})" for lb in others) + ".")
    singles = {lb: averages[lb]["ndcg10"] for lb in ("dense", "bm25") if lb in averages}
    if singles:
        side = max(singles, key=lambda lb: singles[lb])
        beaten = sum(
            1
            for e in data["collections"].values()
            if e["results"][pick]["ndcg10"] > max(e["results"][lb]["ndcg10"] for lb in singles)
        )
        parts.append(
            f"`{pick}` is {averages[pick]['ndcg10'] - singles[side]:+.3f} above the better single side on "
            f"average (`{side}`, {singles[side]:.3f}) and beats both single sides on {beaten} of {n} collections."
        )
    behind = []
    for name, entry in data["collections"].items():
        results = entry["results"]
        leader = max((lb for lb in hybrid if lb in results), key=lambda lb: results[lb]["ndcg10"])
        gap = results[leader]["ndcg10"] - results[pick]["ndcg10"]
        if gap >= NOISE:
            behind.append(f"{name} ({entry['queries']} queries), where `{leader}` is {gap:.3f} higher")
    if behind:
        parts.append(f"Collections where another fusion leads `{pick}` by {NOISE:.2f} or more: {'; '.join(behind)}.")
    if len(group) > 1 and mrr:
        parts.append(
            "The collections do not separate "
            + " and ".join(f"`{lb}`" for lb in group)
            + "; the dev set tips the balance (a small set, see below): answerable-question MRR "
            + ", ".join(f"{mrr[lb]:.3f} (`{lb}`)" for lb in sorted(group, key=lambda lb: -mrr[lb]))
            + "."
        )
    verdict = f"**Recommended: `{pick}`**"
    verdict += " — the shipped default (`indexer.Fusion()`)." if pick == DEFAULT_LABEL else "."
    if pick != DEFAULT_LABEL and DEFAULT_LABEL in averages:
        verdict += (
            f" The shipped default (`{DEFAULT_LABEL}`) has mean nDCG@10 {averages[DEFAULT_LABEL]['ndcg10']:.3f}"
            + (f" and dev MRR {mrr[DEFAULT_LABEL]:.3f}." if DEFAULT_LABEL in mrr else ".")
        )
    parts.append(verdict)
    return " ".join(parts)


def noise_note(data: dict[str, Any]) -> str:
    """How much the small collections and the dev set can be trusted."""
    small = [f"{name} ({e['queries']})" for name, e in data["collections"].items() if e["queries"] < 100]
    text = "Judge with care: "
    if small:
        text += (
            f"collections with fewer than 100 queries — {', '.join(small)} — move by a few hundredths of "
            "nDCG@10 when a handful of queries change rank, so small differences there are noise; "
        )
    text += (
        "the macro-average gives each collection the same weight however few its queries; the scores are "
        "averages without significance tests"
    )
    if data.get("dev"):
        count = sum(data["dev"]["questions"].values())
        singles = next(iter(data["dev"]["results"].values()))["groups"]["singles"]["count"]
        share = 1 / max(singles, 1)
        text += f"; the dev set has only {count} questions (one of its {singles} singles is {share:.2f} of hit@k)"
    return text + "."


def render(data: dict[str, Any]) -> str:
    """The whole of docs/quality.md except the hand-written notes."""
    out = [
        "# Retrieval quality",
        "",
        "Dense-only, BM25-only and hybrid retrieval under five fusions, on public IR test collections "
        "(BEIR layout) and on the development question set. Generated by `python -m bench.quality`; edit the "
        f"`{NOTES_TITLE[3:]}` section by hand, the rest is rewritten by `--write`.",
        "",
        f"Command (from the repository root): `{data['command']}`",
        "",
        f"Run: {data['started']} to {data.get('finished', '?')} (UTC); code: {data['code']}; model: {data['model']}.",
        "",
        "Machine:",
        *[f"- {fact}" for fact in data.get("machine", [])],
        "",
        "Configurations: `dense` and `bm25` rank by one side only; `hybrid convex α=a` ranks by "
        "a · dense + (1 − a) · BM25, both min-max normalised over the candidates (α weighs the dense side); "
        "`hybrid rrf k=K` by Σ 1 / (K + rank) over the two rankings. `indexer.Fusion()` as shipped is "
        f"`{DEFAULT_LABEL}`. Best value of ours in each column in bold.",
        "",
    ]
    dev = data.get("dev")
    if dev:
        kinds = ", ".join(f"{count} {kind}" for kind, count in dev["questions"].items())
        out += [
            "## Development question set",
            "",
            f"`{dev['set']}` ({kinds}) over `{dev['corpus']}` ({dev['documents']} document(s), {dev['chunks']} "
            f"chunks), k = {dev['k']} passages per question. Each question goes through `indexer.rewrite` "
            "(follow-ups with their earlier questions) and `indexer.retrieve`, as `POST /api/ask` does; "
            "`follow-ups question only` searches a follow-up without its conversation, as a baseline. A hit "
            "is a passage containing one of the question's keys. `unanswerable flagged` is the share of "
            "unanswerable questions answered `found: false` (higher is better), `answerable wrongly "
            "flagged` the share of answerable ones answered `found: false` (lower is better); `found` "
            "compares a dense similarity (`Retrieval.confidence`) with the threshold, not the fused score, so "
            "it moves little or not at all with the configuration.",
            "",
            dev_table(dev),
            "",
            "With this few questions one question more or less in a group moves hit@k by "
            + ", ".join(
                f"{1 / c['count']:.2f} ({g})"
                for g, c in next(iter(dev["results"].values()))["groups"].items()
                if c["count"]
            )
            + ".",
            "",
        ]
    if data["collections"]:
        out += [
            "## BEIR collections",
            "",
            "Each collection is indexed with askreport's own pipeline (one Markdown file per document, "
            "chunked to the model's window, embedded with the model above, BM25 over the same chunks) and "
            "documents are ranked by their best chunk, 300 chunks deep. The reference row is the README's "
            "whole-document BM25 (k1 = 1.2, b = 0.75, Porter stemming, stop words).",
            "",
        ]
        for name, entry in data["collections"].items():
            split = entry["chunks"] - entry["documents"]
            out += [
                f"### {name}",
                "",
                f"{entry['queries']} queries, {entry['documents']} documents in {entry['chunks']} chunks "
                f"({split} more chunks than documents); this run embedded {entry.get('embedded', '?')} "
                f"chunks (0: the index in the work dir was reused) and took {entry['seconds']:.0f} s.",
                "",
                collection_table(name, entry, data["reference"].get(name)),
                "",
            ]
        out += [
            "### Averaged over the collections",
            "",
            "Mean of each metric over the collections, each collection weighted equally; `query-weighted "
            "nDCG@10` averages over all queries instead, so big collections (scifact, cranfield) weigh more; "
            "`best nDCG@10` "
            "counts the collections where the configuration has the highest nDCG@10 (ties count for all); "
            "the dev columns repeat the MRR of the single questions and of all answerable questions "
            "(singles, first turns and follow-ups together).",
            "",
            summary_table(data),
            "",
            "## Our BM25 against the reference",
            "",
            bm25_comparison(data),
            "",
            "Where the two differ, the implementations do: the reference indexes each document whole, with "
            "Porter stemming and its stop-word list; askreport's BM25 (bm25s, Lucene-style IDF, k1 = 1.2, "
            "b = 0.75) tokenises with `\\w\\w+` (drops one-character tokens, keeps numbers), removes bm25s's "
            "English stop words plus question words (what, which, how, does, …), stems with Snowball "
            "English (Porter2), and indexes *chunks* — the text the model embeds, so a document longer "
            "than the model window is split and ranked by its best chunk, and chunk length rather than "
            "document length enters the length normalisation. Our rankings also stop at "
            f"{data.get('depth', 300)} chunks (`indexer.evaluation.beir.CHUNK_DEPTH`), so at most that many documents "
            "count towards MAP; a run to depth 1000, the usual trec_eval cut, also counts the relevant "
            "documents found deeper, which matters where queries have many relevant documents ("
            + ", ".join(
                f"{name}: {e['relevant_per_query']:.1f}"
                for name, e in data["collections"].items()
                if "relevant_per_query" in e
            )
            + " relevant documents per query).",
            "",
            "## Choice of fusion",
            "",
            choice_of_fusion(data),
            "",
            noise_note(data),
            "",
        ]
    return "\n".join(out)


def write_doc(path: Path, body: str) -> None:
    """Replace the doc with `body`, keeping an existing hand-written notes section at the end."""
    notes = ""
    if path.exists():
        text = path.read_text(encoding="utf-8")
        start = text.find(f"\n{NOTES_TITLE}\n")
        if start >= 0:
            rest = text[start + 1 :]
            end = rest.find("\n## ", len(NOTES_TITLE))
            notes = rest if end < 0 else rest[: end + 1]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body.rstrip("\n") + "\n" + ("\n" + notes.rstrip("\n") + "\n" if notes else ""), "utf-8")


def main(argv: Sequence[str] | None = None) -> None:
    """Measure (or re-render), print the report, optionally write docs/quality.md."""
    args = parse_args(argv)
    if args.render is not None:
        data = json.loads(args.render.read_text(encoding="utf-8"))
    else:
        data = measure(args, command_line("bench.quality", argv))
        log(f"raw results in {args.work_dir / RESULTS_FILE}")
    body = render(data)
    print(body)
    if args.write:
        write_doc(DOC_PATH, body)
        log(f"wrote {DOC_PATH.relative_to(REPO_ROOT)}")


if __name__ == "__main__":
    main()
