"""News articles by model, organisation, topic and date range; only those the caller may read."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services import catalog as catalog_service
from services.catalog import NewsFilters, NewsItem

from ..authz import require
from ..deps import Ctx, CurrentUser

router = APIRouter(prefix="/v1", tags=["news"])


@router.get("/news", dependencies=[Depends(require("news", "read"))])
def news(
    ctx: Ctx,
    caller: CurrentUser,
    model_id: Annotated[str | None, Query(max_length=200)] = None,
    org_id: Annotated[str | None, Query(max_length=200)] = None,
    topic_id: Annotated[str | None, Query(max_length=200)] = None,
    since: date | None = None,
    until: date | None = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[NewsItem]:
    filters = NewsFilters(model_id=model_id, org_id=org_id, topic_id=topic_id, since=since, until=until)
    return catalog_service.list_news(ctx, filters, access=caller.access, offset=offset, limit=limit)
