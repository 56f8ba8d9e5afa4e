"""Graph facts, vector hits and keyword hits fused into one ranked evidence list.

Reciprocal rank fusion: an item scores `sum(weight[list] / (k_rrf + rank))` over the lists it is in
(rank from 1). Graph facts are a list like the others, not an appendix: a fact ranked first by its
template competes with the best chunk on equal terms (and wins ties; `weights` can favour it more).

Permission filtering happens before any ranking: each retriever gets the caller's AccessFilter (the
templates filter in Cypher, the indexes before their top-k), and the fusion itself only ever sees
items the filter allows. Nothing is dropped after ranking, so the caller still gets k items.

Dedupe: within the chunk lists a document counts once (its best chunk), and a document found by both
the vector and the keyword index sums both contributions. A graph article is fused on its own (the
graph's order, e.g. newest first, is a ranking the text lists do not know) and, after ranking, the
lower-ranked of a graph article and a chunk of the same document is dropped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from core.access import AccessFilter
from rag.chunk_retrievers import ChunkRetriever
from rag.graph_retriever import GraphRetriever
from rag.qa import Evidence, RetrievalResult, Retriever, document_key

DEFAULT_WEIGHTS: Mapping[str, float] = {"graph": 2.0, "vector": 1.0, "keyword": 1.0}


@dataclass
class _Fused:
    evidence: Evidence
    score: float
    best_rank: int
    list_order: int


def reciprocal_rank_fusion(
    ranked: Sequence[tuple[str, Sequence[Evidence]]],
    *,
    k_rrf: int = 60,
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
) -> list[Evidence]:
    """Fuse named ranked lists, best first; `score` on each item is its fused score.

    The representative of a key is its best-ranked item (ties: the earlier list, i.e. the graph).
    """
    fused: dict[str, _Fused] = {}
    for order, (name, items) in enumerate(ranked):
        seen: set[str] = set()
        for rank, item in enumerate(items, 1):
            key = ("graph:" if name == "graph" else "") + document_key(item)
            if key in seen:  # a second chunk of the same document adds nothing from the same list
                continue
            seen.add(key)
            gain = weights.get(name, 1.0) / (k_rrf + rank)
            current = fused.get(key)
            if current is None:
                fused[key] = _Fused(item, gain, rank, order)
                continue
            current.score += gain
            if (rank, order) < (current.best_rank, current.list_order):
                current.evidence, current.best_rank, current.list_order = item, rank, order
    ordered = sorted(fused.values(), key=lambda f: (-f.score, f.best_rank, f.list_order, f.evidence.id))
    out: dict[str, Evidence] = {}
    for f in ordered:
        out.setdefault(document_key(f.evidence), replace(f.evidence, score=f.score))
    return list(out.values())


class HybridRetriever(Retriever):
    """Graph ⊕ vector ⊕ keyword. The question is analysed once; the graph templates then run in a
    worker thread while the query is embedded and searched here (the graph work is mostly waiting on
    the server, the embedding mostly torch outside the GIL), so retrieval costs about the slower of
    the two, not their sum. Vector and keyword search the analysis' `search_text` (the question, with
    the names a follow-up refers to)."""

    def __init__(
        self,
        graph: GraphRetriever,
        vector: Retriever,
        keyword: Retriever,
        k_rrf: int = 60,
        *,
        depth: int | None = None,
        weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    ) -> None:
        self.graph = graph
        self.vector = vector
        self.keyword = keyword
        self.k_rrf = k_rrf
        self.depth = depth  # candidates per list; default 2k
        self.weights = dict(weights)
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="graph-retrieval")

    def search(
        self, question: str, *, k: int = 8, access: AccessFilter, history: Sequence[str] = ()
    ) -> RetrievalResult:
        started = time.perf_counter()
        depth = max(k, self.depth or 2 * k)
        analysis = self.graph.analyzer.analyze(question, history)
        analysed = time.perf_counter()
        graph_job = self._pool.submit(_timed, self.graph.retrieve, analysis, k=depth, access=access)
        text = analysis.slots.search_text or question
        vector_evidence, keyword_evidence, chunk_timings = self._chunks(text, depth, access)
        graph_evidence, graph_ms = graph_job.result()
        fusing = time.perf_counter()
        lists = [
            (name, [e for e in evidence if access.allows(e)])  # the fusion sees allowed items only
            for name, evidence in (("graph", graph_evidence), ("vector", vector_evidence), ("keyword", keyword_evidence))
        ]  # fmt: skip
        evidence = reciprocal_rank_fusion(lists, k_rrf=self.k_rrf, weights=self.weights)[:k]
        done = time.perf_counter()
        timings = {"analyze": (analysed - started) * 1000, "graph": graph_ms, **chunk_timings}
        timings["fusion"] = (done - fusing) * 1000
        timings["total"] = (done - started) * 1000
        return RetrievalResult(question, analysis, evidence, timings)

    def _chunks(
        self, text: str, depth: int, access: AccessFilter
    ) -> tuple[list[Evidence], list[Evidence], dict[str, float]]:
        """Vector and keyword evidence. Two chunk retrievers over one graph: both indexes rank (each
        filtering by `access` before its top-k), then ONE graph query reads the chunks of both lists,
        with the same filter inside it. Any other retrievers: each searched on its own."""
        v, kw = self.vector, self.keyword
        if isinstance(v, ChunkRetriever) and isinstance(kw, ChunkRetriever) and v.store is kw.store:
            _, vector_hits, vector_ms = v.hits(text, k=depth, access=access)
            _, keyword_hits, keyword_ms = kw.hits(text, k=depth, access=access)
            started = time.perf_counter()
            vector_evidence, keyword_evidence = ChunkRetriever.evidence_of(
                [vector_hits, keyword_hits], access, v.store
            )
            lookup_ms = (time.perf_counter() - started) * 1000
            timings = {v.stage: vector_ms, kw.stage: keyword_ms, "chunks_lookup": lookup_ms}
            return vector_evidence, keyword_evidence, timings
        vector = v.search(text, k=depth, access=access)
        keyword = kw.search(text, k=depth, access=access)
        return vector.evidence, keyword.evidence, {**vector.timings_ms, **keyword.timings_ms}


def _timed(call: Callable[..., list[Evidence]], *args: Any, **kwargs: Any) -> tuple[list[Evidence], float]:
    started = time.perf_counter()
    return call(*args, **kwargs), (time.perf_counter() - started) * 1000
