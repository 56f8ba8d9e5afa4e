"""Graph facts for an analysed question: one vetted template per family, each row a cited sentence.

Fact ids are stable `FactId`s (`fact:<model_id>:<attribute>`, `fact:<model_id>:score:<benchmark_id>`,
`fact:<child>:fine_tuned_from:<parent>`, `fact:org:<org_id>`, `fact:count:...`), so the grounding
check and the evaluation can compare them across runs. `Evidence.value` holds the exact graph value.
Which attributes exist, where each lives in the graph and how its fact reads: `core.attributes`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from typing import Any

from core import attributes as registry
from core.access import AccessFilter
from kg import qa_queries as Q
from kg.store import GraphStore, Row
from rag.contracts import Condition, Filters, QueryPlan
from rag.plan import PlanRunner
from rag.qa import Evidence, FactId, QuestionAnalysis, RetrievalResult, Retriever
from rag.question import DEFAULT_LIMIT, MAX_LIMIT, QuestionAnalyzer


def overview() -> list[str]:
    """What an attribute question with no attribute word ("tell me about X") shows, in this order."""
    return [a.name for a in registry.all_attributes() if a.overview]


def compared() -> list[str]:
    """What a comparison shows when it names no attribute."""
    return [a.name for a in registry.all_attributes() if a.compared]


def access_params(access: AccessFilter) -> dict[str, Any]:
    """The template parameters of an AccessFilter (see the rules in kg/qa_queries.py)."""
    return {
        "classifications": sorted(access.classifications),
        "tenants": sorted(access.tenants or ()),
        "any_tenant": access.tenants is None,
    }


def plain(value: Any) -> Any:
    """Graph temporal values as ISO strings, everything else as it is."""
    if hasattr(value, "iso_format"):
        return value.iso_format()
    return value


def _day(value: Any) -> str | None:
    return str(plain(value))[:10] if value is not None else None


def _cited(text: str, source: str | None) -> str:
    return f"{text} (source: {source})." if source else f"{text}."


class GraphRetriever(Retriever):
    """Runs the template of the analysed family; never builds Cypher from the question."""

    def __init__(
        self, store: GraphStore, analyzer: QuestionAnalyzer, *, min_news_confidence: float = 0.5
    ) -> None:
        self.store = store
        self.analyzer = analyzer
        self.min_news_confidence = min_news_confidence
        self._families: dict[str, Callable[[QuestionAnalysis, dict[str, Any], int], list[Evidence]]] = {
            "attribute": self._attribute, "compare": self._attribute, "list": self._list, "count": self._count,
            "rank": self._rank, "lineage": self._lineage, "organization": self._organization,
            "news": self._news, "topic": self._topic,
        }  # fmt: skip

    def search(
        self, question: str, *, k: int = 8, access: AccessFilter, history: Sequence[str] = ()
    ) -> RetrievalResult:
        started = time.perf_counter()
        analysis = self.analyzer.analyze(question, history)
        analysed = time.perf_counter()
        evidence = self.retrieve(analysis, k=k, access=access)
        timings = {"analyze": (analysed - started) * 1000, "graph": (time.perf_counter() - analysed) * 1000}
        return RetrievalResult(question, analysis, evidence, timings)

    def retrieve(self, analysis: QuestionAnalysis, *, k: int, access: AccessFilter) -> list[Evidence]:
        """Evidence for an analysis made elsewhere (the hybrid retriever analyses once)."""
        handler = self._families.get(analysis.family)
        if analysis.plan is not None and analysis.family in ("list", "count"):
            handler = self._plan
        if handler is None:
            return []
        limit = min(MAX_LIMIT, max(k, analysis.slots.limit or 0))
        unique: dict[str, Evidence] = {}
        for e in handler(analysis, access_params(access), limit):
            unique.setdefault(e.id, e)  # the first occurrence keeps its place
        return list(unique.values())[:limit]

    def _read(self, analysis: QuestionAnalysis, name: str, **params: Any) -> list[Row]:
        analysis.template = analysis.template or name
        return self.store.read(Q.TEMPLATES[name], **params)

    # -- attribute / compare ------------------------------------------------------------------
    def _attribute(self, analysis: QuestionAnalysis, acc: dict[str, Any], limit: int) -> list[Evidence]:
        """The asked attributes first (for every model), then the model's other key facts as context."""
        slots = analysis.slots
        ids, wanted = slots.model_ids, list(slots.attributes)
        analysis.template = registry.get(wanted[0]).template if wanted else "MODEL_FACTS"
        rows = self._read(analysis, "MODEL_FACTS", model_ids=ids, limit=len(ids), **acc)
        extra = overview() if analysis.family == "attribute" else compared()
        out: list[Evidence] = []
        for name in [*wanted, *(a for a in extra if a not in wanted)]:
            template = registry.get(name).template
            if template == "MODEL_SCORES":
                out += self._scores(analysis, acc, ids, slots.benchmark_id, limit)
            elif template == "MODEL_PRICES":
                out += self._prices(analysis, acc, ids, limit)
            else:
                out += [fact for row in rows if (fact := model_fact(row, name)) is not None]
        return out

    def _scores(self, analysis: QuestionAnalysis, acc: dict[str, Any], ids: list[str], benchmark: str | None,
                limit: int) -> list[Evidence]:  # fmt: skip
        rows = self._read(analysis, "MODEL_SCORES", model_ids=ids, benchmark_id=benchmark, limit=limit, **acc)
        return [score_fact(r) for r in rows]

    def _prices(
        self, analysis: QuestionAnalysis, acc: dict[str, Any], ids: list[str], limit: int
    ) -> list[Evidence]:
        rows = self._read(analysis, "MODEL_PRICES", model_ids=ids, limit=limit * 3, **acc)
        return [price_fact(r) for r in rows]

    # -- list / count / rank ----------------------------------------------------------------------
    def _filter_params(self, analysis: QuestionAnalysis) -> dict[str, Any]:
        f = analysis.slots.filters
        return {
            "open_weights": f.open_weights, "reasoning": f.reasoning, "min_context": f.min_context,
            "org_id": f.org, "modality": f.modality, "license_id": f.license,
            "released_after": f.released_after, "released_before": f.released_before,
        }  # fmt: skip

    def _list(self, analysis: QuestionAnalysis, acc: dict[str, Any], limit: int) -> list[Evidence]:
        params = self._filter_params(analysis)
        rows = self._read(analysis, "MODELS_BY_FILTERS", by_context=params["min_context"] is not None,
                          limit=limit, **params, **acc)  # fmt: skip
        return [list_fact(r) for r in rows]

    def _count(self, analysis: QuestionAnalysis, acc: dict[str, Any], limit: int) -> list[Evidence]:
        params = self._filter_params(analysis)
        described = describe_filters(analysis.slots.filters)
        if analysis.slots.group_by == "organization":
            rows = self._read(analysis, "MODELS_PER_ORGANIZATION", limit=limit, **params, **acc)
            return [Evidence(kind="fact", id=str(FactId.count(r["org_id"], _signature(analysis, "org"))),
                             text=f"{r['org_name']} has {r['models']} models in the catalog{described}.",
                             value=r["models"], source="catalog") for r in rows]  # fmt: skip
        n = self._read(analysis, "COUNT_MODELS", **params, **acc)[0]["models"]
        fact = Evidence(kind="fact", id=str(FactId.count(None, _signature(analysis))), value=n, source="catalog",
                        text=f"The catalog has {n} models{described}.")  # fmt: skip
        return [fact, *self._list(analysis, acc, limit - 1)]

    def _rank(self, analysis: QuestionAnalysis, acc: dict[str, Any], limit: int) -> list[Evidence]:
        rows = self._read(analysis, "RANK_BY_BENCHMARK", benchmark_id=analysis.slots.benchmark_id,
                          limit=limit, **self._filter_params(analysis), **acc)  # fmt: skip
        return [score_fact(r, rank=i) for i, r in enumerate(rows, 1)]

    def _plan(self, analysis: QuestionAnalysis, acc: dict[str, Any], limit: int) -> list[Evidence]:
        """A query plan compiled from kg.plan_queries' building blocks: filters, sort, limit, count."""
        plan = analysis.plan
        assert plan is not None
        analysis.template = "PLAN"
        rows = PlanRunner(self.store).run(plan, acc)
        if plan.group_by is not None:
            return [group_fact(plan, r, _signature(analysis)) for r in rows]
        if plan.aggregation == "count":
            n = rows[0]["models"] if rows else 0
            described = describe_filters(plan.filters) + "".join(
                ", " + describe_condition(c) for c in plan.conditions
            )
            signature = ",".join([*(f"{c.attribute}{c.op}{c.value}" for c in plan.conditions),
                                  _signature(analysis) or ""]).strip(",")  # fmt: skip
            return [Evidence(kind="fact", id=str(FactId.count(None, signature or None)), value=n, source="catalog",
                             text=f"The catalog has {n} models{described}.")]  # fmt: skip
        return [plan_fact(r, plan.sort.attribute if plan.sort else None) for r in rows[: plan.limit]]

    # -- lineage / organisation -----------------------------------------------------------------
    def _lineage(self, analysis: QuestionAnalysis, acc: dict[str, Any], limit: int) -> list[Evidence]:
        rows = self._read(analysis, "LINEAGE", model_ids=analysis.slots.model_ids, limit=limit, **acc)
        if direction := analysis.slots.lineage_direction:  # asked for parents: children do not answer
            rows = [r for r in rows if r["direction"] == direction]
        rows.sort(key=lambda r: len(r["relations"]))  # direct parents and children first
        out = []
        for r in rows:
            for i, relation in enumerate(r["relations"]):
                child, parent = (r["names"][i], r["names"][i + 1])
                verb = "was fine-tuned from" if relation == "FINE_TUNED_FROM" else "is based on"
                source = ", ".join(r["sources"][i] or [])
                out.append(Evidence(kind="fact", id=str(FactId.model_fact(r["ids"][i], relation.lower(), r["ids"][i + 1])),
                                    text=_cited(f"{child} {verb} {parent}", source), value=r["ids"][i + 1],
                                    source=source or None, url=r["urls"][i]))  # fmt: skip
        return out

    def _organization(self, analysis: QuestionAnalysis, acc: dict[str, Any], limit: int) -> list[Evidence]:
        org_id = analysis.slots.org_id
        if org_id is None:  # a follow-up carried the family over without an organisation
            return []
        out = []
        for r in self._read(analysis, "ORGANIZATION_FACTS", org_id=org_id, **acc):
            kind = f"a {r['kind']}" if r["kind"] else "an organisation"
            where = f" based in {r['country']}" if r["country"] else ""
            site = f", website {r['website']}" if r["website"] else ""
            text = (f"{r['name']} is {kind}{where}{site}. The catalog lists {r['models']} of its models, "
                    f"{r['open_weight_models']} with open weights; the latest was released {_day(r['latest_release'])}")  # fmt: skip
            value = {
                k: plain(r[k]) for k in ("name", "country", "kind", "website", "models", "open_weight_models")
            }
            out.append(Evidence(kind="fact", id=str(FactId.org(org_id)), text=_cited(text, "catalog"), value=value,
                                source="catalog", url=r["website"]))  # fmt: skip
        for r in self._read(analysis, "ORGANIZATION_MODELS", org_id=org_id, limit=limit, **acc):
            source = ", ".join(r["sources"] or [])
            text = f"{r['model_name']} was developed by {r['org_name']} (released {_day(r['release_date'])})"
            out.append(Evidence(kind="fact", id=str(FactId.model_fact(r["model_id"], "developer")), text=_cited(text, source),
                                value=r["org_name"], source=source or None, url=r["url"]))  # fmt: skip
        return out

    # -- news / topic ---------------------------------------------------------------------------
    def _dates(self, analysis: QuestionAnalysis) -> dict[str, datetime | None]:
        start, end = analysis.slots.date_from, analysis.slots.date_to
        return {
            "since": datetime.combine(start, dtime(), UTC) if start else None,
            "until": datetime.combine(end + timedelta(days=1), dtime(), UTC) if end else None,
        }

    def _news(self, analysis: QuestionAnalysis, acc: dict[str, Any], limit: int) -> list[Evidence]:
        slots = analysis.slots
        if not slots.model_ids and not slots.org_ids:
            rows = self._read(analysis, "NEWS_ABOUT_TOPIC", topic_id=slots.topic_id, limit=limit,
                              **self._dates(analysis), **acc)  # fmt: skip
        else:
            rows = self._read(analysis, "NEWS_ABOUT_ENTITIES", model_ids=slots.model_ids, org_ids=slots.org_ids,
                              topic_id=slots.topic_id, min_confidence=self.min_news_confidence, limit=limit,
                              **self._dates(analysis), **acc)  # fmt: skip
        return [article_evidence(r) for r in rows]

    def _topic(self, analysis: QuestionAnalysis, acc: dict[str, Any], limit: int) -> list[Evidence]:
        topic = analysis.slots.topic_id
        dates = self._dates(analysis)
        org = analysis.slots.org_id
        rows = self._read(analysis, "MODELS_WITH_TOPIC", topic_id=topic, org_id=org,
                          min_confidence=self.min_news_confidence, limit=limit, **dates, **acc)  # fmt: skip
        out = []
        for r in rows:
            text = (f"{r['model_name']} is mentioned in {r['articles']} articles about {r['topic_name']} "
                    f"({_day(r['first'])} to {_day(r['last'])})")  # fmt: skip
            out.append(Evidence(kind="fact", id=str(FactId.topic(str(topic), r["model_id"])), text=_cited(text, "news"),
                                value=r["articles"], source="news", date=_day(r["last"])))  # fmt: skip
        articles = self.store.read(Q.NEWS_ABOUT_TOPIC, topic_id=topic, limit=limit, **dates, **acc)
        return out + [article_evidence(r) for r in articles]


