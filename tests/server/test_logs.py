"""server/logs.py: configuring logging again replaces, never piles up, its handler, filters and hooks."""

from __future__ import annotations

import atexit
import logging
import signal
import threading
from collections.abc import Iterator

import pytest

from server.logs import DroppingQueueHandler, OncePerInterval, configure_logging, stop_logging

CONFIGURED = ("", "askreport", "server", "indexer", "uvicorn", "uvicorn.error", "uvicorn.access", "bm25s", "asyncio")


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """The process's logging set-up and SIGTERM handler as they were, after the test configures its own."""
    loggers = [logging.getLogger(name) for name in CONFIGURED]
    saved = [(lg.handlers[:], lg.filters[:], lg.level, lg.propagate, lg.disabled) for lg in loggers]
    sigterm = signal.getsignal(signal.SIGTERM)
    try:
        yield
    finally:
        stop_logging()
        signal.signal(signal.SIGTERM, sigterm)
        for lg, (handlers, filters, level, propagate, disabled) in zip(loggers, saved, strict=True):
            lg.handlers, lg.filters, lg.propagate, lg.disabled = handlers, filters, propagate, disabled
            lg.setLevel(level)


def _once_filters(name: str) -> int:
    return sum(isinstance(f, OncePerInterval) for f in logging.getLogger(name).filters)


def test_configuring_logging_twice_leaves_one_handler_filter_writer_and_exit_hook(restored_logging: None) -> None:
    configure_logging("info")
    hooks, threads = atexit._ncallbacks(), threading.active_count()
    configure_logging("info")
    assert atexit._ncallbacks() == hooks, "one atexit hook"
    assert threading.active_count() == threads, "the first writer thread was stopped"
    handlers = logging.getLogger().handlers
    assert len(handlers) == 1 and isinstance(handlers[0], DroppingQueueHandler)
    assert _once_filters("asyncio") == 1 and _once_filters("askreport.connections") == 1
