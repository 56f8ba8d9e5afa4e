"""Retrieval for news questions that span several articles: one filtered search per part, fused.

Each part of a `NewsQuestion` (rag.news_question) carries its own filters. They are applied inside
the graph query (publisher `Source` nodes, a published-date window, the access filter in the same
WHERE; kg.news_queries.news_filtered_articles) and, through the matching article ids, inside both
chunk indexes (FAISS selector, BM25 mask; both also apply the caller's AccessFilter before top-k).
The vector, keyword and graph lists of a part are fused by reciprocal rank, optionally reranked
(rag.rerank), and kept per part, so the answer can cite each part's article; the question's
evidence list interleaves the parts' rankings.

A part whose exact date window holds no article of its publisher is retried with one day either
side (time zones), and the widening is recorded.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any

from core.access import AccessFilter
from kg import news_queries as NQ
from kg import qa_queries as Q
from kg.store import GraphStore
from rag.graph_retriever import access_params, plain
from rag.hybrid import reciprocal_rank_fusion
from rag.indexes import ChunkIndexes
from rag.news_question import NewsPart, NewsQuestion, NewsQuestionAnalyzer, SourceCatalog
from rag.qa import Evidence, Retriever
from rag.question import QuestionAnalyzer
from rag.rerank import Candidate, Reranker

MAX_FILTERED = 5000  # articles a part's filters may match and still narrow the indexes
GRAPH_LIST = 40  # a part whose filters match at most this many articles ranks them all as a list


@dataclass
class PartEvidence:
    part: NewsPart
    candidates: list[Candidate]  # best first
    matched: int | None  # articles the part's filters matched in the graph; None: no filters
    widened: bool = False  # the date window was widened by a day either side


@dataclass
class NewsRetrieval:
    question: NewsQuestion
    parts: list[PartEvidence]
    evidence: list[Evidence]  # the parts' rankings interleaved, one item per article, best first
    timings_ms: dict[str, float] = field(default_factory=dict)


def _since_until(part: NewsPart, pad: int = 0) -> tuple[datetime | None, datetime | None]:
    since = until = None
    if part.date_from:
        since = datetime.combine(part.date_from - timedelta(days=pad), dtime(), UTC)
    if part.date_to:
        until = datetime.combine(part.date_to + timedelta(days=1 + pad), dtime(), UTC)
    return since, until


def _day(value: Any) -> str | None:
    value = plain(value)
    return str(value)[:10] if value else None


class NewsRetriever:
    """Per-part filtered hybrid retrieval over the graph and both chunk indexes."""

    def __init__(
        self,
        store: GraphStore,
        indexes: ChunkIndexes,
        analyzer: NewsQuestionAnalyzer,
        *,
        reranker: Reranker | None = None,
        k_rrf: int = 60,
    ) -> None:
        self.store = store
        self.indexes = indexes
        self.analyzer = analyzer
        self.reranker = reranker
        self.k_rrf = k_rrf
        self._by_source: dict[str, frozenset[str]] | None = None
        self._cache_lock = threading.Lock()

    @classmethod
    def build(
        cls, store: GraphStore, indexes: ChunkIndexes, linker: QuestionAnalyzer, **kwargs: Any
    ) -> NewsRetriever:
        sources = SourceCatalog(store.read(NQ.NEWS_SOURCE_NAMES))
        return cls(store, indexes, NewsQuestionAnalyzer(sources, linker), **kwargs)

    # ------------------------------------------------------------------ public
    def retrieve(
        self, question: str | NewsQuestion, *, access: AccessFilter, k: int = 10, rerank: bool = True
    ) -> NewsRetrieval:
        started = time.perf_counter()
        nq = self.analyzer.analyze(question) if isinstance(question, str) else question
        analysed = time.perf_counter()
        depth = max(2 * k, 20)
        texts = [p.text or p.claim for p in nq.parts]
        params = access_params(access)
        filters = [self._filtered(part, params) for part in nq.parts]
        filtered = time.perf_counter()
        # A part whose filters leave at most GRAPH_LIST articles ranks all of them as its graph list;
        # only the others need the question embedded (on 2 busy cores the embedding dominates).
        need = [
            i for i, (ids, matched, _, _) in enumerate(filters)
            if matched != 0 and (ids is None or len(ids) > GRAPH_LIST)
        ]  # fmt: skip
        vectors = (
            dict(zip(need, self.indexes.embedder.embed([texts[i] for i in need]), strict=True))
            if need
            else {}
        )
        embedded = time.perf_counter()
        parts: list[PartEvidence] = []
        search_ms = rank_ms = 0.0
        for i, (part, text) in enumerate(zip(nq.parts, texts, strict=True)):
            doc_ids, matched, widened, graph_rank = filters[i]
            if matched == 0:
                parts.append(PartEvidence(part, [], 0, widened))
                continue
            t1 = time.perf_counter()
            vec_hits = self.indexes.vectors.search(vectors[i], depth, access, doc_ids) if i in vectors else []
            kw_hits = self.indexes.keywords.search(text, depth, access, doc_ids)
            t2 = time.perf_counter()
            candidates = self._candidates(part, vec_hits, kw_hits, graph_rank, params, depth)
            if rerank and self.reranker is not None:
                candidates = self.reranker.rerank(part, candidates)
            parts.append(PartEvidence(part, candidates[:k], matched, widened))
            search_ms += (t2 - t1) * 1000
            rank_ms += (time.perf_counter() - t2) * 1000
        evidence = _interleave([p.candidates for p in parts], k)
        done = time.perf_counter()
        timings = {
            "analyze": (analysed - started) * 1000,
            "graph_filter": (filtered - analysed) * 1000,
            "embed": (embedded - filtered) * 1000,
            "search": search_ms,
            "candidates": rank_ms,
            "total": (done - started) * 1000,
        }
        return NewsRetrieval(nq, parts, evidence, timings)

    def _source_articles(self) -> dict[str, frozenset[str]]:
        """Article ids per source, read once per retriever (a new one after an ingestion)."""
        with self._cache_lock:
            if self._by_source is None:
                by_source: dict[str, set[str]] = {}
                for row in self.store.read(NQ.news_articles_per_source()):
                    by_source.setdefault(row["source"], set()).add(row["id"])
                self._by_source = {k: frozenset(v) for k, v in by_source.items()}
            return self._by_source

    # ------------------------------------------------------------------ steps
    def _filtered(
        self, part: NewsPart, params: dict[str, Any]
    ) -> tuple[list[str] | None, int | None, bool, list[str]]:
        """The part's matching article ids (None: no filter), how many, widened?, and the graph list."""
        if part.unknown_source:
            return [], 0, False, []
        if not part.filtered:
            return None, None, False, []
        if part.date_from is None and part.date_to is None and not part.entity_ids:
            # publisher only: its article ids from the per-retriever cache (a broad source would
            # otherwise cost thousands of rows per question); the indexes still apply `access`.
            ids = sorted(set().union(*(self._source_articles().get(s, ()) for s in part.sources)))
            return ids, len(ids), False, []
        widened = False
        rows = self._match(part, params, pad=0)
        if not rows and part.date_from is not None:
            rows, widened = self._match(part, params, pad=1), True
        ids = [r["id"] for r in rows]
        graph_rank: list[str] = []
        if 0 < len(ids) <= GRAPH_LIST:
            mentions = set(part.entity_ids)
            if mentions:  # articles that mention the part's entities first
                hits = {r["id"] for r in self._match(part, params, pad=1 if widened else 0, entities=True)}
                graph_rank = [i for i in ids if i in hits] + [i for i in ids if i not in hits]
            else:
                graph_rank = ids
        if len(ids) >= MAX_FILTERED:  # too broad to narrow the indexes by id: search everything
            return None, len(ids), widened, []
        return ids, len(ids), widened, graph_rank

    def _match(
        self, part: NewsPart, params: dict[str, Any], *, pad: int, entities: bool = False
    ) -> list[dict[str, Any]]:
        since, until = _since_until(part, pad)
        query = NQ.news_filtered_articles(by_source=bool(part.sources))
        return self.store.read(
            query,
            sources=list(part.sources),
            since=since,
            until=until,
            entity_ids=list(part.entity_ids) if entities else [],
            limit=MAX_FILTERED,
            **params,
        )

    def _candidates(
        self,
        part: NewsPart,
        vec_hits: Sequence[Any],
        kw_hits: Sequence[Any],
        graph_rank: Sequence[str],
        params: dict[str, Any],
        depth: int,
    ) -> list[Candidate]:
        chunk_ids = list(dict.fromkeys([h.chunk_id for h in vec_hits] + [h.chunk_id for h in kw_hits]))
        chunks: dict[str, dict[str, Any]] = {}
        if chunk_ids:
            chunks = {
                r["id"]: r
                for r in self.store.read(Q.CHUNKS_BY_IDS, ids=chunk_ids, limit=len(chunk_ids), **params)
            }
        texts: dict[str, str] = {cid: str(r["text"] or "") for cid, r in chunks.items()}

        def as_evidence(hits: Sequence[Any]) -> list[Evidence]:
            out = []
            for h in hits:
                row = chunks.get(h.chunk_id)
                if row is not None and row["kind"] in ("article", "document"):
                    out.append(_chunk_evidence(row, h.score))
            return out

        graph_list = [Evidence(kind="article", id=f"{doc}#0", text="", score=1.0) for doc in graph_rank]
        fused = reciprocal_rank_fusion(
            [("graph", graph_list), ("vector", as_evidence(vec_hits)), ("keyword", as_evidence(kw_hits))],
            k_rrf=self.k_rrf,
            weights={"graph": 1.0, "vector": 1.0, "keyword": 1.0},
        )[:depth]
        doc_ids = [e.id.rsplit("#", 1)[0] for e in fused]
        if not doc_ids:
            return []
        articles = {
            r["id"]: r
            for r in self.store.read(NQ.news_articles_by_ids(), ids=doc_ids, limit=len(doc_ids), **params)
        }
        out: list[Candidate] = []
        for rank, e in enumerate(fused):
            doc = e.id.rsplit("#", 1)[0]
            row = articles.get(doc)
            if row is None:
                continue  # a model card or a document: not news
            text = texts.get(e.id) or str(row["summary"] or "")
            evidence = Evidence(
                kind="article",
                id=e.id,
                text=text or str(row["title"]),
                title=row["title"],
                url=row["url"],
                date=_day(row["published"]),
                source=row["source_name"] or row["source"],
                score=e.score,
                classification=row["classification"],
                tenant=row["tenant"],
            )
            out.append(
                Candidate(
                    article_id=doc,
                    evidence=evidence,
                    source=str(row["source"]),
                    published=plain(row["published"]),
                    sentiment=row["sentiment"],
                    mentions=[m for m in row["mentions"] or [] if m],
                    fused=e.score,
                    rank=rank,
                )
            )
        return out


