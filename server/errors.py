"""Turn library errors and invalid requests into JSON responses with a helpful `detail`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from indexer import (
    AskreportError,
    BuildInProgressError,
    ConversationLimitError,
    ConversationStoreUnavailableError,
    DocumentNotFoundError,
    IndexCorruptError,
    IndexMismatchError,
    IndexNotFoundError,
    IndexWriteError,
)
from server.schemas import MAX_K, ErrorOut, FieldErrorOut, ValidationErrorOut

STATUS_BY_ERROR: dict[type[AskreportError], int] = {
    DocumentNotFoundError: 404,
    BuildInProgressError: 409,
    ConversationLimitError: 429,
    IndexNotFoundError: 503,
    IndexCorruptError: 503,
    IndexMismatchError: 503,
    IndexWriteError: 503,  # the server's own disk: a full or read-only index directory
    ConversationStoreUnavailableError: 503,
}


def status_for(exc: AskreportError) -> int:
    for kind, status in STATUS_BY_ERROR.items():
        if isinstance(exc, kind):
            return status
    return 500


async def askreport_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, AskreportError):  # registered for AskreportError only
        raise exc
    # a conversation over a limit: retry when the oldest one expires
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, ConversationLimitError) else None
    return JSONResponse({"detail": str(exc)}, status_code=status_for(exc), headers=headers)


NOT_JSON = 'the request body is not valid JSON{reason}: send an object such as {{"question": "...", "k": 5}}'
K_RANGE = f"an integer from 1 to {MAX_K}"
# what a number too long to parse should have been, by field (k is the only integer of a JSON body)
NUMBER_BOUNDS = {"k": K_RANGE, "start": "an offset into the document", "end": "an offset into the document"}


def _describe(error: Mapping[str, Any]) -> str:
    if error.get("type") == "json_invalid":
        return NOT_JSON.format(reason="")
    loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
    where = ".".join(loc) or "request body"
    if error.get("type") == "int_parsing_size":
        return f"{where}: the number has too many digits: send {NUMBER_BOUNDS.get(where, 'a shorter integer')}"
    msg = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"{where}: {msg}"


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, RequestValidationError):
        raise exc
    errors = list(exc.errors())
    body = ValidationErrorOut(
        detail="; ".join(_describe(e) for e in errors),
        errors=[
            FieldErrorOut(field=".".join(map(str, e.get("loc", ())[1:])), message=str(e.get("msg", "invalid value")))
            for e in errors
        ],
    )
    return JSONResponse(body.model_dump(), status_code=422)


async def http_error(request: Request, exc: Exception) -> Response:
    """FastAPI's answer, except for a body `json.loads` cannot even decode: that is invalid JSON too (422).

    FastAPI answers a body that is not UTF-8, nested too deeply or holding a number of thousands of digits
    with a bare 400 "There was an error
    parsing the body", which neither the schema documents nor says what to change.
    """
    if not isinstance(exc, StarletteHTTPException):  # registered for HTTPException only
        raise exc
    cause = exc.__cause__
    if exc.status_code != 400 or not isinstance(cause, ValueError | RecursionError):
        return await http_exception_handler(request, exc)
    if not isinstance(cause, UnicodeDecodeError | RecursionError) and "integer string conversion" not in str(cause):
        return await http_exception_handler(request, exc)
    if isinstance(cause, UnicodeDecodeError | RecursionError):
        reason = " (it is not UTF-8 text)" if isinstance(cause, UnicodeDecodeError) else " (it is nested too deeply)"
        body = ValidationErrorOut(
            detail=NOT_JSON.format(reason=reason), errors=[FieldErrorOut(field="", message="JSON decode error")]
        )
    else:  # json.loads refuses integers of over 4,300 digits (sys.get_int_max_str_digits) with a ValueError
        body = ValidationErrorOut(
            detail=f"a number in the request body has too many digits to read: k must be {K_RANGE}",
            errors=[FieldErrorOut(field="k", message="number has too many digits")],
        )
    return JSONResponse(body.model_dump(), status_code=422)


ERROR_DESCRIPTIONS: dict[int, str] = {
    401: "A key is needed and none, or a wrong one, was sent: send it as `Authorization: Bearer <key>`.",
    403: "The key sent is not allowed here.",
    404: "No document with this id in the served index.",
    409: "A build is already running; `GET /api/index` shows when it ends.",
    413: "The request body is larger than `ASKREPORT_MAX_BODY_KB`; send a shorter question or fewer history items.",
    422: "The request does not match the API; `detail` says what to change.",
    429: "Too many requests from this key or address; retry after `Retry-After` seconds.",
    503: "No index is loaded (none built yet, or built with another model); `detail` says what to do.",
}
_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}},
    429: {
        "Retry-After": {
            "description": "Seconds to wait before the next request.",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        }
    },
}


def error_responses(*statuses: int, described: Mapping[int, str] | None = None) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the error statuses a route may answer with, each a JSON body with a `detail`.

    `described` replaces the generic description of a status where the route knows better.
    """
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        model = ValidationErrorOut if status == 422 else ErrorOut
        response: dict[str, Any] = {"model": model, "description": {**ERROR_DESCRIPTIONS, **(described or {})}[status]}
        if status in _HEADERS:
            response["headers"] = _HEADERS[status]
        out[status] = response
    return out


def register(app: FastAPI) -> None:
    app.add_exception_handler(AskreportError, askreport_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
