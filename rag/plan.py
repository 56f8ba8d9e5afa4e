"""Query plans: what the graph is asked for a question, between question analysis and Cypher.

`make_plan(analysis, text)` turns the analysis (family, linked entities, named filters, comparison)
plus a table of rules over the question's words into a typed `QueryPlan`:

- **conditions** on any registry attribute with a graph property, from "under 10B parameters",
  "more than 500b parameters", "at least 70B parameters" (the context filters stay the analysis'
  `min_context`); dates as ranges come from the analysis ("in 2024", "Q1 2025", "last month");
- **sort** from a superlative: the registry's comparatives ("longest context": context_length desc,
  "oldest": release_date asc, "biggest": parameters desc) plus price ("cheapest": price asc, the
  lowest positive input price over providers) and a benchmark ("best on MMLU": score desc);
- **ranges and text**: "between 7b and 13b parameters", "between 32k and 200k tokens" (`between`),
  "with mini in the name" (`contains` on the name), "that can generate images" (`contains` on the
  output modalities); a series, "who makes the gemini models" (`starts` on the name, counted per
  developer), is planned by the analysis;
- **limit**: "top 5" / "3 biggest", else 1 for a singular superlative ("the cheapest model"), else 10;
- **aggregation**: `count` for a count question; per group (`group_by`: "per year", "by licence",
  "for each company") the count, or with a superlative the `min`/`max` of that attribute (`measure`)
  and the model holding it ("the longest context per company");
- **comparison**: the analysis' verdict request for "which ... A or B" (prices included: "cheaper").

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
_UNIT = r"(?:[kbmt]|thousand|billion|million|trillion)"
_BETWEEN = _rx(rf"\bbetween\s+(?P<lo>\d+(?:\.\d+)?)\s*(?P<lu>{_UNIT})?\s*(?:and|to|-)\s*(?P<hi>\d+(?:\.\d+)?)\s*"
               rf"(?P<hu>{_UNIT})\b(?P<rest>\s*(?:param\w*|tokens?|context))?")
_SCALES = {"k": 1e3, "thousand": 1e3, **_SCALE}
_NAME_HAS = _rx(r"\b(?:names?|named|called)\s+(?:that\s+)?(?:contains?|containing|includ\w*|with|has|having)\s+"
                r"(?:the\s+(?:word|string)\s+)?[\"'“‘]?(?P<v>[\w.+-]+)"
                r"|\bwith\s+[\"'“‘]?(?P<w>[\w.+-]+)[\"'”’]?\s+in\s+(?:the|their|its)\s+names?\b")
_OUTPUTS = _rx(r"\b(?:generat\w*|output\w*|produc\w*|creat\w*|mak\w*)\s+(?:an?\s+)?(?P<v>images?|audio|videos?|speech)\b")
_GROUP_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("year", _rx(r"\b(per|each|by|every|a)\s+(release\s+)?year\b|\byear by year\b|\bannually\b|\bin each year\b")),
    ("license", _rx(r"\b(per|each|by|every)\s+licen[cs]es?\b")),
    ("organization", _rx(r"\b(per|each|by|every|for each)\s+(organi[sz]ation|company|companies|lab|developer|org|maker)s?\b")),
)
_SORTABLE = ("context_length", "parameters", "release_date", "max_output", "knowledge_cutoff")
# fmt: on
SINGLE = 1
DEFAULT = 10


def conditions(text: str) -> list[Condition]:
    """Conditions the analysis' named filters do not hold: parameter counts ("under 10B"), ranges
    ("between 7b and 13b parameters", "between 32k and 200k tokens"), a name that contains a word
    ("with mini in the name"), an output modality ("that can generate images")."""
    out = []
    for m in _BETWEEN.finditer(text):
        lo_unit, hi_unit = (m.group("lu") or m.group("hu")).lower(), m.group("hu").lower()
        rest = (m.group("rest") or "").lower()
        tokens = (
            "tok" in rest
            or "context" in rest
            or hi_unit in ("k", "thousand")
            or (hi_unit in ("m", "million") and "param" not in rest)
        )
        low, high = float(m.group("lo")) * _SCALES[lo_unit], float(m.group("hi")) * _SCALES[hi_unit]
        attribute = "context_length" if tokens else "parameters"
        out.append(Condition(attribute=attribute, op="between", value=int(low), upper=int(high)))
    if (named := _NAME_HAS.search(text)) is not None:
        out.append(Condition(attribute="name", op="contains", value=named.group("v") or named.group("w")))
    if (made := _OUTPUTS.search(text)) is not None:
        kind = made.group("v").lower().rstrip("s").replace("speech", "audio")
        out.append(Condition(attribute="output_modalities", op="contains", value=kind))
    between = " ".join(m.group(0) for m in _BETWEEN.finditer(text))
    for m in _PARAMS.finditer(text):
        if m.group(0) in between:
            continue
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
    made = next((c.value for c in conds if c.attribute == "output_modalities"), None)
    if made is not None and slots.filters.modality == made:  # "can generate images": an output, not an input
        slots.filters = slots.filters.model_copy(update={"modality": None})
    sort = sort_key(text, analysis)
    group = group_by(text, analysis, sort, conds)
    if sort is None and not conds and group is None:
        return None
    if sort is not None and sort.attribute == "benchmark_score" and not conds:
        return None  # the rank template already sorts by a benchmark, with the named filters
    if group is not None:
        extreme = sort is not None and sort.attribute in _SORTABLE and not _COUNTING.search(text)
        return QueryPlan(
            filters=slots.filters, conditions=conds, group_by=group, limit=slots.limit or MAX_GROUPS,
            aggregation=("max" if sort.order == "desc" else "min") if extreme and sort else "count",
            measure=sort.attribute if extreme and sort else None, report=[sort.attribute] if extreme and sort else [],
        )  # fmt: skip
    limit = slots.limit or (DEFAULT if sort is None or _PLURAL.search(text) else SINGLE)
    return QueryPlan(filters=slots.filters, conditions=conds, sort=sort, limit=limit,
                     report=[sort.attribute] if sort else [], comparison=slots.comparison)  # fmt: skip


MAX_GROUPS = 20
_COUNTING = _rx(r"\bhow many\b|\bnumber of\b|\bcount\b|\bmost models\b")


def group_by(
    text: str, analysis: QuestionAnalysis, sort: SortKey | None, conds: list[Condition]
) -> str | None:
    """'per year', 'by licence', 'for each company': the group of an aggregate. Counting per
    organisation with only named filters stays with its template (MODELS_PER_ORGANIZATION)."""
    for group, rx in _GROUP_RULES:
        if not rx.search(text):
            continue
        counting = _COUNTING.search(text) is not None
        extreme = not counting and sort is not None and sort.attribute in _SORTABLE
        if not counting and not extreme:
            return None
        if group == "organization" and counting and not conds:
            return None
        return group
    return None


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
            conditions=[(_property(c.attribute), c.op, c.value, c.upper) for c in plan.conditions],
            sort=(column, sort.order) if sort is not None and column else None,
            benchmark_id=sort.benchmark_id if sort is not None else None,
            limit=plan.limit,
            aggregation=plan.aggregation,
            group_by=plan.group_by,
            measure=_property(plan.measure) if plan.measure else None,
        )
        return self.store.read(compiled.cypher, **compiled.params, **access)


def _property(attribute: str) -> str:
    """The graph property of a registry attribute ('modalities' -> 'input_modalities'); a name that is
    no attribute passes through, for the compiler's allow-list to refuse."""
    spec = registry.ATTRIBUTES.get(attribute)
    return (spec.graph_property or attribute) if spec is not None else attribute