# -- rendering: one sentence per row, the exact value beside it -----------------------------------
def _record_url(row: Row, source: str | None) -> str | None:
    records = sorted(row.get("records") or [], key=lambda r: r.get("rank") or 0)
    return next((r["url"] for r in records if r["source"] == source and r.get("url")), None)


def model_fact(row: Row, attribute: str) -> Evidence | None:
    """The fact `fact:<model_id>:<attribute>` of one MODEL_FACTS row, or None if the attribute is not
    read from the model's node and edges (a score, a price) or is unknown."""
    spec = registry.ATTRIBUTES.get(attribute)
    if spec is None or spec.template != "MODEL_FACTS" or spec.sentence is None:
        return None
    m = row["model"]
    name = m.get("name") or m["id"]
    source: str | None = m.get(f"{spec.graph_property or attribute}_source")
    url = _record_url(row, source)
    if spec.relation:  # the value is the name of the edge's target, with the edge's provenance
        rel = spec.relation
        value: Any = row[f"{rel}_name"]
        source = ", ".join(row[f"{rel}_sources"] or []) or None
        # A licence cites its own page or none; a developer falls back to the model's source record.
        url = row[f"{rel}_url"] or (url if rel == "org" else None)
    elif spec.value is not None:
        value = spec.value(m)
    else:
        value = plain(m.get(spec.graph_property or attribute))
    text = spec.phrase(name, value, row)
    return Evidence(kind="fact", id=str(FactId.model_fact(m["id"], spec.fact_part)), text=_cited(text, source),
                    value=value, source=source, url=url, classification=m.get("classification") or "public")  # fmt: skip


