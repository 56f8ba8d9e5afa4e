"""Vetted Cypher building blocks that a query plan (`rag.contracts.QueryPlan`) is compiled from.

The rules of `kg/qa_queries.py` hold here too, and `compile_plan` enforces them for every
combination: property names only from `PROPERTIES` (the allow-list, checked before a fragment is
chosen; a name outside it raises), operators only from `OPERATORS`, every value a `$parameter`,
a `LIMIT` on every statement, the model visibility filter on every model. No text of the question
ever reaches the query: it reaches the parameters.

The blocks, in the order a statement is assembled:

- `_MATCH`: the models the named filters and the visibility rules allow;
- one condition per `(property, operator, value[, upper])`: `=`, `<`, `>`, `>=`, `<=` on a scalar
  property, `between` (both ends inclusive, two parameters), `contains` (a list property holds the
  value: `'image' IN m.input_modalities`; a text property holds it, case-blind: the model name),
  `starts` (a text property starts with the value, case-blind: a series such as "gemini");
- then either a **model list**: `_PRICE` (the lowest positive input price over providers) or
  `_NO_PRICE`, `_SCORE` (a benchmark's score) or `_NO_SCORE`, the sort (`ORDER BY` a property,
  the price or the score, nulls dropped), `_RETURN`, `LIMIT $limit`;
- or an **aggregate**: `count` (`_COUNT`), or with a group (`GROUPS`: organisation, release year,
  licence) the count per group or the `min`/`max` of a property per group with the model that
  holds it (`_GROUP_COUNT`, `_GROUP_EXTREME`), `LIMIT $limit`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, LiteralString, cast

from kg import qa_queries as Q

# Model properties a plan may filter or sort on (the registry's graph properties that are scalars).
PROPERTIES: frozenset[str] = frozenset(
    {
        "context_length",
        "parameters",
        "release_date",
        "max_output",
        "knowledge_cutoff",
        "open_weights",
        "reasoning",
        "tool_use",
        "name",
        "input_modalities",
        "output_modalities",
    }  # fmt: skip
)
# `contains` reads a list property as membership and a text property as a case-blind substring.
LIST_PROPERTIES: frozenset[str] = frozenset({"input_modalities", "output_modalities"})
TEXT_PROPERTIES: frozenset[str] = frozenset({"name"})
OPERATORS: dict[str, LiteralString] = {
    "=": "=",
    "<": "<",
    ">": ">",
    ">=": ">=",
    "<=": "<=",
    "between": "between",
    "contains": "contains",
    "starts": "starts",
}
AGGREGATIONS = ("count", "min", "max")


class PlanError(ValueError):
    """A plan names a property or operator outside the allow-lists."""


def _prop(name: str) -> LiteralString:
    if name not in PROPERTIES:
        raise PlanError(f"{name!r} is not a plan property; allowed: {', '.join(sorted(PROPERTIES))}.")
    return cast(LiteralString, name)  # checked against the allow-list just above


# -- the building blocks ------------------------------------------------------------------------
_MATCH: LiteralString = "MATCH (m:Model)\nWHERE " + Q._MODEL_FILTERS  # noqa: SLF001  # the shared filter fragment
# The cheapest positive input price over every provider (a $0 listing is a free tier, not a price).
_PRICE: LiteralString = """
OPTIONAL MATCH (:Provider)-[s:SERVES]->(m)
WHERE s.input_usd_per_1m > 0
WITH m, min(s.input_usd_per_1m) AS price
"""
_NO_PRICE: LiteralString = "\nWITH m, null AS price\n"
_SCORE: LiteralString = """
MATCH (m)-[sc:SCORED]->(:Benchmark {id: $benchmark_id})
WHERE sc.score IS NOT NULL
WITH m, price, max(sc.score) AS score
"""
_NO_SCORE: LiteralString = "\nWITH m, price, null AS score\n"
_RETURN: LiteralString = """
OPTIONAL MATCH (m)-[:DEVELOPED_BY]->(o:Organization)
RETURN m.id AS id, m.name AS name, o.name AS org_name, m.release_date AS release_date,
       m.context_length AS context_length, m.open_weights AS open_weights, m.parameters AS parameters,
       m.input_modalities AS input_modalities, m.reasoning AS reasoning, m.sources AS sources,
       m.max_output AS max_output, m.knowledge_cutoff AS knowledge_cutoff, price, score
"""
_COUNT: LiteralString = "\nRETURN count(m) AS models\nLIMIT 1\n"
# Group keys: each block binds `group_id` and `group_name` beside `m`.
GROUPS: dict[str, LiteralString] = {
    "organization": """
OPTIONAL MATCH (m)-[:DEVELOPED_BY]->(g:Organization)
WITH m, g.id AS group_id, g.name AS group_name
WHERE group_id IS NOT NULL
""",
    "license": """
OPTIONAL MATCH (m)-[:HAS_LICENSE]->(g:License)
WITH m, g.id AS group_id, g.name AS group_name
WHERE group_id IS NOT NULL
""",
    "year": """
