"""askreport's one configuration class; every field has an `ASKREPORT_` environment variable."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from indexer import (
    DEFAULT_FOUND_THRESHOLD,
    DEFAULT_PARSE_MEMORY_MB,
    DEFAULT_PARSE_TIMEOUT_S,
    ParseBudget,
    SearchMode,
    VectorIndexKind,
)


class Settings(BaseSettings):
    """Configuration read from `ASKREPORT_*` environment variables; CLI options override it."""

    model_config = SettingsConfigDict(env_prefix="ASKREPORT_", protected_namespaces=())

    corpus_dir: Path = Field(Path("corpus"), description="Directory of documents to index.")
    index_dir: Path = Field(Path("var/index"), description="Directory holding the index generations.")
    model: str = Field(
        "",
        description="Path of a sentence-transformers model directory; empty means the bundled all-MiniLM-L6-v2.",
    )
    host: str = Field("127.0.0.1", description="Address `askreport serve` listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port `askreport serve` listens on.")
    forwarded_allow_ips: str = Field(
        "127.0.0.1,::1",
        description="Proxies (comma-separated addresses, or *) whose X-Forwarded-For/-Proto headers are "
        "trusted for the client address (rate limits, logs).",
    )
    log_level: str = Field("info", description="Server log level: debug, info, warning or error.")
    log_queue_size: int = Field(
        10_000,
        ge=1,
        description="Log lines waiting for the writer thread when stderr is slow; beyond that they are dropped "
        "and counted (askreport_log_records_dropped_total).",
    )
    vector_index: VectorIndexKind = Field(
        VectorIndexKind.AUTO,
        description="Vector search structure a build writes: auto (flat up to 25,000 chunks, then HNSW), flat or hnsw.",
    )
    max_file_mb: float = Field(50, gt=0, description="Files larger than this many MB are skipped.")
    parse_timeout_s: float = Field(
        DEFAULT_PARSE_TIMEOUT_S,
        gt=0,
        description="Seconds a build may spend reading one file; slower files are skipped.",
    )
    parse_memory_mb: int = Field(
        DEFAULT_PARSE_MEMORY_MB,
        ge=64,
        description="MB of memory a build may use to read one file (in a child process); more: the file is skipped.",
    )
    build_niceness: int = Field(
        10,
        ge=0,
        le=19,
        description="CPU niceness of the child process that runs a server-started build (0-19; higher yields "
        "more to queries).",
    )
    admin_key: str = Field(
        "",
        description="Bearer token for /api/admin/*; empty disables the admin endpoints.",
    )
    search_keys: str = Field(
        "",
        description="Comma-separated keys, one of which search requests must send as a bearer token; "
        "empty: search is open.",
    )

    @property
    def search_key_list(self) -> list[str]:
        return _split(self.search_keys)

    @model_validator(mode="after")
    def _keys_are_distinct(self) -> Settings:
        if self.admin_key and self.admin_key in self.search_key_list:
            raise ValueError("ASKREPORT_ADMIN_KEY must differ from every search key")
        for key in [self.admin_key, *self.search_key_list]:
            if key and (len(key) < 12 or any(c.isspace() for c in key)):
                raise ValueError("keys need at least 12 characters and no spaces (e.g. `openssl rand -hex 16`)")
        return self

    reload_interval: float = Field(
        1.0, gt=0, description="Seconds between the server's checks for a newly published index."
    )

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def parse_budget(self) -> ParseBudget:
        return ParseBudget(self.parse_timeout_s, self.parse_memory_mb)

    search_mode: SearchMode = Field(
        SearchMode.HYBRID, description="Default ranking: hybrid (BM25 + dense), dense or bm25."
    )
    found_threshold: float = Field(
        DEFAULT_FOUND_THRESHOLD,
        description="Best dense similarity below which an answer is reported as not found.",
    )
    conversations_db: Path = Field(
        Path("var/conversations.sqlite3"), description="SQLite file holding conversation turns."
    )
    conversation_ttl: float = Field(
        24 * 3600, gt=0, description="Seconds after which a conversation's turns are forgotten."
    )
    max_conversations: int = Field(
        100_000, ge=1, description="Live conversations the server keeps; a new one beyond that gets 429."
    )
    max_conversations_per_client: int = Field(
        1000,
        ge=0,
        description="Live conversations one key (or client address) may hold; a new one beyond that gets 429; "
        "0: no per-client cap.",
    )
    header_timeout: float = Field(
        10.0,
        gt=0,
        le=600,
        description="Seconds a connection may take to send a request's headers before it is closed (slow clients).",
    )
    limit_concurrency: int = Field(
        1000,
        ge=0,
        description="Connections (or requests in progress) per server process beyond which requests get 503; "
        "0: no limit.",
    )

    batch_size: int = Field(
        64, ge=1, le=1024, description="Most texts the model encodes in one call for concurrent requests."
    )
    batch_wait_ms: float = Field(
        2.0, ge=0, le=100, description="Longest wait (ms) for more requests to share a model call, when busy."
    )
    query_cache_size: int = Field(
        1024, ge=0, description="Query embeddings kept for repeated questions (0 turns the cache off)."
    )
    workers: int = Field(1, ge=1, le=64, description="Server processes for `askreport serve`.")
    threads: int = Field(
        0,
        ge=0,
        description="Compute threads per server process (torch, FAISS); 0: the machine's cores divided by workers.",
    )

    def threads_per_worker(self) -> int:
        """Threads each process may use, so that workers together do not oversubscribe the cores."""
        if self.threads:
            return self.threads
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        return max(1, cores // self.workers)

    rate_limit: float = Field(
        20, ge=0, description="Requests per second each key (or client address) may make on average; 0: no limit."
    )
    rate_burst: int = Field(60, ge=1, description="Requests a key (or address) may make in a row before the limit.")
    rate_limit_exempt_loopback: bool = Field(
        False, description="Do not limit clients on 127.0.0.1/::1 (for development and benchmarks only)."
    )
    max_body_kb: int = Field(64, ge=1, le=10240, description="Request bodies larger than this many KB get 413.")
    cors_origins: str = Field(
        "",
        description="Comma-separated origins whose pages may call the API from a browser, "
        "e.g. `https://intranet.example.org`; empty: the server's own origin only.",
    )

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.lower() not in ("debug", "info", "warning", "error", "critical"):
            raise ValueError(f"{value!r} is not a log level: use debug, info, warning, error or critical")
        return value.lower()

    @field_validator("cors_origins")
    @classmethod
    def _origins_are_origins(cls, value: str) -> str:
        for origin in _split(value):
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/") or parts.query:
                raise ValueError(
                    f"{origin!r} is not an origin: write scheme://host[:port] with no path, "
                    "e.g. https://intranet.example.org"
                )
        return value

    @property
    def allowed_origins(self) -> list[str]:
        """The CORS allow-list, without trailing slashes."""
        return [o.rstrip("/") for o in _split(self.cors_origins)]

    def model_path(self) -> Path | None:
        """The configured model directory, or None for the bundled model."""
        return Path(self.model).expanduser() if self.model.strip() else None


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]
