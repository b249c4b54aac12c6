"""Connections that cannot starve the server: a header-read timeout and the descriptor limit.

uvicorn's h11 protocol times out idle keep-alive connections only: a client that opens a
connection and sends its headers a byte at a time (slowloris) holds a file descriptor for as
long as it likes, and enough of them leave none for anyone else. `HeaderTimeoutProtocol` closes
a connection whose request headers are not complete `header_timeout` seconds after it opened (or,
on a kept-alive connection, after the next request's first bytes came).
"""

from __future__ import annotations

import asyncio
import logging
import resource
from functools import partial
from typing import Any, cast

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from server.settings import Settings

log = logging.getLogger("askreport.connections")


FD_RESERVE = 100  # descriptors kept for everything but connections: index files, SQLite, the model, logs
REFUSED = "connections refused: as many are open as descriptors allow"


class HeaderTimeoutProtocol(H11Protocol):
    """uvicorn's h11 protocol, closing connections whose request headers take over `header_timeout` s,
    and closing new connections at once while `max_connections` are open (so accept() never runs out of
    descriptors: Python's asyncio then logs and retries once for every connection waiting in the backlog)."""

    def __init__(self, *args: Any, header_timeout: float, max_connections: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = header_timeout
        self.max_connections = max_connections
        self._header_timer: asyncio.TimerHandle | None = None
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if len(self.connections) >= self.max_connections:
            self._refused = True
            self.transport = transport
            transport.abort()
            log.warning(REFUSED, extra={"open_connections": len(self.connections)})  # once per interval
            return
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.IDLE:  # a request's headers have begun but are not complete
            if self._header_timer is None:
                self._arm()
        else:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if not self._refused:
            super().connection_lost(exc)

    def _arm(self) -> None:
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()  # no response: the request never arrived (as nginx's client_header_timeout)


def guarded_protocol(header_timeout: float, descriptors: int) -> type[asyncio.Protocol]:
    """The `http` argument for uvicorn: it calls it like a protocol class (a partial also pickles to workers)."""
    protocol = partial(
        HeaderTimeoutProtocol, header_timeout=header_timeout, max_connections=max_connections(descriptors)
    )
    return cast(type[asyncio.Protocol], protocol)


def max_connections(descriptors: int) -> int:
    """Connections one process may hold with this many descriptors, leaving FD_RESERVE for the rest."""
    return max(16, descriptors - FD_RESERVE)


def raise_descriptor_limit() -> tuple[int, int]:
    """Raise the soft limit on open files to the hard limit (each connection holds one); (before, after)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft == hard:
        log.info("open-file limit: %d (the hard limit; raise it with `ulimit -Hn` or LimitNOFILE=)", soft)
        return soft, soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ValueError, OSError) as exc:
        log.warning("could not raise the open-file limit from %d to %d: %s", soft, hard, exc)
        return soft, soft
    log.info("raised the open-file limit from %d to %d (the hard limit)", soft, hard)
    return soft, hard


def uvicorn_options(settings: Settings, descriptors: int) -> dict[str, Any]:
    """How `askreport serve` runs uvicorn, in one process or as the supervisor of workers."""
    return {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,  # JSON lines (server.observability), in each worker too
        "proxy_headers": True,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
        # slow headers are cut off, connections beyond the descriptors closed at once (slowloris)
        "http": guarded_protocol(settings.header_timeout, descriptors),
        "limit_concurrency": settings.limit_concurrency or None,  # beyond it: 503, not an ever longer queue
    }
