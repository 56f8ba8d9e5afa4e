"""One JSON error body for every failure, and one table from error type to HTTP status.

Body: `{"error": {"status": 404, "code": "not_found", "message": "..."}}`. Messages are the
sentences our errors carry; an unexpected exception is logged and answered with a generic 500
body, never a stack trace.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.errors import (
    AccessDenied,
    ConfigError,
    GenerationError,
    GraphError,
    InvalidInput,
    LlmxError,
    NotFound,
    SearchIndexError,
    SourceError,
)
from services.accounts import AlreadyExists

log = logging.getLogger("llmx.api")


class Unauthenticated(LlmxError):
    """No credentials, or credentials that are unknown, expired or revoked."""


class RateLimited(LlmxError):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class GenerationTimeout(LlmxError):
    """An answer took longer than the configured limit."""


# Most specific first: the first isinstance match wins.
STATUS: tuple[tuple[type[Exception], int, str], ...] = (
    (Unauthenticated, 401, "unauthenticated"),
    (AccessDenied, 403, "forbidden"),
    (NotFound, 404, "not_found"),
    (AlreadyExists, 409, "conflict"),
    (RateLimited, 429, "rate_limited"),
    (InvalidInput, 422, "invalid_input"),
    (SourceError, 422, "invalid_source"),
    (GenerationTimeout, 504, "generation_timeout"),
    (GraphError, 503, "graph_unavailable"),
    (SearchIndexError, 503, "index_unavailable"),
    (GenerationError, 503, "model_unavailable"),
    (ConfigError, 500, "configuration_error"),
)
_HTTP_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type",
               422: "invalid_input", 429: "rate_limited"}  # fmt: skip


def error_body(status: int, code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"status": status, "code": code, "message": message, **extra}}


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_body(status, code, message), status_code=status, headers=headers)


def status_of(exc: Exception) -> tuple[int, str]:
    for kind, status, code in STATUS:
        if isinstance(exc, kind):
            return status, code
    return 500, "internal_error"


def install(app: FastAPI) -> None:
    @app.exception_handler(LlmxError)
    async def _llmx(_: Request, exc: LlmxError) -> JSONResponse:
        status, code = status_of(exc)
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
        if status == 401:
            headers = {"WWW-Authenticate": "Bearer"}
        if status >= 500:
            log.error("request failed: %s: %s", type(exc).__name__, exc)
        message = str(exc) if status < 500 or status in (503, 504) else "The server could not do this."
        return error_response(status, code, message, headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))[:200]}
            for e in exc.errors()[:20]
        ]
        body = error_body(422, "invalid_input", "The request is not valid.", details=details)
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "error")
        return error_response(exc.status_code, code, str(exc.detail), dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return error_response(500, "internal_error", "The server could not do this.")
