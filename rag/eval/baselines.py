"""The systems the harness compares, all behind one small interface (`System`).

- hybrid, vector, bm25, graph: the project's retrievers (`rag.hybrid`, `rag.chunk_retrievers`,
  `rag.graph_retriever`), each followed by the same `Answerer` and chat model;
- langchain: a plain LangChain RAG, the baseline a team would write first: langchain_core's
  `InMemoryVectorStore` over the same chunks with the same MiniLM (wrapped as LangChain
  `Embeddings`), a minimal prompt, the same chat model, no grounding check and no graph.

Nothing here reaches the network: the embedder and the chat model are local.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.vectorstores import InMemoryVectorStore

from core.access import AccessFilter
from kg import news_queries as nq
from kg.store import GraphStore
from rag.answer import Answerer
from rag.base import Embedder
from rag.chunk_retrievers import KeywordRetriever, VectorRetriever
from rag.eval import SYSTEMS
from rag.graph_retriever import GraphRetriever
from rag.hybrid import HybridRetriever
from rag.indexes import ChunkIndexes
from rag.qa import (
    Answer,
    Citation,
    Evidence,
    EvidenceKind,
    Generator,
    QuestionAnalysis,
    RetrievalResult,
    Retriever,
)
from rag.question import QuestionAnalyzer


class System(Protocol):
    """Retrieve, then answer: two calls so retrieval can be timed and scored on its own."""

    name: str

    def retrieve(self, question: str, k: int) -> RetrievalResult: ...

    def answer(self, result: RetrievalResult) -> Answer: ...


@dataclass
class RetrieverSystem:
    """One of the project's retrievers followed by the project's Answerer."""

    name: str
    retriever: Retriever
    answerer: Answerer
    access: AccessFilter = field(default_factory=AccessFilter.public)

    def retrieve(self, question: str, k: int) -> RetrievalResult:
        return self.retriever.search(question, k=k, access=self.access)

    def answer(self, result: RetrievalResult) -> Answer:
        return self.answerer.answer(result)


# -- the plain LangChain baseline -------------------------------------------------------------------
class EmbedderEmbeddings(Embeddings):
    """Our SentenceTransformerEmbedder as LangChain `Embeddings`: the same vectors as our index."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [list(map(float, v)) for v in self.embedder.embed(texts)]

    def embed_query(self, text: str) -> list[float]:
        return [float(x) for x in self.embedder.embed([text])[0]]


PLAIN_SYSTEM = (
    "Answer the question using only the context below. Cite the sources you use as [n]. "
    "If the context does not contain the answer, say that you don't know."
)
PLAIN_PROMPT = ChatPromptTemplate.from_messages(
    [("system", PLAIN_SYSTEM), ("human", "Context:\n{context}\n\nQuestion: {question}")]
)
CONTEXT_CHARS = 360  # per document: the same budget the Answerer gives an article chunk
_CITE = re.compile(r"\[(\d+)\]")
_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


class LangChainRAG:
    """Vector store, prompt, chat model: nothing checks the answer against the evidence."""

    name = "langchain"

    def __init__(
        self, store: InMemoryVectorStore, generator: Generator, *, max_docs: int = 6, max_new_tokens: int = 96
    ) -> None:
        self.store = store
        self.generator = generator
        self.max_docs = max_docs
        self.max_new_tokens = max_new_tokens

    @classmethod
    def from_graph(
        cls,
        graph: GraphStore,
        embedder: Embedder,
        generator: Generator,
        *,
        public_only: bool = True,
        **kw: Any,
    ) -> LangChainRAG:
        """Embed every chunk the graph holds (public ones by default), as a LangChain user would."""
        store = InMemoryVectorStore(EmbedderEmbeddings(embedder))
        docs = [
            Document(id=row["id"], page_content=row["text"], metadata=_metadata(row))
            for row in graph.read(nq.ALL_CHUNKS)
            if not public_only or (row["classification"] == "public" and row["tenant"] is None)
        ]
        if docs:
            store.add_documents(docs, ids=[d.id for d in docs if d.id])
        return cls(store, generator, **kw)

    def retrieve(self, question: str, k: int) -> RetrievalResult:
        started = time.perf_counter()
        hits = self.store.similarity_search_with_score(question, k=k)
        evidence = [_evidence(doc, score) for doc, score in hits]
        elapsed = round((time.perf_counter() - started) * 1000, 2)
        return RetrievalResult(
            question, QuestionAnalysis(family="open"), evidence, {"vector": elapsed, "total": elapsed}
        )

    def answer(self, result: RetrievalResult) -> Answer:
        started = time.perf_counter()
        numbered = result.evidence[: self.max_docs]
        context = "\n".join(f"[{n}] {_clip(e.title, e.text)}" for n, e in enumerate(numbered, start=1))
        messages = [
            {"role": _ROLES.get(m.type, "user"), "content": str(m.content)}
            for m in PLAIN_PROMPT.format_messages(context=context, question=result.question)
        ]
        text = self.generator.generate(messages, max_new_tokens=self.max_new_tokens).strip()
        cited = [int(n) for n in dict.fromkeys(_CITE.findall(text)) if 1 <= int(n) <= len(numbered)]
        citations = [_citation(n, numbered[n - 1]) for n in cited]
        timings = dict(result.timings_ms, generate=round((time.perf_counter() - started) * 1000, 2))
        return Answer(
            result.question, text, citations, QuestionAnalysis(family="open"), False, numbered, timings
        )


