"""Facts about the machine that benchmark results depend on, as the reports list them."""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from pathlib import Path

LOAD_NOTE = "other processes share the machine"


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory() -> str:
    """Physical memory, in GiB."""
    try:
        return f"{os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.0f} GiB"
    except (OSError, ValueError):
        return "unknown"


def mount_of(path: Path) -> str:
    """The filesystem type and mount point holding `path`, from /proc/mounts."""
    best = ("", "unknown")
    try:
        with open("/proc/mounts", encoding="utf-8") as fh:
            for line in fh:
                fields = line.split()
                if len(fields) >= 3 and str(path).startswith(fields[1]) and len(fields[1]) > len(best[0]):
                    best = (fields[1], fields[2])
    except OSError:
        pass
    return f"{best[1]} (mounted at {best[0] or '?'})"


def torch_versions() -> str:
    """Python, torch and torch's thread count (imports torch)."""
    import torch

    return f"Python {platform.python_version()}, torch {torch.__version__}, torch threads: {torch.get_num_threads()}"


def machine_facts(
    load: Sequence[Sequence[float]],
    *,
    software: str | None = None,
    extra: Sequence[str] = (),
    note: str = LOAD_NOTE,
) -> list[str]:
    """CPUs and memory, the software (default: Python and torch), `extra` facts, the load before and after."""
    return [
        f"CPUs available (nproc): {len(os.sched_getaffinity(0))}; CPU model: {cpu_model()}; memory: {memory()}",
        software if software is not None else torch_versions(),
        *extra,
        "load average (1/5/15 min) before and after the runs: "
        + ", ".join("/".join(f"{x:.2f}" for x in triple) for triple in load)
        + f" ({note})",
    ]
