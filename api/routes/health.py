"""Liveness, readiness, Prometheus metrics and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from core.errors import LlmxError
from kg import catalog_queries as C

from ..authz import require
from ..deps import Svc

router = APIRouter(tags=["health"])


@router.get("/healthz", dependencies=[Depends(require("health", "read"))])
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", dependencies=[Depends(require("health", "read"))])
def readyz(services: Svc) -> JSONResponse:
    """The graph answers and the indexes are open (the chat model loads on the first answer)."""
    checks: dict[str, Any] = {}
    try:
        services.ctx.store.read(C.MODELS_BY_NAME, **_ping_params())
        checks["graph"] = "ok"
    except LlmxError as exc:
        checks["graph"] = str(exc)[:200]
    try:
        checks["index_chunks"] = len(services.ctx.indexes)
    except (LlmxError, OSError, ValueError) as exc:
        checks["index_chunks"] = str(exc)[:200]
    ready = checks["graph"] == "ok" and isinstance(checks["index_chunks"], int)
    return JSONResponse(
        {"status": "ready" if ready else "not_ready", "checks": checks}, 200 if ready else 503
    )


def _ping_params() -> dict[str, Any]:
    return {**C.MODEL_FILTERS_UNSET, "classifications": ["public"], "tenants": [], "any_tenant": False,
            "offset": 0, "limit": 1}  # fmt: skip


@router.get("/metrics", dependencies=[Depends(require("metrics", "read"))])
def metrics(services: Svc) -> Response:
    return Response(generate_latest(services.metrics.registry), media_type=CONTENT_TYPE_LATEST)


@router.get("/openapi.json", dependencies=[Depends(require("openapi", "read"))], include_in_schema=False)
def openapi(request: Request) -> JSONResponse:
    return JSONResponse(request.app.openapi())