_SCORE_PART = registry.get("benchmark_score").fact_part


def score_fact(r: Row, rank: int | None = None) -> Evidence:
    where = f", rank {rank} among the models with a score" if rank else ""
    how = ", self-reported" if r.get("self_reported") else ""
    text = f"{r['model_name']} scores {r['score']:g} on {r['benchmark_name']}{where}"
    return Evidence(kind="fact", id=str(FactId.model_fact(r["model_id"], _SCORE_PART, r["benchmark_id"])), text=_cited(text, f"{r['source']}{how}"),
                    value=r["score"], source=r["source"], url=r["url"])  # fmt: skip


def price_fact(r: Row) -> Evidence:
    def usd(v: float | None) -> str:
        return f"${v:,.2f}" if v is not None else "unknown"

    text = (f"{r['provider_name']} serves {r['model_name']} at {usd(r['input_usd_per_1m'])} per million input tokens "
            f"and {usd(r['output_usd_per_1m'])} per million output tokens")  # fmt: skip
    value = {"input_usd_per_1m": r["input_usd_per_1m"], "output_usd_per_1m": r["output_usd_per_1m"]}
    return Evidence(kind="fact", id=str(FactId.model_fact(r["model_id"], "price", r["provider_id"])), text=_cited(text, r["source"]),
                    value=value, source=r["source"], url=r["url"])  # fmt: skip


