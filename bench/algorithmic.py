"""Benchmark: the cost of parsing and chunking hostile inputs at N, 2N and 4N (issue 11, M3 and M5).

Each case of the audit's generator (`make_algo.py`) is written to a file and taken through
`load_document` (read, canonical text, structure) and `chunk_document` with the real bundled
model's tokenizer, once per size, each in a fresh child process: seconds for the two steps, the
child's peak RSS, and the number of chunks and the longest one. A linear pass shows a ratio of
about 2 each time the input doubles; a quadratic one, 4. A child still running after `--timeout`
seconds is stopped and shown as "> timeout". Run from the repository root:

    .venv/bin/python -m bench.algorithmic

`--scale 0.25` runs a quick smaller set; `--only headings,dots` picks cases.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.common.options import docstring_parser


def _labels(n: int) -> str:
    return "".join(f"L{i}\tv\n\n" for i in range(n)) + "".join(f"X{i} y\n\n" for i in range(n))


CASES: dict[str, tuple[str, Callable[[int], str], int]] = {
    # name: (file suffix, generator, N)
    "headings": (".md", lambda n: "".join(f"# H{i}\n\nText {i} here.\n\n" for i in range(n)), 2_000),
    "chain": (".txt", lambda n: "".join(f"word{i}\n\n" for i in range(n)), 25_000),
    "labels": (".txt", lambda n: _labels(n), 2_000),
    "dots": (".txt", lambda n: "Intro sentence" + "." * n + "x end", 10_000),
    "run": (".txt", lambda n: "a" * n, 1_000_000),
    "colons": (".txt", lambda n: "Report\n\n" + "".join(f"Head {i}\n\nSome text:\n\n" for i in range(n)), 2_000),
}
DESCRIBED = {
    "headings": "N Markdown headings, each over one line of text",
    "chain": "N lower-case paragraphs, each continuing the one before",
    "labels": "N tab-separated label rows, then N rows that start with other words",
    "dots": "a word, then N dots not followed by a space",
    "run": "N times the letter a, no space (one line)",
    "colons": "N plain-text headings, each after a paragraph that ends with a colon",
}


def measure(path: Path) -> dict[str, float | int]:
    """In the child: load, then chunk, one file; seconds, chunk counts and peak RSS."""
    from indexer import ChunkerSettings, SentenceTransformerEmbedder, chunk_document, load_document

    embedder = SentenceTransformerEmbedder()
    embedder.count_tokens("warm-up")
    began = time.perf_counter()
    doc = load_document(path, path.parent, max_bytes=2**31)
    loaded = time.perf_counter()
    chunks = chunk_document(doc, embedder.count_tokens, ChunkerSettings(max_tokens=embedder.max_tokens))
    done = time.perf_counter()
    return {
        "load_s": loaded - began,
        "chunk_s": done - loaded,
        "chunks": len(chunks),
        "longest": max((len(c.text) for c in chunks), default=0),
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_child(path: Path, timeout: float) -> dict[str, float | int] | None:
    try:
        done = subprocess.run(
            # the same cwd and environment as this process: the child imports the same `indexer`
            [sys.executable, "-m", "bench.algorithmic", "--child", str(path)],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        raise RuntimeError(f"measuring {path} failed:\n{done.stderr[-3000:]}")
    result: dict[str, float | int] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _seconds(r: dict[str, float | int] | None, timeout: float) -> str:
    return f"> {timeout:g}" if r is None else f"{r['load_s'] + r['chunk_s']:.2f}"


def _ratio(a: dict[str, float | int] | None, b: dict[str, float | int] | None) -> str:
    if a is None or b is None:
        return "–"
    return f"{(b['load_s'] + b['chunk_s']) / max(a['load_s'] + a['chunk_s'], 1e-3):.2f}"


def table(results: dict[str, list[tuple[int, int, dict[str, float | int] | None]]], timeout: float) -> str:
    lines = [
        "| case | N | bytes at 4N | s at N | s at 2N | s at 4N | 2N/N | 4N/2N | load / chunk s at 4N | "
        "peak RSS MiB at 4N | chunks at 4N | longest chunk at 4N |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for case, runs in results.items():
        (n, _, r1), (_, _, r2), (_, size4, r4) = runs
        split = "–" if r4 is None else f"{r4['load_s']:.2f} / {r4['chunk_s']:.2f}"
        rss = "–" if r4 is None else f"{r4['rss_mib']:.0f}"
        chunks = "–" if r4 is None else f"{r4['chunks']}"
        longest = "–" if r4 is None else f"{r4['longest']:,}"
        lines.append(
            f"| {case} | {n:,} | {size4:,} | {_seconds(r1, timeout)} | {_seconds(r2, timeout)} | "
            f"{_seconds(r4, timeout)} | {_ratio(r1, r2)} | {_ratio(r2, r4)} | {split} | {rss} | {chunks} | {longest} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = docstring_parser(__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every N by this")
    parser.add_argument("--only", default="", help="comma-separated cases (default: all)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds before a child is stopped")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(measure(args.child)))
        return
    chosen = [c for c in args.only.split(",") if c] or list(CASES)
    results: dict[str, list[tuple[int, int, dict[str, float | int] | None]]] = {}
    with tempfile.TemporaryDirectory(prefix="askreport-algorithmic-") as tmp:
        for case in chosen:
            suffix, make, base = CASES[case]
            n = max(1, int(base * args.scale))
            runs = []
            for size in (n, 2 * n, 4 * n):
                path = Path(tmp) / f"{case}-{size}{suffix}"
                path.write_text(make(size), encoding="utf-8")
                runs.append((n, path.stat().st_size, run_child(path, args.timeout)))
                path.unlink()
            results[case] = runs
            print(f"{case}: done", file=sys.stderr, flush=True)
    print("\n".join(f"- {case}: {DESCRIBED[case]}" for case in results))
    print()
    print(table(results, args.timeout))


if __name__ == "__main__":
    main()
