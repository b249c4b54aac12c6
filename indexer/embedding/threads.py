"""How the model (torch) and the vector search (FAISS, OpenMP) share the cores."""

from __future__ import annotations

import os

OPENMP_WAIT_POLICY = "PASSIVE"


def prefer_passive_openmp() -> None:
    """Ask OpenMP runtimes to sleep, not spin, between calls; call it before torch or FAISS is first imported.

    torch and FAISS each bring an OpenMP runtime; with the default (spinning) wait policy the idle
    threads of one steal the cores from the other after every call: measured on 2 cores, a query's
    embedding took 60-90 ms instead of 18 ms and a 29-vector search 10 ms instead of 0.07 ms. The
    policy is read when a runtime loads, so the process entry points (the CLI, the uvicorn worker
    factory, the build and parse children) call this first. A value already set is kept.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", OPENMP_WAIT_POLICY)


def limit_threads(threads: int) -> None:
    """Let torch and FAISS use at most `threads` threads in this process (and its children)."""
    import faiss
    import torch

    threads = max(1, threads)
    os.environ["OMP_NUM_THREADS"] = str(threads)
    torch.set_num_threads(threads)
    faiss.omp_set_num_threads(threads)
