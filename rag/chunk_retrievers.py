"""Vector and keyword retrieval over the chunk indexes, as `Retriever`s that return Evidence.

The caller's AccessFilter goes to the index, which filters before it ranks (FAISS ID selector, BM25
mask), so a hidden chunk can neither appear nor take a place in the top k. Text, title, url and date
come from the graph's Chunk nodes, read with the same access filter: a chunk whose labels in the
graph no longer allow the caller (relabelled, index not yet rebuilt) is left out, never shown.
"""

from __future__ import annotations

import time
from abc import abstractmethod
from collections.abc import Collection, Sequence
from typing import Any

from core.access import AccessFilter
from kg import qa_queries as Q
from kg.store import GraphStore
from rag.base import ScoredId
from rag.contracts import Slots
from rag.graph_retriever import access_params
from rag.indexes import ChunkIndexes
from rag.qa import Evidence, EvidenceKind, QuestionAnalysis, RetrievalResult, Retriever

# Chunk kinds as evidence kinds; an uploaded document cites like an article (the contract has no
# "document" kind).
_KINDS: dict[str, EvidenceKind] = {"article": "article", "model": "model", "document": "article"}


class ChunkRetriever(Retriever):
    stage = "chunks"

    def __init__(self, indexes: ChunkIndexes, store: GraphStore) -> None:
        self.indexes = indexes
        self.store = store

    @abstractmethod
    def _hits(
        self, query: str, k: int, access: AccessFilter, doc_ids: Collection[str] | None = None
    ) -> list[ScoredId]: ...

    def search(
        self,
        question: str,
        *,
        k: int = 8,
        access: AccessFilter,
        history: Sequence[str] = (),
        doc_ids: Collection[str] | None = None,
    ) -> RetrievalResult:
        """Top-k chunks; with history, the previous question is searched too ('and its price?').
        `doc_ids` (optional) restricts the search to those documents, inside the index (before top-k)."""
        query = f"{history[-1]} {question}" if history else question
        started = time.perf_counter()
        hits = self._hits(query, k, access, doc_ids)
        searched = time.perf_counter()
        evidence = self.evidence(hits, access)
        timings = {
            self.stage: (searched - started) * 1000,
            f"{self.stage}_lookup": (time.perf_counter() - searched) * 1000,
        }
        analysis = QuestionAnalysis(family="open", slots=Slots(search_text=query))
        return RetrievalResult(question, analysis, evidence, timings)

    def hits(
        self, question: str, *, k: int, access: AccessFilter, history: Sequence[str] = ()
    ) -> tuple[str, list[ScoredId], float]:
        """The ranked hits only (the index filters by `access` before its top-k), without the graph
        lookup: (the query searched, hits, ms). `evidence_of` then reads several lists' chunks at once."""
        query = f"{history[-1]} {question}" if history else question
        started = time.perf_counter()
        hits = self._hits(query, k, access)
        return query, hits, (time.perf_counter() - started) * 1000

    def evidence(self, hits: Sequence[ScoredId], access: AccessFilter) -> list[Evidence]:
        """Hits as Evidence, in hit order, with text and labels from the graph."""
        return self.evidence_of([hits], access, self.store)[0]

    @staticmethod
    def evidence_of(
        hit_lists: Sequence[Sequence[ScoredId]], access: AccessFilter, store: GraphStore
    ) -> list[list[Evidence]]:
        """Several hit lists as Evidence lists (each in its hit order) from ONE graph query over the
        union of their chunk ids, read with the access filter inside the query (a chunk the graph no
        longer allows the caller is left out of every list)."""
        ids = list(dict.fromkeys(h.chunk_id for hits in hit_lists for h in hits))
        if not ids:
            return [[] for _ in hit_lists]
        rows = {
            r["id"]: r for r in store.read(Q.CHUNKS_BY_IDS, ids=ids, limit=len(ids), **access_params(access))
        }
        return [ChunkRetriever._as_evidence(hits, rows) for hits in hit_lists]

    @staticmethod
    def _as_evidence(hits: Sequence[ScoredId], rows: dict[str, dict[str, Any]]) -> list[Evidence]:
        out = []
        for hit in hits:
            row = rows.get(hit.chunk_id)
            if row is None:
                continue
            kind = _KINDS.get(row["kind"], "article")
            out.append(
                Evidence(
                    kind=kind,
                    id=row["id"],
                    text=row["text"],
                    title=row["title"],
                    url=row["url"],
                    date=row["date"],
                    source=row["source"] or ("catalog" if kind == "model" else None),
                    score=hit.score,
                    classification=row["classification"],
                    tenant=row["tenant"],
                )
            )
        return out


class VectorRetriever(ChunkRetriever):
    """MiniLM embedding of the question, nearest chunks by cosine similarity."""

    stage = "vector"

    def _hits(
        self, query: str, k: int, access: AccessFilter, doc_ids: Collection[str] | None = None
    ) -> list[ScoredId]:
        return self.indexes.search_vector(query, k, access, doc_ids)


class KeywordRetriever(ChunkRetriever):
    """BM25 over the chunk texts: exact names, numbers and rare words that embeddings blur."""

    stage = "keyword"

    def _hits(
        self, query: str, k: int, access: AccessFilter, doc_ids: Collection[str] | None = None
    ) -> list[ScoredId]:
        return self.indexes.search_keyword(query, k, access, doc_ids)