def _chunk_evidence(row: dict[str, Any], score: float) -> Evidence:
    return Evidence(
        kind="article",
        id=row["id"],
        text=row["text"],
        title=row["title"],
        url=row["url"],
        date=row["date"],
        source=row["source"],
        score=score,
        classification=row["classification"],
        tenant=row["tenant"],
    )


def _interleave(lists: Sequence[Sequence[Candidate]], k: int) -> list[Evidence]:
    out: dict[str, Evidence] = {}
    for rank in range(max((len(x) for x in lists), default=0)):
        for items in lists:
            if rank < len(items):
                out.setdefault(items[rank].article_id, items[rank].evidence)
    return list(out.values())[: max(k, 1) * max(len(lists), 1)]


# One news retriever per hybrid retriever: the source catalog is read and the linker shared once.
_ENGINES: weakref.WeakKeyDictionary[Retriever, NewsRetriever] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def news_retriever_for(retriever: Retriever) -> NewsRetriever | None:
    """The news retriever over the same graph, indexes and entity linker as `retriever` (a
    HybridRetriever); None for any other retriever (a test's fixed one), which keeps its own path."""
    graph = getattr(retriever, "graph", None)
    vector = getattr(retriever, "vector", None)
    linker = getattr(graph, "analyzer", None)
    indexes = getattr(vector, "indexes", None)
    store = getattr(vector, "store", None)
    if not (isinstance(linker, QuestionAnalyzer) and isinstance(indexes, ChunkIndexes)):
        return None
    if not isinstance(store, GraphStore):
        return None
    with _LOCK:
        engine = _ENGINES.get(retriever)
        if engine is None:
            engine = NewsRetriever.build(store, indexes, linker, reranker=Reranker())
            _ENGINES[retriever] = engine
        return engine


def day_of(value: Any) -> date | None:
    text = _day(value)
    return date.fromisoformat(text) if text else None
