"""Hybrid retrieval only: the fused, permission-filtered evidence, best first, without an answer."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from services.chat import SearchHit, search_hits

from ..authz import require
from ..deps import CurrentUser, Svc
from ._common import monitor

router = APIRouter(prefix="/v1", tags=["search"])


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=2000)
    k: int = Field(8, ge=1, le=50)


class SearchResponse(BaseModel):
    query: str
    hits: list[SearchHit]


@router.post("/search", dependencies=[Depends(require("search", "query"))])
async def search(body: SearchRequest, services: Svc, caller: CurrentUser) -> SearchResponse:
    monitor(services, caller, "/v1/search", body.query)
    hits = await run_in_threadpool(search_hits, services.ctx, body.query, access=caller.access, k=body.k)
    return SearchResponse(query=body.query, hits=hits)
