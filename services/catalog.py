"""Catalog and news reads for the API: list, get, compare, neighbourhood, news; every one filtered by
the caller's `AccessFilter` inside the graph query."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

from core.access import AccessFilter
from core.errors import InvalidInput, NotFound
from kg import catalog_queries as C

from .context import AppContext

Sort = Literal["name", "release_date", "context_length"]
NodeKind = Literal[
    "model", "organization", "article", "topic", "license", "benchmark", "provider", "document"
]
MAX_PAGE = 200


class ModelSummary(BaseModel):
    id: str
    name: str | None = None
    org_id: str | None = None
    organization: str | None = None
    family: str | None = None
    release_date: str | None = None
    context_length: int | None = None
    open_weights: bool | None = None
    parameters: int | float | None = None


class ModelPage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[ModelSummary]


class ModelFilters(BaseModel):
    q: str | None = Field(None, max_length=200, description="Part of the model's name or id.")
    org_id: str | None = Field(None, max_length=200)
    open_weights: bool | None = None
    min_context: int | None = Field(None, ge=0)
    released_after: date | None = None
    released_before: date | None = None


class Provenance(BaseModel):
    source: str | None = None
    url: str | None = None
    rank: int | None = None


class Score(BaseModel):
    benchmark_id: str
    benchmark: str | None = None
    score: float | None = None
    source: str | None = None
    self_reported: bool | None = None


class Offer(BaseModel):
    provider_id: str
    provider: str | None = None
    input_usd_per_1m: float | None = None
    output_usd_per_1m: float | None = None
    max_input_tokens: int | None = None
    source: str | None = None


class Relative(BaseModel):
    direction: Literal["parent", "child"]
    relation: str
    id: str
    name: str | None = None


class NewsItem(BaseModel):
    id: str
    title: str | None = None
    url: str | None = None
    published: str | None = None
    source: str | None = None
    summary: str | None = None
    classification: str
    tenant: str | None = None
    sentiment: float | None = None  # VADER compound score of title + summary, -1..1
    sentiment_label: str | None = None
    topics: list[str] = Field(default_factory=list)


class ModelDetail(BaseModel):
    id: str
    name: str | None = None
    organization: str | None = None
    org_id: str | None = None
    license: str | None = None
    license_id: str | None = None
    facts: dict[str, Any] = Field(description="Every scalar fact of the model, with its `<field>_source`.")
    input_modalities: list[str]
    output_modalities: list[str]
    provenance: list[Provenance]
    benchmarks: list[Score]
    providers: list[Offer]
    lineage: list[Relative]
    news: list[NewsItem]


class Neighbour(BaseModel):
    id: str
    kind: str
    label: str | None = None
    relation: str
    outgoing: bool | None = None


class Neighbourhood(BaseModel):
    id: str
    kind: str
    label: str | None = None
    neighbours: list[Neighbour]


class NewsFilters(BaseModel):
    model_id: str | None = Field(None, max_length=200)
    org_id: str | None = Field(None, max_length=200)
    topic_id: str | None = Field(None, max_length=200)
    since: date | None = None
    until: date | None = None


def _page(offset: int, limit: int) -> tuple[int, int]:
    if offset < 0 or not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"offset must be >= 0 and limit between 1 and {MAX_PAGE}.")
    return offset, limit


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def list_models(
    ctx: AppContext, filters: ModelFilters, *, access: AccessFilter, sort: Sort = "name",
    offset: int = 0, limit: int = 50,
) -> ModelPage:  # fmt: skip
    offset, limit = _page(offset, limit)
    if sort not in C.MODEL_SORTS:
        raise InvalidInput(f"sort must be one of {', '.join(C.MODEL_SORTS)}.")
    params = {
        "q": filters.q.strip().lower() if filters.q and filters.q.strip() else None,
        "org_id": filters.org_id, "open_weights": filters.open_weights, "min_context": filters.min_context,
        "released_after": _iso(filters.released_after), "released_before": _iso(filters.released_before),
        **access.query_params(),
    }  # fmt: skip
    rows = ctx.store.read(C.MODEL_SORTS[sort], offset=offset, limit=limit, **params)
    total = ctx.store.read(C.COUNT_MODELS, **params)
    return ModelPage(
        total=int(total[0]["total"]) if total else 0, offset=offset, limit=limit,
        items=[ModelSummary(**_summary(r)) for r in rows],
    )  # fmt: skip


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    if out.get("release_date") is not None:
        out["release_date"] = str(out["release_date"])
    return out


def _scalar_facts(props: dict[str, Any]) -> dict[str, Any]:
    hidden = {"content_hash", "id", "name", "classification", "tenant"}
    return {
        k: (str(v) if hasattr(v, "isoformat") else v)
        for k, v in sorted(props.items())
        if k not in hidden and not isinstance(v, dict)
    }


def get_model(ctx: AppContext, model_id: str, *, access: AccessFilter, news_limit: int = 10) -> ModelDetail:
    acl = access.query_params()
    rows = ctx.store.read(C.MODEL_DETAIL, id=model_id, **acl)
    if not rows:
        raise NotFound(f"No model {model_id!r}.")
    row = rows[0]
    props = dict(row["model"] or {})
    store = ctx.store
    benchmarks = store.read(C.MODEL_BENCHMARKS, id=model_id, limit=200, **acl)
    providers = store.read(C.MODEL_PROVIDERS, id=model_id, limit=200, **acl)
    lineage = store.read(C.MODEL_LINEAGE, id=model_id, limit=50, **acl)
    news = list_news(ctx, NewsFilters(model_id=model_id), access=access, limit=news_limit)
    return ModelDetail(
        id=model_id, name=props.get("name"), organization=row["organization"], org_id=row["org_id"],
        license=row["license"], license_id=row["license_id"], facts=_scalar_facts(props),
        input_modalities=sorted(row["input_modalities"] or []),
        output_modalities=sorted(row["output_modalities"] or []),
        provenance=sorted((Provenance(**p) for p in row["records"] or []), key=lambda p: (p.rank or 0)),
        benchmarks=[Score(**b) for b in benchmarks], providers=[Offer(**p) for p in providers],
        lineage=[Relative(**r) for r in lineage], news=news,
    )  # fmt: skip


def compare_models(ctx: AppContext, model_ids: list[str], *, access: AccessFilter) -> list[ModelDetail]:
    ids = list(dict.fromkeys(i.strip() for i in model_ids if i.strip()))
    if not 2 <= len(ids) <= 10:
        raise InvalidInput("Compare takes 2 to 10 distinct model ids.")
    return [get_model(ctx, i, access=access, news_limit=3) for i in ids]


def neighbourhood(
    ctx: AppContext, kind: NodeKind, node_id: str, *, access: AccessFilter, limit: int = 100
) -> Neighbourhood:
    query = C.NEIGHBOURHOOD.get(kind)
    if query is None:
        raise InvalidInput(f"kind must be one of {', '.join(C.NEIGHBOURHOOD)}.")
    _page(0, limit)
    rows = ctx.store.read(query, id=node_id, limit=limit, **access.query_params())
    if not rows:
        raise NotFound(f"No {kind} {node_id!r}.")
    row = rows[0]
    return Neighbourhood(
        id=row["id"], kind=row["kind"], label=row["label"],
        neighbours=[Neighbour(**n) for n in row["neighbours"] if n],
    )  # fmt: skip


def _instant(day: date | None, *, next_day: bool = False) -> datetime | None:
    """Articles carry a UTC datetime; `until` includes its whole day."""
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=1) if next_day else day, time(), UTC)


def list_news(
    ctx: AppContext, filters: NewsFilters, *, access: AccessFilter, offset: int = 0, limit: int = 50
) -> list[NewsItem]:
    offset, limit = _page(offset, limit)
    rows = ctx.store.read(
        C.NEWS_LIST, model_id=filters.model_id, org_id=filters.org_id, topic_id=filters.topic_id,
        since=_instant(filters.since), until=_instant(filters.until, next_day=True), offset=offset, limit=limit,
        **access.query_params(),
    )  # fmt: skip
    return [NewsItem(**{**r, "published": str(r["published"]) if r["published"] else None}) for r in rows]
