"""How many threads the model (torch) and the vector search (FAISS, OpenMP) may use."""

from __future__ import annotations

import os


def limit_threads(threads: int) -> None:
    """Let torch and FAISS use at most `threads` threads in this process (and its children)."""
    import faiss
    import torch

    threads = max(1, threads)
    os.environ["OMP_NUM_THREADS"] = str(threads)
    torch.set_num_threads(threads)
    faiss.omp_set_num_threads(threads)
