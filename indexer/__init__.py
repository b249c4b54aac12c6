"""askreport's indexing library: load, chunk, embed, store and search documents.

The server and the CLI use only what this module exports.
"""

import os

# torch and FAISS each bring an OpenMP runtime; with the default (spinning) wait policy the idle
# threads of one steal the cores from the other after every call: measured on 2 cores, a query's
# embedding took 60-90 ms instead of 18 ms and a 29-vector search 10 ms instead of 0.07 ms. The
# policy is read when the runtimes load, so it is set here, before the imports below load them.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from indexer.documents.chunking import ChunkerSettings, chunk_document, embed_text
from indexer.documents.corpus import CorpusLoad, corpus_files, load_corpus, load_document
from indexer.documents.sandbox import DEFAULT_PARSE_MEMORY_MB, DEFAULT_PARSE_TIMEOUT_S, ParseBudget
from indexer.embedding.batching import BatchingEmbedder, BatchStats, CachingEmbedder
from indexer.embedding.model import (
    BUNDLED_MODEL_NAME,
    Embedder,
    SentenceTransformerEmbedder,
    bundled_model_path,
    check_model_dir,
    normalise,
)
from indexer.embedding.threads import limit_threads
from indexer.errors import (
    AskreportError,
    BuildInProgressError,
    CorpusNotFoundError,
    DocumentNotFoundError,
    EmptyCorpusError,
    IndexCorruptError,
    IndexMismatchError,
    IndexNotFoundError,
    IndexWriteError,
    ModelLoadError,
    ReaderStartError,
    UnreadableFileError,
)
from indexer.evaluation.beir import evaluate_beir
from indexer.evaluation.questions import QuestionSetReport, evaluate_questions, read_question_set
from indexer.index.build import BuildSummary, build_index, embed_all
from indexer.index.generations import (
    build_lock,
    current_dir,
    current_name,
    generation_names,
    point_current,
    previous_name,
)
from indexer.index.loading import IndexGeneration, open_current, open_generation
from indexer.index.manifest import Manifest, read_manifest
from indexer.index.vectors import FLAT_MAX_VECTORS, VectorIndex, VectorIndexKind, VectorIndexSpec, choose_index
from indexer.index.write import chunk_hash
from indexer.models import Block, BlockKind, Chunk, Citation, Document, Hit, Section, SkippedFile, Span
from indexer.retrieval.followups import is_follow_up, rewrite
from indexer.retrieval.highlight import SentenceVectors
from indexer.retrieval.search import DEFAULT_FOUND_THRESHOLD, Fusion, Retrieval, SearchMode, retrieve, search

__all__ = [
    "BatchingEmbedder",
    "BatchStats",
    "CachingEmbedder",
    "limit_threads",
    "check_model_dir",
    "read_question_set",
    "evaluate_questions",
    "evaluate_beir",
    "SentenceVectors",
    "QuestionSetReport",
    "BUNDLED_MODEL_NAME",
    "DEFAULT_FOUND_THRESHOLD",
    "AskreportError",
    "Block",
    "BuildInProgressError",
    "BlockKind",
    "BuildSummary",
    "Chunk",
    "ChunkerSettings",
    "Citation",
    "CorpusLoad",
    "CorpusNotFoundError",
    "Document",
    "DocumentNotFoundError",
    "Embedder",
    "EmptyCorpusError",
    "Fusion",
    "Hit",
    "IndexCorruptError",
    "IndexGeneration",
    "IndexMismatchError",
    "IndexNotFoundError",
    "IndexWriteError",
    "Manifest",
    "ParseBudget",
    "DEFAULT_PARSE_MEMORY_MB",
    "DEFAULT_PARSE_TIMEOUT_S",
    "ModelLoadError",
    "ReaderStartError",
    "Retrieval",
    "SearchMode",
    "Section",
    "SentenceTransformerEmbedder",
    "SkippedFile",
    "Span",
    "UnreadableFileError",
    "FLAT_MAX_VECTORS",
    "VectorIndex",
    "VectorIndexKind",
    "VectorIndexSpec",
    "choose_index",
    "build_index",
    "build_lock",
    "bundled_model_path",
    "chunk_document",
    "chunk_hash",
    "corpus_files",
    "current_dir",
    "current_name",
    "embed_all",
    "generation_names",
    "embed_text",
    "load_corpus",
    "load_document",
    "normalise",
    "open_current",
    "open_generation",
    "point_current",
    "previous_name",
    "read_manifest",
    "retrieve",
    "rewrite",
    "is_follow_up",
    "search",
]
