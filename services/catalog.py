"""Catalog and news reads for the API: list, get, compare, neighbourhood, news; every one filtered by
the caller's `AccessFilter` inside the graph query."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.access import AccessFilter
from core.errors import InvalidInput, NotFound
from kg import catalog_queries as C
from kg import news_queries as NQ

from .context import AppContext

Sort = Literal["name", "release_date", "context_length", "parameters", "input_price", "benchmark_score"]
Modality = Literal["text", "image", "audio", "video", "pdf", "file"]
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
    license_id: str | None = None
    input_usd_per_1m: float | None = Field(None, description="The cheapest provider's input price.")
    input_modalities: list[str] = Field(default_factory=list)
    benchmark_score: float | None = Field(None, description="The best score on the filtered benchmark.")


class ModelPage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[ModelSummary]


_ID = r"^[A-Za-z0-9][A-Za-z0-9._:/+-]*$"


class ModelFilters(BaseModel):
    """The explorer's filters; every one optional, all of them applied together (AND)."""

    model_config = ConfigDict(extra="forbid")

    q: str | None = Field(None, max_length=200, description="Part of the model's name or id.")
    org_id: str | None = Field(None, max_length=200, pattern=_ID)
    open_weights: bool | None = None
    min_context: int | None = Field(None, ge=0, le=1_000_000_000)
    max_context: int | None = Field(None, ge=0, le=1_000_000_000)
    min_parameters: float | None = Field(None, ge=0, le=1e15, description="Parameters, e.g. 7e9.")
    max_parameters: float | None = Field(None, ge=0, le=1e15)
    released_after: date | None = None
    released_before: date | None = None
    license_id: str | None = Field(None, max_length=200, pattern=_ID, description="e.g. apache-2.0, mit.")
    input_modalities: list[Modality] = Field(
        default_factory=list, max_length=6, description="All of these in."
    )
    output_modalities: list[Modality] = Field(
        default_factory=list, max_length=6, description="All of these out."
    )
    max_input_price: float | None = Field(
        None, ge=0, le=100_000, description="USD per 1M input tokens, on at least one provider."
    )
    benchmark_id: str | None = Field(None, max_length=200, pattern=_ID, description="Has a score on it.")
    min_score: float | None = Field(
        None, ge=0, le=100, description="With at least this score (needs benchmark_id)."
    )

    @model_validator(mode="after")
    def _consistent(self) -> ModelFilters:
        for low, high in (("min_context", "max_context"), ("min_parameters", "max_parameters"),
                          ("released_after", "released_before")):  # fmt: skip
            lo, hi = getattr(self, low), getattr(self, high)
            if lo is not None and hi is not None and lo > hi:
                raise ValueError(f"{low} is above {high}.")
        if self.min_score is not None and self.benchmark_id is None:
            raise ValueError("min_score needs benchmark_id.")
        return self

    def query_params(self) -> dict[str, Any]:
        q = self.q.strip().lower() if self.q and self.q.strip() else None
        # Dates stay dates: `release_date` is a graph Date, and a Date never equals ISO text.
        return {**C.MODEL_FILTERS_UNSET, **self.model_dump(exclude={"q"}), "q": q}


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


class TopicCount(BaseModel):
    id: str
    name: str | None = None
    kind: str | None = None
    articles: int = Field(description="How many of the articles mentioning the model discuss it.")


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
    topics: list[TopicCount] = Field(
        default_factory=list, description="Topics of the news that mentions the model, most discussed first."
    )


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


def list_models(
    ctx: AppContext, filters: ModelFilters, *, access: AccessFilter, sort: Sort = "name",
    offset: int = 0, limit: int = 50,
) -> ModelPage:  # fmt: skip
    offset, limit = _page(offset, limit)
    if sort not in C.MODEL_SORTS:
        raise InvalidInput(f"sort must be one of {', '.join(C.MODEL_SORTS)}.")
    if sort == "benchmark_score" and filters.benchmark_id is None:
        raise InvalidInput("sort=benchmark_score needs benchmark_id.")
    params = {**filters.query_params(), **access.query_params()}
    rows = ctx.store.read(C.MODEL_SORTS[sort], offset=offset, limit=limit, **params)
    if offset == 0 and len(rows) < limit:  # the whole match is on this page: no count to run
        total = len(rows)
    else:
        counted = ctx.store.read(C.COUNT_MODELS, **params)
        total = int(counted[0]["total"]) if counted else 0
    return ModelPage(
        total=total, offset=offset, limit=limit,
        items=[ModelSummary(**_summary(r)) for r in rows],
    )  # fmt: skip


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["input_modalities"] = sorted(out.get("input_modalities") or [])
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
    topics = store.read(NQ.MODEL_TOPICS, id=model_id, limit=50, **acl)
    return ModelDetail(
        id=model_id, name=props.get("name"), organization=row["organization"], org_id=row["org_id"],
        license=row["license"], license_id=row["license_id"], facts=_scalar_facts(props),
        input_modalities=sorted(row["input_modalities"] or []),
        output_modalities=sorted(row["output_modalities"] or []),
        provenance=sorted((Provenance(**p) for p in row["records"] or []), key=lambda p: (p.rank or 0)),
        benchmarks=[Score(**b) for b in benchmarks], providers=[Offer(**p) for p in providers],
        lineage=[Relative(**r) for r in lineage], news=news, topics=[TopicCount(**t) for t in topics],
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


# -- quarantined rows of the ingestion jobs ---------------------------------------------------------
class QuarantinedRow(BaseModel):
    id: str
    source: str | None = None
    key: str | None = Field(None, description="The row's key in its source (model id, article id...).")
    reason: str | None = None
    first_seen: str | None = None
    last_seen: str | None = None


class QuarantinePage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[QuarantinedRow]


def list_quarantine(
    ctx: AppContext, *, kind: Literal["catalog", "news"] | None = None, since: datetime | None = None,
    until: datetime | None = None, offset: int = 0, limit: int = 50,
) -> QuarantinePage:  # fmt: skip
    """Rows the ingestion jobs could not convert, with their reason; `since`/`until` bound the run
    that last saw them (a job's start and end pick out its own rows)."""
    offset, limit = _page(offset, limit)
    if since and until and since > until:
        raise InvalidInput("since is after until.")
    params = {
        "news": None if kind is None else kind == "news", "since": _stamp(since), "until": _stamp(until),
    }  # fmt: skip
    rows = ctx.store.read(C.QUARANTINE_ROWS, offset=offset, limit=limit, **params)
    total = ctx.store.read(C.COUNT_QUARANTINE, **params)
    return QuarantinePage(
        total=int(total[0]["total"]) if total else 0, offset=offset, limit=limit,
        items=[QuarantinedRow(**{k: (None if v is None else str(v)) for k, v in r.items()}) for r in rows],
    )  # fmt: skip


def _stamp(moment: datetime | None) -> str | None:
    """The jobs write `last_seen` as UTC ISO text to the second; compare like with like."""
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds")
