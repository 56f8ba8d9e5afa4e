"""Query plans: what the graph is asked for a question, between question analysis and Cypher.

`make_plan(analysis, text)` turns the analysis (family, linked entities, named filters, comparison)
plus a table of rules over the question's words into a typed `QueryPlan`:

- **conditions** on any registry attribute with a graph property, from "under 10B parameters",
  "more than 500b parameters", "at least 70B parameters" (the context filters stay the analysis'
  `min_context`); dates as ranges come from the analysis ("in 2024", "Q1 2025", "last month");
- **sort** from a superlative: the registry's comparatives ("longest context": context_length desc,
  "oldest": release_date asc, "biggest": parameters desc) plus price ("cheapest": price asc, the
  lowest positive input price over providers) and a benchmark ("best on MMLU": score desc);
- **limit**: "top 5" / "3 biggest", else 1 for a singular superlative ("the cheapest model"), else 10;
- **comparison**: the analysis' verdict request for "which ... A or B".

`kg.plan_queries.compile_plan` compiles the plan from vetted building blocks; `PlanRunner.run` reads it.
"""

from __future__ import annotations

import re
from typing import Any

from core import attributes as registry
from kg import plan_queries
from kg.store import GraphStore, Row
from rag.contracts import Condition, QueryPlan, QuestionAnalysis, SortKey


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


# fmt: off
_SUPERLATIVE = _rx(r"\b\w+est\b|\bmost\b|\bleast\b|\btop\b|\bhighest\b|\blowest\b")
_CHEAP = _rx(r"\bcheapest\b|\bleast expensive\b|\blowest[- ]price[d]?\b|\bcheaper\b")
_DEAR = _rx(r"\bmost expensive\b|\bpriciest\b|\bcostliest\b|\bhighest[- ]price[d]?\b")
_PARAMS = _rx(r"\b(?P<op>under|below|less than|fewer than|smaller than|at most|up to|over|above|more than|"
              r"greater than|bigger than|larger than|at least)\s+(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>[bmt]|billion|million|trillion)\b"
              r"(?:\s*param\w*)?")
_SCALE = {"b": 1e9, "billion": 1e9, "m": 1e6, "million": 1e6, "t": 1e12, "trillion": 1e12}
_LESS = {"under", "below", "less than", "fewer than", "smaller than", "at most", "up to"}
_PLURAL = _rx(r"\b(models|llms|ones)\b")
_SORTABLE = ("context_length", "parameters", "release_date", "max_output", "knowledge_cutoff")
# fmt: on
SINGLE = 1
DEFAULT = 10


def conditions(text: str) -> list[Condition]:
    """Numeric conditions the analysis' named filters do not hold: parameter counts."""
    out = []
    for m in _PARAMS.finditer(text):
        small_unit = m.group("unit").lower() in ("m", "million")
        if (small_unit and "param" not in m.group(0).lower()) or re.match(
            r"\s*(tokens?|context)", text[m.end() :], re.I
        ):
            continue  # "at least 1m tokens of context" is a context filter, not a parameter count
        value = float(m.group("num")) * _SCALE[m.group("unit").lower()]
        op = "<" if m.group("op").lower() in _LESS else ">"
        out.append(Condition(attribute="parameters", op=op, value=int(value)))
    return out


def sort_key(text: str, analysis: QuestionAnalysis) -> SortKey | None:
    """The superlative's attribute and direction, or None when the question asks no ordering."""
    if _CHEAP.search(text):
        return SortKey(attribute="price", order="asc")
    if _DEAR.search(text):
        return SortKey(attribute="price", order="desc")
    if not _SUPERLATIVE.search(text):
        return None
    slots = analysis.slots
    if slots.benchmark_id:
        return SortKey(attribute="benchmark_score", order="desc", benchmark_id=slots.benchmark_id)
    asked = [a for a in slots.attributes if a in _SORTABLE]
    generic = [a.name for a in registry.all_attributes() if a.generic_comparative and a.name not in asked]
    for name in [*asked, *generic]:
        found = registry.get(name).comparative(text)
        if found is not None:
            return SortKey(attribute=name, order="desc" if found[0] == "max" else "asc")
    return None


def make_plan(analysis: QuestionAnalysis, text: str) -> QueryPlan | None:
    """The plan of a question about models in general (no model named) that sorts or filters on
    conditions the named filters cannot hold; None when the family's template answers it."""
    slots = analysis.slots
    if slots.model_ids or analysis.family in ("news", "topic", "lineage"):
        return None
    conds = conditions(text)
    sort = sort_key(text, analysis)
    if sort is None and not conds:
        return None
    if sort is not None and sort.attribute == "benchmark_score" and not conds:
        return None  # the rank template already sorts by a benchmark, with the named filters
    limit = slots.limit or (DEFAULT if sort is None or _PLURAL.search(text) else SINGLE)
    return QueryPlan(filters=slots.filters, conditions=conds, sort=sort, limit=limit,
                     report=[sort.attribute] if sort else [], comparison=slots.comparison)  # fmt: skip


class PlanRunner:
    """Compiles a plan with `kg.plan_queries` and reads it (parameters only)."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store

    def run(self, plan: QueryPlan, access: dict[str, Any]) -> list[Row]:
        f = plan.filters
        filters = {
            "open_weights": f.open_weights, "reasoning": f.reasoning, "min_context": f.min_context,
            "org_id": f.org, "modality": f.modality, "license_id": f.license,
            "released_after": f.released_after, "released_before": f.released_before,
        }  # fmt: skip
        sort = plan.sort
        column = None
        if sort is not None:
            column = {"price": "price", "benchmark_score": "score"}.get(sort.attribute, sort.attribute)
        compiled = plan_queries.compile_plan(
            filters=filters,
            conditions=[(c.attribute, c.op, c.value) for c in plan.conditions],
            sort=(column, sort.order) if sort is not None and column else None,
            benchmark_id=sort.benchmark_id if sort is not None else None,
            limit=plan.limit,
            count=plan.aggregation == "count",
        )
        return self.store.read(compiled.cypher, **compiled.params, **access)
