"""Vetted Cypher building blocks that a query plan (`rag.contracts.QueryPlan`) is compiled from.

The rules of `kg/qa_queries.py` hold here too, and `compile_plan` enforces them for every
combination: property names only from `PROPERTIES` (the allow-list, checked before a fragment is
chosen; a name outside it raises), operators only from `OPERATORS`, every value a `$parameter`,
a `LIMIT` on every statement, the model visibility filter on every model. No text of the question
ever reaches the query: it reaches the parameters.
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
    }  # fmt: skip
)
OPERATORS: dict[str, LiteralString] = {"=": "=", "<": "<", ">": ">", ">=": ">=", "<=": "<="}


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
       price, score
"""
_COUNT: LiteralString = "\nRETURN count(m) AS models\nLIMIT 1\n"


@dataclass
class CompiledPlan:
    """The statement and its parameters; `cypher` is made of the blocks above only."""

    cypher: LiteralString
    params: dict[str, Any] = field(default_factory=dict)


def compile_plan(
    *,
    filters: dict[str, Any],
    conditions: list[tuple[str, str, Any]],
    sort: tuple[str, str] | None,
    benchmark_id: str | None,
    limit: int,
    count: bool = False,
) -> CompiledPlan:
    """One statement for a plan: the named filters (the qa_queries fragment), extra conditions
    `(property, operator, value)`, an optional sort `(property | 'price' | 'score', 'asc' | 'desc')`,
    a limit; or, with `count`, the number of matching models."""
    cypher: LiteralString = _MATCH
    params: dict[str, Any] = dict(filters)
    for i, (name, op, value) in enumerate(conditions):
        prop, operator = _prop(name), OPERATORS.get(op)
        if operator is None:
            raise PlanError(f"{op!r} is not a plan operator; allowed: {', '.join(OPERATORS)}.")
        slot = cast(LiteralString, f"c{i}")  # a generated parameter name, never user text
        cypher += "\n  AND m." + prop + " " + operator + " $" + slot
        params[slot] = value
    if count:
        return CompiledPlan(cypher + _COUNT, params)
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