def list_fact(r: Row) -> Evidence:
    parts = [f"released {_day(r['release_date'])}" if r["release_date"] else None,
             f"context length {r['context_length']:,} tokens" if r["context_length"] else None,
             f"{registry.size(r['parameters'])} parameters" if r["parameters"] else None,
             {True: "open weights", False: "API only"}.get(r["open_weights"])]  # fmt: skip
    by = f" by {r['org_name']}" if r["org_name"] else ""
    details = "; ".join(p for p in parts if p)
    text = f"{r['name']}{by}" + (f": {details}" if details else "")
    return Evidence(kind="fact", id=str(FactId.model_fact(r["id"])), text=_cited(text, ", ".join(r["sources"] or [])),
                    value=r["name"], source=", ".join(r["sources"] or []) or None)  # fmt: skip


def plan_fact(r: Row, sorted_on: str | None = None) -> Evidence:
    """A plan row: the model's list fact, led by the value it was sorted on (a price, a score, a
    property the list fact does not state: maximum output, knowledge cutoff)."""
    fact = list_fact(r)
    lead = []
    if r.get("price") is not None:
        lead.append(f"lowest input price ${r['price']:,.4g} per million tokens")
    if r.get("score") is not None:
        lead.append(f"score {r['score']:g}")
    if sorted_on in ("max_output", "knowledge_cutoff") and r.get(sorted_on) is not None:
        spec = registry.get(sorted_on)
        lead.append(f"{spec.label} {spec.show(plain(r[sorted_on]))}")
    if lead:
        name, _, rest = fact.text.partition(": ")
        return replace(fact, text=f"{name}: {'; '.join(lead)}" + (f"; {rest}" if rest else "."))
    return fact


