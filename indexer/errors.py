"""Named errors raised by the indexer library.

Every message names the offending value and says how to fix it; the CLI and the
server turn these into an exit code or an HTTP status without rewording them.
"""

from __future__ import annotations


class AskreportError(Exception):
    """Base class of every error askreport raises on purpose."""


class CorpusNotFoundError(AskreportError):
    """The corpus directory does not exist or is not a directory."""


class EmptyCorpusError(AskreportError):
    """The corpus holds no document that could be indexed."""


class UnreadableFileError(AskreportError):
    """A corpus file cannot be turned into a document (the build skips it)."""


class ReaderStartError(AskreportError):
    """The child process that reads documents could not start; every file would fail, so the build does."""


class IndexNotFoundError(AskreportError):
    """No published index generation exists at the configured location."""


class IndexCorruptError(AskreportError):
    """An index generation is incomplete or its parts disagree with each other."""


class IndexMismatchError(AskreportError):
    """An index was built with settings that differ from the configured ones."""


class BuildInProgressError(AskreportError):
    """Another build holds the index's build lock."""


class ModelLoadError(AskreportError):
    """The embedding model cannot be loaded from the configured path."""


class DocumentNotFoundError(AskreportError):
    """No document with the requested id exists in the index."""


class EvaluationInputError(AskreportError):
    """A question set or BEIR folder cannot be read."""


class IndexWriteError(AskreportError):
    """A new generation could not be written (a full disk, permissions); the old one stays current."""


class ConversationError(AskreportError):
    """Base class of the server's conversation-store errors."""


class ConversationLimitError(ConversationError):
    """The conversation store, or this client's share of it, holds as many live conversations as it may."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ConversationStoreUnavailableError(ConversationError):
    """The conversation store's file cannot be opened or written (read-only or full disk, missing rights)."""
