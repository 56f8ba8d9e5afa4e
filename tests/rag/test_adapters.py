"""Our retrievers inside LangChain and LlamaIndex, over the real catalog graph; no LLM, no network."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from langchain_core.documents import Document
from langchain_core.runnables import RunnableLambda
from llama_index.core.llms import MockLLM
from llama_index.core.query_engine import RetrieverQueryEngine
from llama_index.core.response_synthesizers.no_text import NoText
from llama_index.core.schema import MetadataMode

from catalog.job import CatalogIngestJob
from catalog.readers.llm_stats import LlmStatsReader
from core.access import AccessFilter
from kg import queries
from kg.store import GraphStore
from rag.adapters.langchain import EvidenceRetriever as LangChainRetriever
from rag.adapters.llamaindex import EvidenceRetriever as LlamaIndexRetriever
from rag.graph_retriever import GraphRetriever
from rag.qa import Evidence, QuestionAnalysis, RetrievalResult, Retriever
from rag.question import QuestionAnalyzer

QUESTION = "What is the context length of Claude 3 Opus?"


@pytest.fixture(scope="module")
def graph(session_store: GraphStore, shared_data: Path) -> GraphRetriever:
    session_store.write(queries.DELETE_ALL)
    CatalogIngestJob(session_store, [LlmStatsReader(shared_data / "catalog" / "llm_stats")]).run()
    return GraphRetriever(session_store, QuestionAnalyzer.from_store(session_store))


@pytest.fixture(scope="module")
def context_length(graph: GraphRetriever) -> int:
    rows = graph.store.read(
        "MATCH (m:Model {id: $id}) RETURN m.context_length AS n", id="claude-3-opus-20240229"
    )
    return int(rows[0]["n"])


class Recording(Retriever):
    """Remembers what it was asked, to show the adapters pass the caller's filter and history."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, AccessFilter, list[str]]] = []

    def search(
        self, question: str, *, k: int = 8, access: AccessFilter, history: Sequence[str] = ()
    ) -> RetrievalResult:
        self.calls.append((question, k, access, list(history)))
        return RetrievalResult(
            question, QuestionAnalysis(family="open"), [Evidence(kind="fact", id="fact:x", text="x")]
        )


def test_langchain_retriever_in_a_chain(graph: GraphRetriever, context_length: int) -> None:
    retriever = LangChainRetriever(retriever=graph, access=AccessFilter.public(), k=3)
    docs = retriever.invoke(QUESTION)
    assert all(isinstance(d, Document) for d in docs) and len(docs) == 3
    top = docs[0]
    assert top.metadata["id"] == "fact:claude-3-opus-20240229:context_length" and top.id == top.metadata["id"]
    assert top.metadata["kind"] == "fact" and top.metadata["value"] == context_length
    assert set(top.metadata) >= {"kind", "id", "url", "date", "source", "title", "score"}

    def numbered(found: list[Document]) -> str:
        return "\n".join(f"[{n}] {d.page_content}" for n, d in enumerate(found, 1))

    chain = RunnableLambda(str.strip) | retriever | RunnableLambda(numbered)
    context = chain.invoke(f"  {QUESTION}  ")
    assert (
        context.startswith("[1] Claude 3 Opus has a context length of") and f"{context_length:,}" in context
    )


def test_llamaindex_retriever_in_a_query_engine(graph: GraphRetriever, context_length: int) -> None:
    retriever = LlamaIndexRetriever(graph, AccessFilter.public(), k=4)
    engine = RetrieverQueryEngine(retriever=retriever, response_synthesizer=NoText(llm=MockLLM()))
    response = engine.query(QUESTION)
    nodes = response.source_nodes
    assert len(nodes) == 4
    assert nodes[0].node.node_id == "fact:claude-3-opus-20240229:context_length"
    assert nodes[0].node.metadata["value"] == context_length
    assert f"{context_length:,}" in nodes[0].node.get_content()
    assert "value" not in nodes[0].node.get_content(
        metadata_mode=MetadataMode.LLM
    )  # exact values stay out of prompts


def test_both_adapters_pass_the_callers_filter_and_history() -> None:
    recording = Recording()
    confidential = AccessFilter(frozenset({"public", "confidential"}), frozenset({"acme"}))
    LangChainRetriever(retriever=recording, access=confidential, k=2, history=["Who made GPT-4o?"]).invoke(
        "and it?"
    )
    LlamaIndexRetriever(recording, AccessFilter.public(), k=5).retrieve("why?")
    assert recording.calls == [
        ("and it?", 2, confidential, ["Who made GPT-4o?"]),
        ("why?", 5, AccessFilter.public(), []),
    ]