def _citation(n: int, e: Evidence) -> Citation:
    return Citation(n=n, kind=e.kind, id=e.id, title=e.title, url=e.url, date=e.date)


def _metadata(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in ("doc_id", "kind", "title", "url", "date")}


def _evidence(doc: Document, score: float) -> Evidence:
    meta = doc.metadata
    kind: EvidenceKind = "model" if meta.get("kind") == "model" else "article"
    return Evidence(kind=kind, id=str(doc.id), text=doc.page_content, title=meta.get("title"),
                    url=meta.get("url"), date=meta.get("date"), score=float(score))  # fmt: skip


def _clip(title: str | None, text: str) -> str:
    body = " ".join(text.split())
    if len(body) > CONTEXT_CHARS:
        body = body[:CONTEXT_CHARS].rsplit(" ", 1)[0] + " ..."
    return f"{title}: {body}" if title else body


# -- building the named systems ---------------------------------------------------------------------
def build_systems(
    names: Sequence[str],
    graph: GraphStore,
    indexes: ChunkIndexes,
    generator: Generator,
    *,
    answerer: Answerer | None = None,
    access: AccessFilter | None = None,
    max_new_tokens: int = 96,
) -> list[System]:
    """The systems by name, sharing one graph, one pair of indexes, one analyser and one chat model."""
    unknown = sorted(set(names) - set(SYSTEMS))
    if unknown:
        raise ValueError(f"Unknown system(s) {unknown}; choose from {', '.join(SYSTEMS)}.")
    answerer = answerer or Answerer(generator, max_new_tokens=max_new_tokens)
    access = access or AccessFilter.public()
    retrievers = RetrieverSet(graph, indexes)
    systems: list[System] = []
    for name in names:
        if name == "langchain":
            systems.append(
                LangChainRAG.from_graph(graph, indexes.embedder, generator, max_new_tokens=max_new_tokens)
            )
        else:
            systems.append(RetrieverSystem(name, retrievers.get(name), answerer, access))
    return systems


class RetrieverSet:
    """vector-only, BM25-only, graph-only and hybrid, built from the retrieval package's classes;
    the question analyser (a scan of every graph name) is built once and shared."""

    def __init__(self, graph: GraphStore, indexes: ChunkIndexes) -> None:
        self.store = graph
        self.indexes = indexes
        self._built: dict[str, Retriever] = {}

    def get(self, name: str) -> Retriever:
        if name not in self._built:
            self._built[name] = self._make(name)
        return self._built[name]

    def _make(self, name: str) -> Retriever:
        if name == "vector":
            return VectorRetriever(self.indexes, self.store)
        if name == "bm25":
            return KeywordRetriever(self.indexes, self.store)
        if name == "graph":
            return GraphRetriever(self.store, QuestionAnalyzer.from_store(self.store))
        if name == "hybrid":
            graph = self.get("graph")
            assert isinstance(graph, GraphRetriever)
            return HybridRetriever(graph, self.get("vector"), self.get("bm25"))
        raise ValueError(f"No retriever is called {name!r}.")
