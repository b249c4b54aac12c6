"""Log lines: JSON objects on stderr, written by one thread so that logging never blocks the server.

Records are formatted where they are logged and handed over through a bounded queue: a stderr that
blocks (a pipe nobody reads) delays the writer thread only, and once the queue is full records are
dropped and counted (`askreport_log_records_dropped_total`) instead of blocking the event loop.
Bursts of identical records while file descriptors run out are logged once per interval.
"""

from __future__ import annotations

import atexit
import json
import logging
import logging.handlers
import math
import queue
import signal
import threading
import time
from types import FrameType
from typing import Any


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any structured fields."""

    _STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "color_message"}

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in self._STANDARD})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class DroppingQueueHandler(logging.handlers.QueueHandler):
    """Hands each record to the writer thread without waiting: with the queue full (stderr not read),
    the record is dropped and counted, so a stalled log pipe never stalls the event loop."""

    def __init__(self, records: queue.Queue[Any]) -> None:
        super().__init__(records)
        self.dropped = 0
        self._lock = threading.Lock()

    def enqueue(self, record: logging.LogRecord) -> None:
        try:
            self.queue.put_nowait(record)
        except queue.Full:
            with self._lock:
                self.dropped += 1


class LogWriter(logging.handlers.QueueListener):
    """The one thread that writes log lines to stderr."""

    def stop_within(self, seconds: float) -> None:
        """Flush what is queued and stop, waiting at most `seconds` (a writer stuck on a full pipe is left)."""
        try:
            self.enqueue_sentinel()
        except queue.Full:
            pass
        thread = self._thread
        if thread is not None:
            thread.join(seconds)
            self._thread = None


LOG_QUEUE_SIZE = 10_000
_installed: tuple[DroppingQueueHandler, LogWriter] | None = None
_exit_hook = False


def dropped_log_records() -> int:
    """Log records dropped since start because stderr was not read fast enough."""
    return _installed[0].dropped if _installed else 0


def configure_logging(level: str, queue_size: int = LOG_QUEUE_SIZE) -> None:
    """JSON lines on stderr for askreport's and uvicorn's loggers (uvicorn's access log is replaced).

    Records are formatted where they are logged and written by one thread through a bounded queue:
    a stderr that blocks delays that thread only, and once the queue is full records are dropped
    (counted in `askreport_log_records_dropped_total`) instead of blocking the server.
    """
    global _installed
    stop_logging()
    records: queue.Queue[Any] = queue.Queue(queue_size)
    handler = DroppingQueueHandler(records)
    handler.setFormatter(JsonFormatter())  # the queued record's message is the finished JSON line
    stream = logging.StreamHandler()
    stream.setFormatter(logging.Formatter("%(message)s"))
    writer = LogWriter(records, stream)
    writer.start()
    _installed = (handler, writer)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(logging.WARNING)  # libraries: warnings and errors only
    for name in ("askreport", "server", "indexer", "uvicorn", "uvicorn.error", "bm25s"):
        logger = logging.getLogger(name)
        logger.handlers = []  # some libraries bring their own plain-text handler
        logger.propagate = True
        if name != "bm25s":
            logger.setLevel(level.upper())
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    logging.getLogger("uvicorn.access").disabled = True
    _filter_once("asyncio", ACCEPT_ERRORS)
    _filter_once("askreport.connections", CONNECTION_REFUSED)
    _stop_at_exit()
    _flush_on_sigterm()


def _stop_at_exit() -> None:
    """Register stop_logging with atexit once, however often logging is configured (tests, workers)."""
    global _exit_hook
    if not _exit_hook:
        atexit.register(stop_logging)
        _exit_hook = True


def _filter_once(name: str, prefixes: tuple[str, ...]) -> None:
    """Give logger `name` one OncePerInterval filter for `prefixes`, however often logging is configured."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, OncePerInterval) and f.prefixes == prefixes for f in logger.filters):
        logger.addFilter(OncePerInterval(prefixes, ACCEPT_ERROR_INTERVAL))


def _flush_on_sigterm() -> None:
    """uvicorn ends a graceful shutdown by raising SIGTERM again, which by default ends the process
    before atexit: write out the queued lines ("Application shutdown complete") first."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return

    def flush_then_terminate(signum: int, frame: FrameType | None) -> None:
        stop_logging()
        signal.signal(signum, signal.SIG_DFL)
        signal.raise_signal(signum)

    signal.signal(signal.SIGTERM, flush_then_terminate)


def stop_logging(seconds: float = 5.0) -> None:
    """Write out the queued log lines and stop the writer thread (at shutdown)."""
    global _installed
    if _installed is None:
        return
    handler, writer = _installed
    _installed = None
    logging.getLogger().removeHandler(handler)
    writer.stop_within(seconds)


# asyncio's records while descriptors run out: one per connection waiting in the backlog, at every retry
ACCEPT_ERRORS = ("socket.accept() out of system resource", "Exception in callback BaseSelectorEventLoop._start_serving")
CONNECTION_REFUSED = ("connections refused",)
ACCEPT_ERROR_INTERVAL = 60.0


class OncePerInterval(logging.Filter):
    """Lets one record starting with one of `prefixes` through per `interval` seconds, without its
    traceback, saying how many were held back: asyncio logs every failed accept() while descriptors
    run out."""

    def __init__(self, prefixes: tuple[str, ...], interval: float) -> None:
        super().__init__()
        self.prefixes = prefixes
        self.interval = interval
        self._last = -math.inf
        self._held = 0
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if not text.startswith(self.prefixes):
            return True
        now = time.monotonic()
        with self._lock:
            if now - self._last < self.interval:
                self._held += 1
                return False
            held, self._held, self._last = self._held, 0, now
        error = record.exc_info[1] if record.exc_info else None
        cause = f" ({error})" if error else ""
        held_back = f"{held} more like it not logged; " if held else ""
        record.msg = f"{text.splitlines()[0]}{cause} ({held_back}logged at most once per {self.interval:g} s)"
        record.args = None
        record.exc_info = None
        record.exc_text = None
        return True