_GROUP_WORDS = {"organization": "org", "year": "year", "license": "license"}


def group_fact(plan: QueryPlan, r: Row, signature: str | None) -> Evidence:
    """One group of an aggregate plan: its count ("Meta has 65 models in the catalog", a count fact
    `fact:count:org:<org>` or `fact:count:models:year=2024`), or the model that holds the group's
    minimum or maximum (that model's own fact, so the citation is the value's)."""
    described = describe_filters(plan.filters) + "".join(
        ", " + describe_condition(c) for c in plan.conditions
    )
    group, name, n = str(plan.group_by), r["group_name"], r["models"]
    if plan.aggregation in ("min", "max") and plan.measure:
        spec = registry.get(plan.measure)
        value = plain(r["value"])
        most = {"max": "highest", "min": "lowest"}[plan.aggregation]
        if plan.measure == "release_date":
            most = {"max": "newest", "min": "oldest"}[plan.aggregation]
            text = f"{r['name']} is the {most} of {name}'s {n} models with a {spec.label}: {value}"
        else:
            text = (
                f"{r['name']} has the {most} {spec.label} of {name}'s {n} models with one: {spec.show(value)}"
            )
        if group == "year":
            text = text.replace(f"of {name}'s", f"of the {name}")
        source = ", ".join(r["sources"] or [])
        return Evidence(kind="fact", id=str(FactId.model_fact(r["id"], spec.fact_part)), value=value,
                        text=_cited(text, source or "catalog"), source=source or None)  # fmt: skip
    key = f"{_GROUP_WORDS[group]}={r['group_id']}".lower()
    qualifier = ",".join(p for p in (key, signature) if p)
    if group == "organization":
        text = f"{name} has {n} models in the catalog{described}"
        fact = FactId.count(str(r["group_id"]), signature)
    elif group == "year":
        text = f"{n} models in the catalog were released in {name}{described}"
        fact = FactId.count(None, qualifier)
    else:
        text = f"{n} models in the catalog are under the {name} licence{described}"
        fact = FactId.count(None, qualifier)
    return Evidence(kind="fact", id=str(fact), text=_cited(text, "catalog"), value=n, source="catalog")