WITH m WHERE m.release_date IS NOT NULL
WITH m, m.release_date.year AS group_id, toString(m.release_date.year) AS group_name
""",
}
_GROUP_COUNT: LiteralString = """
WITH group_id, group_name, count(m) AS models
RETURN group_id, group_name, models
"""
_GROUP_ORDER: dict[str, LiteralString] = {
    "year": "ORDER BY group_id DESC\n",
    "organization": "ORDER BY models DESC, group_name\n",
    "license": "ORDER BY models DESC, group_name\n",
}


@dataclass
class CompiledPlan:
    """The statement and its parameters; `cypher` is made of the blocks above only."""

    cypher: LiteralString
    params: dict[str, Any] = field(default_factory=dict)


def condition(
    i: int, name: str, op: str, value: Any, upper: Any = None
) -> tuple[LiteralString, dict[str, Any]]:
    """The WHERE fragment of the i-th condition and its parameters (`c<i>`, `c<i>_hi`)."""
    prop, operator = _prop(name), OPERATORS.get(op)
    if operator is None:
        raise PlanError(f"{op!r} is not a plan operator; allowed: {', '.join(OPERATORS)}.")
    slot = cast(LiteralString, f"c{i}")  # a generated parameter name, never user text
    if operator == "between":
        if upper is None:
            raise PlanError(f"'between' on {name!r} needs an upper bound.")
        low, high = (value, upper) if value <= upper else (upper, value)
        fragment = "\n  AND m." + prop + " >= $" + slot + " AND m." + prop + " <= $" + slot + "_hi"
        return fragment, {slot: low, f"{slot}_hi": high}
    if operator == "contains":
        if prop in LIST_PROPERTIES:
            return "\n  AND $" + slot + " IN m." + prop, {slot: value}
        if prop in TEXT_PROPERTIES:
            return "\n  AND toLower(m." + prop + ") CONTAINS toLower($" + slot + ")", {slot: str(value)}
        raise PlanError(f"'contains' needs a list or text property, not {name!r}.")
    if operator == "starts":  # a series: names that start with the word ("gemini", "phi")
        if prop not in TEXT_PROPERTIES:
            raise PlanError(f"'starts' needs a text property, not {name!r}.")
        return "\n  AND toLower(m." + prop + ") STARTS WITH toLower($" + slot + ")", {slot: str(value)}
    if prop in LIST_PROPERTIES:
        raise PlanError(f"{name!r} is a list: only 'contains' applies to it.")
    return "\n  AND m." + prop + " " + operator + " $" + slot, {slot: value}


def compile_plan(
    *,
    filters: dict[str, Any],
    conditions: list[tuple[Any, ...]],
    sort: tuple[str, str] | None,
    benchmark_id: str | None,
    limit: int,
    count: bool = False,
    aggregation: str | None = None,
    group_by: str | None = None,
    measure: str | None = None,
) -> CompiledPlan:
    """One statement for a plan: the named filters (the qa_queries fragment), extra conditions
    `(property, operator, value[, upper])`, an optional sort `(property | 'price' | 'score',
    'asc' | 'desc')`, a limit; or an aggregate: `count` (with `count=True` or
    `aggregation='count'`), per `group_by` ('organization', 'year', 'license') the count, or the
    `min`/`max` of the property `measure` per group with the model that holds it."""
    cypher: LiteralString = _MATCH
    params: dict[str, Any] = dict(filters)
    for i, spec in enumerate(conditions):
        fragment, values = condition(i, *spec)
        cypher += fragment
        params |= values
    if aggregation is not None and aggregation not in AGGREGATIONS:
        raise PlanError(f"{aggregation!r} is not an aggregation; allowed: {', '.join(AGGREGATIONS)}.")
    if count:
        aggregation = "count"
    if group_by is not None:
        group = GROUPS.get(group_by)
        if group is None:
            raise PlanError(f"{group_by!r} is not a group; allowed: {', '.join(GROUPS)}.")
        if aggregation in (None, "count"):
            cypher += group + _GROUP_COUNT + _GROUP_ORDER[group_by]
        else:
            prop = _prop(str(measure))
            if prop in LIST_PROPERTIES or prop in TEXT_PROPERTIES:
                raise PlanError(f"{measure!r} has no minimum or maximum.")
            extreme: LiteralString = "DESC" if aggregation == "max" else "ASC"
            cypher += group + "WITH m, group_id, group_name WHERE m." + prop + " IS NOT NULL\n"
            cypher += "WITH m, group_id, group_name ORDER BY m." + prop + " " + extreme + ", m.name\n"
            cypher += "WITH group_id, group_name, collect(m)[0] AS top, count(m) AS models\n"
            cypher += "RETURN group_id, group_name, models, top.id AS id, top.name AS name, top." + prop
            cypher += " AS value, top.sources AS sources\nORDER BY value " + extreme + ", group_name\n"
        params["limit"] = max(1, min(int(limit), 100))
        return CompiledPlan(cypher + "LIMIT $limit\n", params)
    if aggregation == "count":
        return CompiledPlan(cypher + _COUNT, params)
    if aggregation in ("min", "max"):  # over all models: the model that holds the extreme value
        sort = (str(measure), "desc" if aggregation == "max" else "asc")
        limit = 1
    sort_key = sort[0] if sort else None
    cypher += _PRICE if sort_key == "price" else _NO_PRICE
    if sort_key == "score":
        if not benchmark_id:
            raise PlanError("A score sort needs a benchmark.")
        cypher += _SCORE
        params["benchmark_id"] = benchmark_id
    else:
        cypher += _NO_SCORE
    if sort is not None:
        direction: LiteralString = "DESC" if sort[1] == "desc" else "ASC"
        column: LiteralString = (
            "price"
            if sort_key == "price"
            else "score"
            if sort_key == "score"
            else "m." + _prop(str(sort_key))
        )
        cypher += "WITH m, price, score WHERE " + column + " IS NOT NULL\n"
        cypher += _RETURN + "ORDER BY " + column + " " + direction + ", m.name\n"
    else:
        cypher += _RETURN + "ORDER BY m.release_date IS NULL, m.release_date DESC, m.name\n"
    params["limit"] = max(1, min(int(limit), 100))
    return CompiledPlan(cypher + "LIMIT $limit\n", params)
