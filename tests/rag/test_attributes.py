"""The attribute registry: one entry is all a new attribute needs.

A throwaway attribute ("batch_api") is registered for the duration of a test, never added to the
code. With that one entry, question analysis asks for it, the graph retriever reads it from the real
graph and phrases it, the answerer answers or refuses with it, the model card states it, and the
test fixtures render it, without any of those modules changing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from catalog.chunking import render_model_card
from catalog.job import CatalogIngestJob
from catalog.readers.llm_stats import LlmStatsReader
from core import attributes as registry
from core.access import AccessFilter
from core.attributes import Attribute
from kg import queries
from kg.store import GraphStore
from rag.answer import Answerer
from rag.graph_retriever import GraphRetriever, compared, model_fact, overview
from rag.qa import FactId
from rag.question import QuestionAnalyzer
from tests.generation_fixtures import asked, fact, graph_row, known
from tests.rag.test_answer import ScriptedGenerator
from tests.rag.test_question import ENTITIES, TODAY


@pytest.fixture
def batch_api() -> Iterator[Attribute]:
    attribute = registry.register(
        Attribute(
            "batch_api",
            cue=re.compile(r"\bbatch\b", re.I),
            graph_property="batch_api",
            compared=True,
            sentence=lambda name, value, _: (
                f"{name} offers a batch API" if value else f"{name} has no batch API"
            ),
            card=lambda facts: "Batch API." if facts.get("batch_api") else None,
        )
    )
    yield attribute
    registry.unregister("batch_api")
    assert "batch_api" not in overview()


def test_the_registry_names_every_attribute_once() -> None:
    names = list(registry.ATTRIBUTES)
    assert names[:4] == ["developer", "release_date", "parameters", "context_length"]
    assert len(set(names)) == len(names)
    for a in registry.all_attributes():
        assert a.cue is not None or a.name == "benchmark_score", a.name  # a benchmark is linked, not cued
        assert (a.template == "MODEL_FACTS") == (a.sentence is not None), a.name
    with pytest.raises(KeyError, match="known: developer"):
        registry.get("weather")


def test_one_entry_reaches_analysis_retrieval_answers_cards_and_fixtures(batch_api: Attribute) -> None:
    analysis = QuestionAnalyzer(ENTITIES, today=TODAY).analyze("Does GPT-4o have a batch API?")
    assert (analysis.family, analysis.slots.attribute) == ("attribute", "batch_api")
    assert "batch_api" in overview() and "batch_api" in compared()

    row = graph_row("gpt-4o-2024-05-13")
    row["model"] |= {"batch_api": True, "batch_api_source": "openai"}
    evidence = model_fact(row, "batch_api")
    assert evidence is not None and evidence.value is True
    assert evidence.fact_id == FactId.model_fact("gpt-4o-2024-05-13", "batch_api")
    assert evidence.text == "GPT-4o offers a batch API (source: openai)."

    assert "Batch API." in render_model_card({"name": "GPT-4o", "batch_api": True})
    assert "Batch API." not in render_model_card({"name": "GPT-4o", "batch_api": False})
    assert asked("Is there a batch endpoint for GPT-4o?") == "batch_api"
    assert "batch_api" not in known("gpt-4o-2024-05-13")  # the catalog export has no such field
    assert (
        fact("gpt-4o-2024-05-13", "batch_api").text
        == "The catalog has no batch api for GPT-4o (source: llm-stats)."
    )


@pytest.fixture(scope="module")
def catalog_graph(session_store: GraphStore, shared_data: Path) -> GraphStore:
    session_store.write(queries.DELETE_ALL)
    CatalogIngestJob(session_store, [LlmStatsReader(shared_data / "catalog" / "llm_stats")]).run()
    return session_store


def test_a_registered_attribute_is_answered_from_the_real_graph(
    catalog_graph: GraphStore, batch_api: Attribute
) -> None:
    store = catalog_graph
    analyzer = QuestionAnalyzer.from_store(store)
    rows = store.read(
        "MATCH (m:Model) WHERE m.context_length IS NOT NULL RETURN m.id AS id, m.name AS name ORDER BY m.id"
    )
    linked = [
        r
        for r in rows
        if analyzer.analyze(f"Does {r['name']} have a batch API?").slots.model_ids == [r["id"]]
    ]
    has, lacks = linked[0], linked[1]
    store.write("MATCH (m:Model {id: $id}) SET m.batch_api = true, m.batch_api_source = 'test'", id=has["id"])
    try:
        graph = GraphRetriever(store, analyzer)
        answerer = Answerer(ScriptedGenerator("unused"), phrase_facts=False)

        result = graph.search(f"Does {has['name']} have a batch API?", access=AccessFilter.public())
        first = result.evidence[0]
        assert first.fact_id == FactId.model_fact(has["id"], "batch_api") and first.value is True
        answer = answerer.answer(result)
        assert answer.answer == f"{has['name']} offers a batch API [1]." and not answer.refused

        result = graph.search(f"Does {lacks['name']} have a batch API?", access=AccessFilter.public())
        assert result.evidence[0].fact_id == FactId.model_fact(lacks["id"], "batch_api")
        assert result.evidence[0].value is None
        assert answerer.answer(result).refused  # the graph does not say: no answer from other facts
    finally:
        store.write("MATCH (m:Model {id: $id}) REMOVE m.batch_api, m.batch_api_source", id=has["id"])
