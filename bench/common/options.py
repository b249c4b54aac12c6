"""Command-line options the benchmarks share, with one wording and one default each."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bench.common.load import TOOLS
from bench.common.paths import DEV_QUESTIONS, RELIABILITY_DOC, SHARED_BENCHMARKS, from_root, shown

SHARED: dict[str, dict[str, Any]] = {
    "workers": {"type": int, "default": 1, "help": "server processes, for both servers (default: %(default)s)"},
    "loadgen": {
        "choices": TOOLS,
        "default": "auto",
        "help": "wrk or python; auto = wrk if installed (default: auto)",
    },
    "corpus": {"type": Path, "default": Path("corpus"), "help": "the report corpus (default: %(default)s)"},
    "dev": {"type": Path, "default": DEV_QUESTIONS, "help": "dev question set (default: %(default)s)"},
    "benchmarks": {
        "type": Path,
        "default": SHARED_BENCHMARKS,
        "help": "BEIR collections, for query texts (default: %(default)s)",
    },
    "tmp-dir": {
        "type": Path,
        "default": None,
        "help": "where corpora, indexes and logs go (default: the system temp directory)",
    },
}


def running_as() -> str | None:
    """How the running benchmark was started, for its usage line: `python -m bench.NAME` (None if not with -m)."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is None:
        return None
    return "python -m " + spec.name.removesuffix(".__main__")


def bench_parser(module: str, description: str, example: str = "--write") -> argparse.ArgumentParser:
    """A parser for `python -m MODULE` whose epilog shows an example command."""
    return argparse.ArgumentParser(
        prog=f"python -m {module}", description=description, epilog=f"Example: .venv/bin/python -m {module} {example}"
    )


def add_shared(parser: argparse.ArgumentParser, *names: str) -> None:
    """Add the shared options `names` (keys of SHARED: workers, loadgen, corpus, dev, benchmarks, tmp-dir)."""
    for name in names:
        parser.add_argument(f"--{name}", **SHARED[name])


def existing_paths(parser: argparse.ArgumentParser, args: argparse.Namespace, names: Iterable[str]) -> None:
    """Take each path option in `names` from the repository root; a parser error if one does not exist."""
    for name in names:
        path = from_root(getattr(args, name))
        if not path.exists():
            parser.error(f"--{name.replace('_', '-')}: {path} does not exist")
        setattr(args, name, path)


def docstring_parser(doc: str | None) -> argparse.ArgumentParser:
    """A parser whose description is a module's docstring, line breaks kept."""
    return argparse.ArgumentParser(
        prog=running_as(), description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )


def add_write(parser: argparse.ArgumentParser, doc: Path, title: str) -> None:
    """`--write`: replace the section `title` of the doc at `doc` with the results."""
    parser.add_argument("--write", action="store_true", help=f"Replace the section {title!r} in {shown(doc)}.")


def baseline_parser(doc: str | None, title: str, *, required: bool, baseline: str) -> argparse.ArgumentParser:
    """A parser for a before/after benchmark: `--baseline TREE` (help: `baseline`) and `--write`."""
    parser = docstring_parser(doc)
    parser.add_argument("--baseline", type=Path, default=None, required=required, help=baseline)
    add_write(parser, RELIABILITY_DOC, title)
    return parser
