"""Plan a build: the generation to reuse from, and for every chunk whether its vector can be reused.

A chunk whose content hash (model + embedded text) is in the previous generation keeps its vector, and a
document whose file and canonical text did not change keeps its chunks without being chunked again.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from indexer.documents.chunking import ChunkerSettings, chunk_document
from indexer.embedding.model import Embedder
from indexer.errors import AskreportError, IndexNotFoundError
from indexer.index.loading import IndexGeneration, open_current
from indexer.models import Chunk, Document

log = logging.getLogger(__name__)


def chunk_hash(model_name: str, chunk: Chunk) -> str:
    """Content hash of a chunk: what was embedded and by which model."""
    return hashlib.sha256(f"{model_name}\n{chunk.embed_text}".encode()).hexdigest()


@dataclass(frozen=True)
class BuildPlan:
    """The chunks a new generation will hold, in row order, and where each one's vector comes from."""

    documents: tuple[Document, ...]
    chunks: tuple[Chunk, ...]
    hashes: tuple[str, ...]
    old_rows: tuple[int, ...]  # row in the previous generation to reuse, or -1 to embed
    removed: int  # chunks of the previous generation that no new chunk matches

    @property
    def reused(self) -> int:
        """How many chunks keep the previous generation's vector."""
        return sum(1 for row in self.old_rows if row >= 0)


def reusable_generation(
    root: Path, embedder: Embedder, chunker: ChunkerSettings, full: bool
) -> tuple[IndexGeneration | None, str | None]:
    """The current generation to reuse from (the caller closes it), or None and the reason for a full build."""
    if full:
        return None, "a full rebuild was requested"
    try:
        previous = open_current(root)
    except IndexNotFoundError:
        return None, "there is no previous index"
    except AskreportError as exc:
        log.warning("rebuilding everything: the current index cannot be reused (%s)", exc)
        return None, f"the current index cannot be reused ({exc})"
    manifest = previous.manifest
    reason = None
    if (manifest.model_name, manifest.model_dim) != (embedder.name, embedder.dim):
        reason = f"the model changed from {manifest.model_name} to {embedder.name}"
    elif manifest.chunker != chunker:
        reason = "the chunker settings changed"
    if reason is not None:
        previous.close()
        log.warning("rebuilding everything: %s", reason)
        return None, reason
    return previous, None


def plan_build(
    documents: Sequence[Document],
    previous: IndexGeneration | None,
    embedder: Embedder,
    chunker: ChunkerSettings,
) -> BuildPlan:
    """Chunk the documents (reusing an unchanged document's stored chunks) and match them to `previous`."""
    old_hashes = {d.id: d.content_hash for d in previous.manifest.documents} if previous else {}
    old_hashes_by_row = previous.store.chunk_hashes() if previous else []
    old_rows = {h: i for i, h in enumerate(old_hashes_by_row)}
    chunks: list[Chunk] = []
    hashes: list[str] = []
    for doc in documents:
        if previous is not None and old_hashes.get(doc.id) == doc.content_hash and _same_text(previous, doc):
            pairs = previous.store.chunks_of(doc.id)
        else:
            pairs = [(c, chunk_hash(embedder.name, c)) for c in chunk_document(doc, embedder.count_tokens, chunker)]
        chunks.extend(c for c, _ in pairs)
        hashes.extend(h for _, h in pairs)
    kept = set(hashes)
    removed = sum(1 for h in old_hashes_by_row if h not in kept)
    rows = tuple(old_rows.get(h, -1) for h in hashes)
    return BuildPlan(tuple(documents), tuple(chunks), tuple(hashes), rows, removed)


def _same_text(previous: IndexGeneration, doc: Document) -> bool:
    """Whether the stored document has the same canonical text and sections (a renamed file or a
    changed reader can turn the same bytes into different text)."""
    stored = previous.store.document(doc.id)
    return stored.text == doc.text and stored.sections == doc.sections
