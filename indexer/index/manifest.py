"""The manifest of an index generation: what it holds and how it was built."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from indexer.documents.chunking import ChunkerSettings
from indexer.errors import IndexCorruptError, IndexMismatchError
from indexer.index.layout import FORMAT_VERSION, MANIFEST_FILE
from indexer.index.vectors import VectorIndexSpec
from indexer.models import SkippedFile


@dataclass(frozen=True)
class DocumentEntry:
    """A document's fingerprint in the manifest."""

    id: str
    title: str
    content_hash: str
    chunks: int
    unreadable_pages: tuple[int, ...] = ()  # pages whose text came out mostly unreadable (OCR would help)


@dataclass(frozen=True)
class Manifest:
    """Describes one generation; written last, so a generation with a manifest is complete."""

    generation: str
    built_at: str
    model_name: str
    model_dim: int
    chunker: ChunkerSettings
    index_type: str  # vector_index described for people, e.g. "flat (exact inner product)"
    vector_index: VectorIndexSpec
    chunk_count: int
    documents: tuple[DocumentEntry, ...]
    skipped: tuple[SkippedFile, ...]
    format_version: int = FORMAT_VERSION

    def to_json(self) -> str:
        data = asdict(self)
        data["counts"] = {
            "documents": len(self.documents),
            "chunks": self.chunk_count,
            "skipped": len(self.skipped),
            "unreadable_pages": sum(len(d.unreadable_pages) for d in self.documents),
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data: dict[str, Any] = json.loads(text)
        return cls(
            generation=data["generation"],
            built_at=data["built_at"],
            model_name=data["model_name"],
            model_dim=int(data["model_dim"]),
            chunker=ChunkerSettings(**data["chunker"]),
            index_type=data["index_type"],
            vector_index=VectorIndexSpec(**data["vector_index"]),
            chunk_count=int(data["chunk_count"]),
            documents=tuple(_document_entry(d) for d in data["documents"]),
            skipped=tuple(SkippedFile(**s) for s in data["skipped"]),
            format_version=int(data["format_version"]),
        )


def _document_entry(data: dict[str, Any]) -> DocumentEntry:
    return DocumentEntry(**{**data, "unreadable_pages": tuple(data.get("unreadable_pages", ()))})


def read_manifest(generation_dir: Path) -> Manifest:
    """Read and parse a generation's manifest; IndexCorruptError if missing or unreadable.

    The format version is checked before the rest is parsed, so an index written by another version of
    askreport gets the message that says to rebuild it, whatever its other fields look like.
    """
    path = generation_dir / MANIFEST_FILE
    try:
        text = path.read_text(encoding="utf-8")
        version = json.loads(text)["format_version"]
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise _unreadable(path, exc) from exc
    if type(version) is not int:  # "3" or 3.0 would pass int() and then be misreported
        raise IndexCorruptError(
            f"{path} has format_version {json.dumps(version)} ({type(version).__name__}); it must be the integer "
            f"{FORMAT_VERSION}: run `askreport index --full` to rebuild the index"
        )
    if version != FORMAT_VERSION:
        raise IndexMismatchError(
            f"index at {generation_dir} has format version {version}, this "
            f"askreport reads version {FORMAT_VERSION}: run `askreport index` to rebuild it"
        )
    try:
        return Manifest.from_json(text)
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise _unreadable(path, exc) from exc


def _unreadable(path: Path, exc: Exception) -> IndexCorruptError:
    return IndexCorruptError(f"cannot read {path} ({exc}): run `askreport index --full` to rebuild the index")


def check_model(manifest: Manifest, generation_dir: Path, model_name: str, dim: int) -> None:
    """Refuse an index built with another model than the configured one."""
    if (manifest.model_name, manifest.model_dim) != (model_name, dim):
        raise IndexMismatchError(
            f"index at {generation_dir} was built with model {manifest.model_name} "
            f"(dimension {manifest.model_dim}); the configuration uses {model_name} "
            f"(dimension {dim}): run `askreport index` to rebuild it with the configured model"
        )
