"""Rows the ingestion jobs quarantined (reason and source key), for the admin page's job details.

Admins only (`quarantine:read`): a quarantined row carries no tenant or classification, so it is
not shown to anyone who cannot see every tenant's ingestion."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from services import catalog as catalog_service
from services.catalog import QuarantinePage

from ..authz import require
from ..deps import Ctx

router = APIRouter(prefix="/v1", tags=["quarantine"])


@router.get("/quarantine", dependencies=[Depends(require("quarantine", "read"))])
def quarantine(
    ctx: Ctx,
    kind: Literal["catalog", "news"] | None = None,
    since: Annotated[
        datetime | None, Query(description="Last seen by a run started at or after this.")
    ] = None,
    until: Annotated[
        datetime | None, Query(description="Last seen by a run started at or before this.")
    ] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> QuarantinePage:
    """Quarantined rows, newest run first; pass a job's `created_at`/`finished_at` for its own rows."""
    return catalog_service.list_quarantine(
        ctx, kind=kind, since=since, until=until, offset=offset, limit=limit
    )