def article_evidence(r: Row) -> Evidence:
    summary = (r.get("summary") or r.get("body") or "").strip()
    text = f"{r['title']}. {summary[:700]}".strip()
    return Evidence(kind="article", id=r["id"], text=text, title=r["title"], url=r["url"], date=_day(r["published"]),
                    source=r["source"], classification=r["classification"], tenant=r["tenant"])  # fmt: skip


def describe_filters(filters: Filters) -> str:
    """' with open weights, developed by meta' for a count sentence."""
    words = {
        "open_weights": lambda v: "with open weights" if v else "without open weights",
        "reasoning": lambda v: "that reason" if v else "that do not reason",
        "min_context": lambda v: f"with a context of at least {v:,} tokens",
        "released_after": lambda v: f"released on or after {v}",
        "released_before": lambda v: f"released on or before {v}",
        "org": lambda v: f"developed by {v}",
        "modality": lambda v: f"that accept {v} input",
        "license": lambda v: f"under the {v} licence",
    }
    parts = [words[k](v) for k, v in sorted(filters.given().items()) if k in words]
    return (" " + ", ".join(parts)) if parts else ""


def describe_condition(c: Condition) -> str:
    """'whose name starts with gemini', 'with parameters between 7B and 13B', 'with parameters < 10B'."""
    label = c.attribute.replace("_", " ")

    def show(v: Any) -> str:
        if c.attribute == "parameters" and isinstance(v, int | float):
            return registry.size(v)
        return f"{v:,}" if isinstance(v, int) else str(v)

    if c.op == "starts":
        return f"whose name starts with {c.value}"
    if c.op == "contains":
        return (
            f"whose name contains {c.value}"
            if c.attribute == "name"
            else f"with {c.value} among their {label}"
        )
    if c.op == "between":
        return f"with {label} between {show(c.value)} and {show(c.upper)}"
    return f"with {label} {c.op} {show(c.value)}"


def _signature(analysis: QuestionAnalysis, *skip: str) -> str | None:
    """The count fact's filters as `key=value,...` (sorted, lower case), None when there are none."""
    items = sorted((k, v) for k, v in analysis.slots.filters.given().items() if k not in skip)
    return ",".join(f"{k}={v}".lower() for k, v in items) or None


__all__ = ["DEFAULT_LIMIT", "GraphRetriever", "access_params", "compared", "model_fact", "overview"]
