"""Query plans and verdicts against the real LLM-Stats catalog in the session's graph server."""

from __future__ import annotations

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
