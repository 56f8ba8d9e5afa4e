"""The model catalog: list with filters, sort and pagination; one model; compare; a node's graph
neighbourhood. Reads go through services/catalog.py with the caller's access filter."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import ValidationError

from core.errors import InvalidInput
from services import catalog as catalog_service
from services.catalog import (
    Modality,
    ModelDetail,
    ModelFilters,
    ModelPage,
    Neighbourhood,
    NodeKind,
    Sort,
)  # fmt: skip

from ..authz import require
from ..deps import Ctx, CurrentUser

router = APIRouter(prefix="/v1", tags=["catalog"])
ID = Annotated[str, Path(min_length=1, max_length=300)]


@router.get("/models", dependencies=[Depends(require("catalog", "read"))])
def list_models(
    ctx: Ctx,
    caller: CurrentUser,
    q: Annotated[str | None, Query(max_length=200)] = None,
    org_id: Annotated[str | None, Query(max_length=200)] = None,
    open_weights: bool | None = None,
    min_context: Annotated[int | None, Query(ge=0, le=1_000_000_000)] = None,
    max_context: Annotated[int | None, Query(ge=0, le=1_000_000_000)] = None,
    min_parameters: Annotated[float | None, Query(ge=0, le=1e15)] = None,
    max_parameters: Annotated[float | None, Query(ge=0, le=1e15)] = None,
    released_after: date | None = None,
    released_before: date | None = None,
    license_id: Annotated[str | None, Query(max_length=200)] = None,
    input_modalities: Annotated[list[Modality] | None, Query(max_length=6)] = None,
    output_modalities: Annotated[list[Modality] | None, Query(max_length=6)] = None,
    max_input_price: Annotated[
        float | None, Query(ge=0, le=100_000, description="USD per 1M input tokens.")
    ] = None,
    benchmark_id: Annotated[str | None, Query(max_length=200)] = None,
    min_score: Annotated[float | None, Query(ge=0, le=100)] = None,
    sort: Sort = "name",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ModelPage:
    """The catalog, filtered (all filters together), sorted by a whitelisted key, one page at a time."""
    try:
        filters = ModelFilters(
            q=q, org_id=org_id, open_weights=open_weights, min_context=min_context, max_context=max_context,
            min_parameters=min_parameters, max_parameters=max_parameters, released_after=released_after,
            released_before=released_before, license_id=license_id, input_modalities=input_modalities or [],
            output_modalities=output_modalities or [], max_input_price=max_input_price,
            benchmark_id=benchmark_id, min_score=min_score,
        )  # fmt: skip
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "filters"
        raise InvalidInput(f"{where}: {first['msg']}") from exc
    return catalog_service.list_models(
        ctx, filters, access=caller.access, sort=sort, offset=offset, limit=limit
    )


@router.get("/models/{model_id}", dependencies=[Depends(require("catalog", "read"))])
def get_model(model_id: ID, ctx: Ctx, caller: CurrentUser) -> ModelDetail:
    """Facts with their sources, provenance records, benchmark scores, providers, lineage and news."""
    return catalog_service.get_model(ctx, model_id, access=caller.access)


@router.get("/compare", dependencies=[Depends(require("catalog", "read"))])
def compare(
    ids: Annotated[str, Query(min_length=3, max_length=2000, description="Comma-separated model ids.")],
    ctx: Ctx,
    caller: CurrentUser,
) -> list[ModelDetail]:
    return catalog_service.compare_models(ctx, ids.split(","), access=caller.access)


@router.get("/graph/{kind}/{node_id}", dependencies=[Depends(require("catalog", "read"))])
def graph(
    kind: NodeKind,
    node_id: ID,
    ctx: Ctx,
    caller: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
) -> Neighbourhood:
    """A node and its neighbours, for visualisation (chunks and source records are left out)."""
    return catalog_service.neighbourhood(ctx, kind, node_id, access=caller.access, limit=limit)
