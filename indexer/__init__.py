"""askreport's indexing library: read, chunk, embed, store and search documents.

The server and the CLI use only what this module exports: the product's nouns and verbs. The
subpackages hold the rest: `documents` (files to chunks), `embedding` (text to vectors), `index`
(generations on disk), `retrieval` (search, highlights, follow-ups) and `evaluation`.

Importing this module loads neither torch nor FAISS and changes no environment variable. A program
that uses the library should call `prefer_passive_openmp()` before its first search or build (the
`askreport` CLI and server do): see its docstring for why.
"""

from indexer.documents.chunking import ChunkerSettings, chunk_document
from indexer.documents.corpus import CorpusLoad, corpus_files, load_corpus, load_document, read_bytes
from indexer.documents.sandbox import DEFAULT_PARSE_MEMORY_MB, DEFAULT_PARSE_TIMEOUT_S, ParseBudget
from indexer.embedding.batching import BatchingEmbedder, CachingEmbedder
from indexer.embedding.model import (
    BUNDLED_MODEL_NAME,
    Embedder,
    SentenceTransformerEmbedder,
    bundled_model_path,
    check_model_dir,
)
from indexer.embedding.threads import limit_threads, prefer_passive_openmp
from indexer.errors import (
    AskreportError,
    BuildInProgressError,
    ConversationLimitError,
    ConversationStoreUnavailableError,
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
from indexer.index.build import BuildSummary, build_index
from indexer.index.generations import (
    IndexStatus,
    Rollback,
    build_lock,
    current_name,
    generation_names,
    rollback,
    status,
)
from indexer.index.loading import IndexGeneration, open_current, open_generation
from indexer.index.manifest import Manifest
from indexer.index.vectors import VectorIndexKind
from indexer.models import Block, BlockKind, Chunk, Citation, Document, Hit, Page, Section, SkippedFile, Span
from indexer.retrieval.followups import is_follow_up, rewrite
from indexer.retrieval.highlight import SentenceVectors
from indexer.retrieval.search import (
    DEFAULT_FOUND_THRESHOLD,
    Fusion,
    FusionMethod,
    Retrieval,
    SearchMode,
    retrieve,
    search,
)

__all__ = [
    "BUNDLED_MODEL_NAME",
    "DEFAULT_FOUND_THRESHOLD",
    "DEFAULT_PARSE_MEMORY_MB",
    "DEFAULT_PARSE_TIMEOUT_S",
    "AskreportError",
    "BatchingEmbedder",
    "Block",
    "BlockKind",
    "BuildInProgressError",
    "BuildSummary",
    "CachingEmbedder",
    "Chunk",
    "ChunkerSettings",
    "Citation",
    "ConversationLimitError",
    "ConversationStoreUnavailableError",
    "CorpusLoad",
    "CorpusNotFoundError",
    "Document",
    "DocumentNotFoundError",
    "Embedder",
    "EmptyCorpusError",
    "Fusion",
    "FusionMethod",
    "Hit",
    "IndexCorruptError",
    "IndexGeneration",
    "IndexMismatchError",
    "IndexNotFoundError",
    "IndexStatus",
    "IndexWriteError",
    "Manifest",
    "ModelLoadError",
    "Page",
    "ParseBudget",
    "QuestionSetReport",
    "ReaderStartError",
    "Retrieval",
    "Rollback",
    "SearchMode",
    "Section",
    "SentenceTransformerEmbedder",
    "SentenceVectors",
    "SkippedFile",
    "Span",
    "UnreadableFileError",
    "VectorIndexKind",
    "build_index",
    "build_lock",
    "bundled_model_path",
    "check_model_dir",
    "chunk_document",
    "corpus_files",
    "current_name",
    "evaluate_beir",
    "evaluate_questions",
    "generation_names",
    "is_follow_up",
    "limit_threads",
    "load_corpus",
    "load_document",
    "open_current",
    "open_generation",
    "prefer_passive_openmp",
    "read_bytes",
    "read_question_set",
    "retrieve",
    "rewrite",
    "rollback",
    "search",
    "status",
]
