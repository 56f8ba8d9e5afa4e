"""Query plans and verdicts against the real LLM-Stats catalog in the session's graph server."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from catalog.job import CatalogIngestJob
from catalog.readers.llm_stats import LlmStatsReader
from core.access import AccessFilter
from kg import queries
from kg.plan_queries import PlanError, compile_plan
from kg.store import GraphStore
from rag.answer import Answerer
from rag.contracts import QueryPlan
from rag.graph_retriever import GraphRetriever, access_params
from rag.plan import PlanRunner
from rag.question import QuestionAnalyzer

INJECTIONS = [
    "context_length IS NOT NULL DETACH DELETE m //",
    "x' OR 1=1 //",
    "}) MATCH (n) DETACH DELETE n //",
    "release_date; CALL dbms.killQueries()",
]


@pytest.fixture(scope="module")
def graph(session_store: GraphStore, shared_data: Path) -> GraphRetriever:
    session_store.write(queries.DELETE_ALL)
    CatalogIngestJob(session_store, [LlmStatsReader(shared_data / "catalog" / "llm_stats")]).run()
    return GraphRetriever(session_store, QuestionAnalyzer.from_store(session_store))


def _models(store: GraphStore) -> int:
    return int(store.read("MATCH (m:Model) RETURN count(m) AS n")[0]["n"])


def test_plan_properties_and_operators_come_only_from_the_allow_lists() -> None:
    base: dict[str, Any] = {"filters": {}, "sort": None, "benchmark_id": None, "limit": 5}
    for text in INJECTIONS:
        with pytest.raises(PlanError):
            compile_plan(**base | {"conditions": [(text, "<", 1)]})
        with pytest.raises(PlanError):
            compile_plan(**base | {"conditions": [("parameters", text, 1)]})
        with pytest.raises(PlanError):
            compile_plan(**base | {"conditions": [], "sort": (text, "desc")})
        compiled = compile_plan(**base | {"conditions": [("parameters", "<", text)]})
        assert text not in compiled.cypher and text in compiled.params.values()


def test_injection_strings_as_values_find_nothing_and_change_nothing(graph: GraphRetriever) -> None:
    before = _models(graph.store)
    runner = PlanRunner(graph.store)
    acc = access_params(AccessFilter.public())
    for text in INJECTIONS:
        plan = QueryPlan.model_validate({"filters": {"org": text, "license": text}, "limit": 5})
        assert runner.run(plan, acc) == []
    assert _models(graph.store) == before > 100


def test_filter_sort_and_limit_return_the_graphs_top_item(graph: GraphRetriever) -> None:
    result = graph.search(
        "which model with under 10b parameters has the longest context", access=AccessFilter.public()
    )
    plan = result.analysis.plan
    assert plan is not None and plan.sort is not None and plan.limit == 1
    assert (plan.sort.attribute, plan.sort.order) == ("context_length", "desc")
    top = graph.store.read(
        "MATCH (m:Model) WHERE m.parameters < 10000000000 AND m.context_length IS NOT NULL "
        "RETURN max(m.context_length) AS best"
    )[0]["best"]
    facts = [e for e in result.evidence if e.kind == "fact"]
    assert facts and f"{top:,} tokens" in facts[0].text
    three = graph.search("3 biggest models by parameters", access=AccessFilter.public())
    sizes = [e.text for e in three.evidence]
    assert len(sizes) == 3 and three.analysis.plan is not None and three.analysis.plan.limit == 3


def test_comparisons_state_the_verdict_first(graph: GraphRetriever) -> None:
    answerer = Answerer(None, phrase_facts=False)  # type: ignore[arg-type]  # composed: no model needed
    rows = graph.store.read(
        "MATCH (m:Model) WHERE m.name IN ['GPT-4', 'Claude 3 Opus'] RETURN m.name AS name, m.release_date AS day"
    )
    older = min(rows, key=lambda r: r["day"])["name"]
    newer = max(rows, key=lambda r: r["day"])["name"]
    for question in (
        "which is older, gpt-4 or claude 3 opus?",
        "Which was released first, Claude 3 Opus or GPT-4?",
    ):
        answer = answerer.answer(graph.search(question, access=AccessFilter.public()))
        assert answer.answer.startswith(f"{older} is older"), answer.answer
        assert newer in answer.answer and len(answer.citations) == 2
    bigger = answerer.answer(
        graph.search("Which is bigger, Mistral Large 2 or Command R+?", access=AccessFilter.public())
    )
    assert bigger.answer.split(":")[0].endswith("is bigger"), bigger.answer


# -- the building blocks, one by one (no graph: the statement and its parameters) -----------------
_BASE: dict[str, Any] = {"filters": {}, "conditions": [], "sort": None, "benchmark_id": None, "limit": 5}


def test_between_is_two_inclusive_parameters_in_order() -> None:
    compiled = compile_plan(**_BASE | {"conditions": [("parameters", "between", 13e9, 7e9)]})
    assert "m.parameters >= $c0 AND m.parameters <= $c0_hi" in compiled.cypher
    assert (compiled.params["c0"], compiled.params["c0_hi"]) == (7e9, 13e9)  # swapped into order
    with pytest.raises(PlanError):
        compile_plan(**_BASE | {"conditions": [("parameters", "between", 7e9)]})  # no upper bound


def test_contains_reads_lists_as_membership_and_names_as_text() -> None:
    listed = compile_plan(**_BASE | {"conditions": [("input_modalities", "contains", "audio")]})
    assert "$c0 IN m.input_modalities" in listed.cypher and listed.params["c0"] == "audio"
    named = compile_plan(**_BASE | {"conditions": [("name", "contains", "mini")]})
    assert "toLower(m.name) CONTAINS toLower($c0)" in named.cypher
    for bad in (("parameters", "contains", 1), ("input_modalities", "<", "audio")):
        with pytest.raises(PlanError):
            compile_plan(**_BASE | {"conditions": [bad]})


def test_aggregates_group_by_allowed_keys_only() -> None:
    per_year = compile_plan(**_BASE | {"aggregation": "count", "group_by": "year"})
    assert "m.release_date.year AS group_id" in per_year.cypher and "count(m) AS models" in per_year.cypher
    extreme = compile_plan(
        **_BASE | {"aggregation": "max", "group_by": "license", "measure": "context_length"}
    )
    assert ":HAS_LICENSE" in extreme.cypher and "ORDER BY m.context_length DESC" in extreme.cypher
    assert compile_plan(**_BASE | {"aggregation": "min", "measure": "release_date"}).params["limit"] == 1
    for kwargs in (
        {"aggregation": "count", "group_by": "country"},
        {"aggregation": "avg"},
        {"aggregation": "max", "group_by": "year", "measure": "name"},
        {"aggregation": "max", "group_by": "year", "measure": INJECTIONS[0]},
    ):
        with pytest.raises(PlanError):
            compile_plan(**_BASE | kwargs)
    for text in INJECTIONS:  # user text as a value of every block stays a parameter
        compiled = compile_plan(
            **_BASE | {"conditions": [("name", "contains", text), ("parameters", "between", text, text)]}
        )
        assert text not in compiled.cypher


# -- each feature end to end on the real catalog ---------------------------------------------------
def _names(result: Any) -> list[str]:
    return [str(e.value) for e in result.evidence if e.kind == "fact"]


def test_between_filters_sorts_and_limits_on_the_graph(graph: GraphRetriever) -> None:
    result = graph.search(
        "which models between 7b and 13b parameters have the longest context", access=AccessFilter.public()
    )
    plan = result.analysis.plan
    assert plan is not None and plan.conditions[0].op == "between" and plan.sort is not None
    rows = graph.store.read(
        "MATCH (m:Model) WHERE m.parameters >= 7000000000 AND m.parameters <= 13000000000 "
        "AND m.context_length IS NOT NULL RETURN m.name AS name, m.context_length AS c ORDER BY c DESC, name"
    )
    assert rows and _names(result)[0] == rows[0]["name"]
    assert set(_names(result)) <= {r["name"] for r in rows}


def test_contains_finds_names_and_output_modalities(graph: GraphRetriever) -> None:
    result = graph.search("list models with mini in the name", access=AccessFilter.public())
    assert result.analysis.plan is not None and result.analysis.plan.conditions[0].op == "contains"
    names = _names(result)
    assert names and all("mini" in n.lower() for n in names)


def test_quarters_and_last_month_are_date_ranges(graph: GraphRetriever) -> None:
    analyzer = QuestionAnalyzer(graph.analyzer.entities.values(), today=date(2025, 4, 10))
    q1 = analyzer.analyze("how many models were released in Q1 2025").slots.filters
    assert (q1.released_after, q1.released_before) == (date(2025, 1, 1), date(2025, 3, 31))
    quarter = analyzer.analyze("how many models came out in the first quarter of 2024").slots.filters
    assert (quarter.released_after, quarter.released_before) == (date(2024, 1, 1), date(2024, 3, 31))
    last = analyzer.analyze("which models were released last month").slots.filters
    assert (last.released_after, last.released_before) == (date(2025, 3, 1), date(2025, 3, 31))
    week = analyzer.analyze("models released last week").slots.filters
    assert (week.released_after, week.released_before) == (date(2025, 3, 31), date(2025, 4, 6))
    counted = GraphRetriever(graph.store, analyzer).search(
        "how many models were released in q1 2025", access=AccessFilter.public()
    )
    n = graph.store.read(
        "MATCH (m:Model) WHERE m.release_date >= date('2025-01-01') AND m.release_date <= date('2025-03-31') "
        "RETURN count(m) AS n"
    )[0]["n"]
    assert counted.evidence[0].value == n > 0


def test_group_by_year_licence_and_organisation(graph: GraphRetriever) -> None:
    per_year = graph.search("how many models were released per year", access=AccessFilter.public())
    plan = per_year.analysis.plan
    assert plan is not None and (plan.aggregation, plan.group_by) == ("count", "year")
    years = graph.store.read(
        "MATCH (m:Model) WHERE m.release_date IS NOT NULL RETURN m.release_date.year AS y, count(m) AS n"
    )
    expected = {str(r["y"]): r["n"] for r in years}
    assert per_year.evidence and all(
        e.value == expected[e.id.rsplit("year=", 1)[1].split(",")[0]] for e in per_year.evidence
    )
    licences = graph.search("number of models by licence", access=AccessFilter.public())
    assert licences.analysis.plan is not None and licences.analysis.plan.group_by == "license"
    top = graph.store.read(
        "MATCH (m:Model)-[:HAS_LICENSE]->(l:License) RETURN l.name AS name, count(m) AS n ORDER BY n DESC, name LIMIT 1"
    )[0]
    assert licences.evidence[0].value == top["n"] and top["name"] in licences.evidence[0].text
    longest = graph.search(
        "which model has the longest context for each company", access=AccessFilter.public()
    )
    plan = longest.analysis.plan
    assert plan is not None and (plan.aggregation, plan.group_by, plan.measure) == (
        "max",
        "organization",
        "context_length",
    )
    best = graph.store.read(
        "MATCH (m:Model)-[:DEVELOPED_BY]->(o:Organization) WHERE m.context_length IS NOT NULL "
        "RETURN o.name AS org, max(m.context_length) AS c"
    )
    by_org = {r["org"]: r["c"] for r in best}
    for e in longest.evidence:
        org = next(o for o in by_org if f"of {o}'s" in e.text)
        assert e.value == by_org[org], e.text


def test_price_comparisons_state_the_cheaper_model_first(graph: GraphRetriever) -> None:
    known = [
        "GPT-4o",
        "Claude 3.5 Sonnet",
        "Llama 3.1 70B Instruct",
        "Mistral Large 2",
        "Claude 3 Opus",
        "GPT-4o mini",
    ]
    rows = graph.store.read(
        "MATCH (:Provider)-[s:SERVES]->(m:Model) WHERE s.input_usd_per_1m > 0 AND m.name IN $names "
        "RETURN m.name AS name, min(s.input_usd_per_1m) AS price",
        names=known,
    )
    prices = {r["name"]: r["price"] for r in rows}
    priced = [n for n in known if n in prices]
    a, b = next((x, y) for x in priced for y in priced if prices[x] != prices[y])
    cheaper = min((a, b), key=prices.__getitem__)
    answerer = Answerer(None, phrase_facts=False)  # type: ignore[arg-type]
    for question in (f"which is cheaper, {a} or {b}?", f"Which costs less: {b} or {a}?"):
        answer = answerer.answer(graph.search(question, access=AccessFilter.public()))
        assert answer.answer.startswith(f"{cheaper} is cheaper"), answer.answer
        assert f"${prices[cheaper]:,.2f}" in answer.answer and len(answer.citations) == 2


def test_a_series_is_answered_with_the_developer_of_most_of_its_models(graph: GraphRetriever) -> None:
    compiled = compile_plan(**_BASE | {"conditions": [("name", "starts", "gemma")], "aggregation": "count",
                                       "group_by": "organization"})  # fmt: skip
    assert "toLower(m.name) STARTS WITH toLower($c0)" in compiled.cypher
    with pytest.raises(PlanError):
        compile_plan(**_BASE | {"conditions": [("parameters", "starts", "7")]})
    top = graph.store.read(
        "MATCH (m:Model)-[:DEVELOPED_BY]->(o:Organization) WHERE toLower(m.name) STARTS WITH 'gemma' "
        "RETURN o.name AS org, count(m) AS n ORDER BY n DESC LIMIT 1"
    )[0]
    answerer = Answerer(None, phrase_facts=False)  # type: ignore[arg-type]
    for question in ("who makes the gemma models", "Which company is behind Gemma?"):
        result = graph.search(question, access=AccessFilter.public())
        plan = result.analysis.plan
        assert plan is not None and plan.conditions[0].op == "starts", question
        answer = answerer.answer(result)
        assert answer.answer.startswith(f"{top['org']} has {top['n']} models"), answer.answer
    assert graph.search("who makes the pizza", access=AccessFilter.public()).analysis.plan is None
