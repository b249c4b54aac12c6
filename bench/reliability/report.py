"""What the reliability sections share: the doc, its titles and intro, the section header, small formatters."""

from __future__ import annotations

from collections.abc import Sequence

from bench.common.machine import machine_facts
from bench.common.paths import RELIABILITY_DOC
from bench.common.report import command_line, provenance, update_doc

MODULE = "bench.reliability"
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
    "build. Every figure comes from `python -m bench.reliability`, which starts real server processes "
    "(`askreport serve`, one worker) and real `askreport index` processes on a corpus of the report and "
    "SciFact abstracts in a temporary directory, and drives them with client threads in a separate "
    "process (keep-alive `http.client` connections). The machine is shared with other jobs, so "
    "latencies and build times are noisy; errors, lost conversations and leaks are not. Each section "
    "gives the command, the date and commit, the machine and the figures; *missed* marks a target "
    "that was not met.\n\n"
)


def mark(ok: bool) -> str:
    return "met" if ok else "**missed**"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def header(title: str, load: Sequence[tuple[float, float, float]]) -> list[str]:
    return [
        title,
        "",
        f"Command (from the repository root): `{command_line(MODULE)}`",
        "",
        provenance(),
        "",
        "Machine:",
        *(f"- {fact}" for fact in machine_facts(load)),
        "",
    ]


def code_block(lines: Sequence[str]) -> list[str]:
    return ["```", *lines, "```"] if lines else []


def write_doc(sections: dict[str, str]) -> None:
    """Write docs/reliability.md: the intro and every section; with --only, replace just those sections."""
    if not RELIABILITY_DOC.exists() or set(sections) == set(EXPERIMENTS):
        RELIABILITY_DOC.parent.mkdir(parents=True, exist_ok=True)
        RELIABILITY_DOC.write_text(
            INTRO + "\n".join(sections[e] for e in EXPERIMENTS if e in sections), encoding="utf-8"
        )
        return
    for experiment, body in sections.items():
        update_doc(TITLES[experiment], body, RELIABILITY_DOC)
