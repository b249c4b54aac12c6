"""Turn library errors and invalid requests into JSON responses with a helpful `detail`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from indexer import (
    AskreportError,
    BuildInProgressError,
    DocumentNotFoundError,
    IndexCorruptError,
    IndexMismatchError,
    IndexNotFoundError,
)

STATUS_BY_ERROR: dict[type[AskreportError], int] = {
    DocumentNotFoundError: 404,
    BuildInProgressError: 409,
    IndexNotFoundError: 503,
    IndexCorruptError: 503,
    IndexMismatchError: 503,
}


def status_for(exc: AskreportError) -> int:
    for kind, status in STATUS_BY_ERROR.items():
        if isinstance(exc, kind):
            return status
    return 500


async def askreport_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, AskreportError):  # registered for AskreportError only
        raise exc
    return JSONResponse({"detail": str(exc)}, status_code=status_for(exc))


def _describe(error: Mapping[str, Any]) -> str:
    if error.get("type") == "json_invalid":
        return 'the request body is not valid JSON: send an object such as {"question": "...", "k": 5}'
    loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
    where = ".".join(loc) or "request body"
    msg = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"{where}: {msg}"


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, RequestValidationError):
        raise exc
    errors = list(exc.errors())
    detail = "; ".join(_describe(e) for e in errors)
    fields = [{"field": ".".join(map(str, e.get("loc", ())[1:])), "message": e.get("msg")} for e in errors]
    return JSONResponse({"detail": detail, "errors": fields}, status_code=422)


def register(app: FastAPI) -> None:
    app.add_exception_handler(AskreportError, askreport_error)
    app.add_exception_handler(RequestValidationError, validation_error)
