"""ASGI middleware: the request body size limit, enforced while the body streams in (OWASP API4).

A pure ASGI middleware: a declared `Content-Length` over the limit is refused before any
byte is read; a body sent without one (chunked) is counted as it arrives and refused as
soon as it passes the limit, so an oversized body is never held in memory.
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DEFAULT_MAX_BODY_BYTES = 64 * 1024


def _too_large(max_bytes: int) -> str:
    return f"the request body is larger than {max_bytes // 1024} KB: send a shorter question or fewer history items"


class BodyTooLarge(HTTPException):
    """Raised inside `receive` when the streamed body passes the limit (FastAPI answers it with 413)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, detail=_too_large(max_bytes))


class BodySizeLimit:
    """Refuse request bodies over `max_bytes` with 413 and a JSON `detail`."""

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps({"detail": _too_large(self.max_bytes)}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
