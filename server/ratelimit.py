"""Rate limiting per key, else per client address: a token bucket each (OWASP API4).

Each identity may make `rate` requests per second on average and `burst` in a row. A refused
request gets 429 with `Retry-After` (whole seconds until a token is back). Buckets live in the
process: with `--workers N` each worker keeps its own, so the limit a client sees is up to N
times higher. The table of buckets is bounded (least recently seen identities are dropped).
`server.deps.RateLimit` is the dependency that applies it to a route.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from fastapi import HTTPException, Request, status

MAX_IDENTITIES = 100_000


class RateLimiter:
    """Token buckets keyed by identity."""

    def __init__(
        self,
        rate: float,
        burst: int,
        max_identities: int = MAX_IDENTITIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.burst = burst
        self._max = max_identities
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # identity -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, identity: str) -> float:
        """Spend a token: 0.0 if allowed, else the seconds until one is available."""
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.pop(identity, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * self.rate)
            if tokens >= 1.0:
                self._buckets[identity] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._buckets[identity] = (tokens, now)
                wait = (1.0 - tokens) / self.rate
            while len(self._buckets) > self._max:
                self._buckets.popitem(last=False)
        return wait


def identity_of(request: Request, key: str | None) -> str:
    """A valid key's fingerprint (never the key itself), else the client's address."""
    if key:
        return "key:" + hashlib.sha256(key.encode()).hexdigest()[:16]
    return "address:" + (request.client.host if request.client else "unknown")


def is_loopback(request: Request) -> bool:
    """Whether the client is on this machine (127.0.0.1, ::1)."""
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def enforce(limiter: RateLimiter, identity: str) -> None:
    """429 with Retry-After when `identity` (see `identity_of`) has used up its requests."""
    wait = limiter.take(identity)
    if wait > 0:
        retry = max(1, math.ceil(wait))
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"too many requests: at most {limiter.rate:g} per second (bursts of {limiter.burst}) "
            f"per key or address; retry after {retry} s",
            headers={"Retry-After": str(retry)},
        )
