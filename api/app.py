"""The app factory: `create_app(settings, ctx=None)` builds one FastAPI app with its services.

Middleware (outermost first): metrics and the request-size limit. Every route sits under `/v1`
(plus `/healthz`, `/readyz`, `/metrics`, `/openapi.json`) and declares `require(resource, action)`.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.settings import Settings, get_settings
from services.accounts import ensure_bootstrap_admin
from services.context import AppContext
from services.jobs import JobRunner
from services.state import StateDb

from . import errors
from .audit import AuditLog
from .auth import RateLimiter
from .authz import Authz
from .deps import Services, tenant_adapter
from .metrics import Metrics
from .routes import ROUTERS, chat, openai_compat

ADMIN_KEY_NAME = "admin.key"


class BodyLimit:
    """413 for a body over the limit, whether it declares its length or streams it."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await _send_error(send, 413, "payload_too_large", f"The body is over {self.max_bytes} bytes.")
            return
        if declared is not None:
            await self.app(scope, receive, send)
            return
        # No declared length (chunked): read up to the limit before the app sees anything.
        messages: list[Message] = []
        seen = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                await _send_error(send, 413, "payload_too_large", f"The body is over {self.max_bytes} bytes.")
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


async def _send_error(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps(errors.error_body(status, code, message)).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class RequestMetrics:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def tracked(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.requests.labels(route=route, method=scope["method"], status=str(status)).inc()
            self.metrics.latency.labels(route=route).observe(time.perf_counter() - started)


def build_services(settings: Settings, ctx: AppContext | None = None) -> Services:
    db = StateDb.open(settings)
    key_file = settings.api_dir / ADMIN_KEY_NAME
    ensure_bootstrap_admin(db, key_file, ttl_days=settings.api_key_ttl_days)
    context = ctx or AppContext(settings)
    return Services(
        settings=settings, ctx=context, db=db, authz=Authz(db),
        limiter=RateLimiter(settings.api_rate_limit_per_minute),
        audit=AuditLog(settings.log_dir / "audit.jsonl"), metrics=Metrics(), jobs=JobRunner(context, db, settings),
        admin_key_file=str(key_file),
    )  # fmt: skip


def create_app(settings: Settings, ctx: AppContext | None = None) -> FastAPI:
    """The API over `settings`; pass `ctx` to share a graph, indexes and models (tests do)."""
    services = build_services(settings, ctx)
    owns_ctx = ctx is None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        services.audit.close()
        if owns_ctx:
            services.ctx.close()

    app = FastAPI(
        title="LLMXplorer API", version="1", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None,
        description="The LLM knowledge graph, grounded answers and documents, behind API keys and Casbin RBAC.",
    )  # fmt: skip
    app.state.services = services
    errors.install(app)
    for router in ROUTERS:
        answers = router in (chat.router, openai_compat.router)
        app.include_router(router, dependencies=[Depends(tenant_adapter)] if answers else None)
    app.add_middleware(BodyLimit, max_bytes=settings.api_max_body_bytes)
    app.add_middleware(RequestMetrics, metrics=services.metrics)
    return app


def create_default_app() -> FastAPI:
    """For `uvicorn --factory api.app:create_default_app` (what `llmx serve` runs)."""
    return create_app(get_settings())


def iter_routes(app: FastAPI) -> Iterator[tuple[str, APIRoute]]:
    """Every API route with its full path, through included routers (FastAPI includes them lazily)."""

    def walk(routes: list[Any], prefix: str) -> Iterator[tuple[str, APIRoute]]:
        for route in routes:
            if isinstance(route, APIRoute):
                yield prefix + route.path, route
            elif hasattr(route, "original_router"):
                yield from walk(route.original_router.routes, prefix + route.include_context.prefix)
            elif isinstance(route, BaseRoute):
                raise TypeError(f"unexpected route {route!r}")

    yield from walk(list(app.router.routes), "")
