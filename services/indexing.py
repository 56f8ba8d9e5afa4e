"""Keeping the search indexes in step with the graph, which is the source of truth.

Ingestion jobs write chunks to the graph and hand them to an `IndexSink`; after every catalog or
news ingestion the model cards are rebuilt, so both indexes always hold a model's current facts.
`verify` and `rebuild` compare and repair the indexes against the graph's chunk hashes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from pydantic import BaseModel

from catalog.cards import write_model_cards
from core.chunks import Chunk
from core.progress import NullProgress, Progress
from kg import news_queries as nq
from kg.store import GraphStore
from rag.indexes import ChunkIndexes, VerifyReport

log = logging.getLogger(__name__)
CARD_BATCH = 512  # model cards embedded per step, so progress moves while they are


class IndexSink:
    """The `ChunkSink` over both indexes: upsert, then save, so each batch is durable."""

    def __init__(self, indexes: ChunkIndexes) -> None:
        self.indexes = indexes

    def add(self, chunks: Sequence[Chunk]) -> int:
        report = self.indexes.upsert(chunks)
        self.indexes.save()
        return report.embedded


class BufferedIndexSink(IndexSink):
    """Upserts on `add`, saves (atomically) on `flush`: the news job flushes every few seconds of
    work instead of rewriting both whole indexes after every batch."""

    def add(self, chunks: Sequence[Chunk]) -> int:
        return self.indexes.upsert(chunks).embedded

    def flush(self) -> None:
        self.indexes.save()


class IndexCheck(BaseModel):
    ok: bool
    expected: int
    vectors: int
    keywords: int
    missing: int
    extra: int
    stale: int
    examples: list[str]


class RebuildReport(BaseModel):
    chunks: int
    embedded: int
    removed: int


def sync_model_cards(store: GraphStore, indexes: ChunkIndexes, progress: Progress | None = None) -> int:
    """Rebuild every model's card in the graph and both indexes; returns how many were (re-)embedded.

    Cards of models that left the catalog are removed too, and both indexes are saved once."""
    return index_model_cards(indexes, write_model_cards(store), progress)


def index_model_cards(indexes: ChunkIndexes, cards: Sequence[Chunk], progress: Progress | None = None) -> int:
    """Bring both indexes in step with `cards` (every model's card, as `write_model_cards` returns
    them): upsert (re-embedding only changed texts), drop cards of gone models, save. Safe beside
    another writer of the indexes, such as a news ingestion adding article chunks."""
    steps = progress or NullProgress()
    task = steps.start("model cards", total=len(cards))
    embedded = 0
    slices = [cards[start : start + CARD_BATCH] for start in range(0, len(cards), CARD_BATCH)]
    # one card per document, so slices prune nothing extra; as many slices embed at once as the
    # embedder takes (ChunkIndexes allows concurrent upserts), so no slice's tail leaves a core idle
    with ThreadPoolExecutor(max_workers=indexes.embedder.concurrent_calls) as pool:
        for part, report in zip(slices, pool.map(indexes.upsert, slices), strict=True):
            embedded += report.embedded
            steps.advance(task, len(part))
    steps.finish(task)
    live = {c.id for c in cards}
    indexes.remove(cid for cid in indexes.ids_of_kind("model") if cid not in live)
    indexes.save()
    return embedded


def verify(store: GraphStore, indexes: ChunkIndexes) -> IndexCheck:
    """Do both indexes hold exactly the graph's chunks, with the same content hashes?"""
    expected = {r["id"]: r["content_hash"] for r in store.read(nq.CHUNK_HASHES)}
    report: VerifyReport = indexes.verify(expected)
    return IndexCheck(
        ok=report.ok, expected=report.expected_count, vectors=report.vector_count,
        keywords=report.keyword_count, missing=len(report.missing), extra=len(report.extra),
        stale=len(report.stale), examples=(report.missing + report.extra + report.stale)[:10],
    )  # fmt: skip


def reembed_if_mismatched(store: GraphStore, indexes: ChunkIndexes, progress: Progress | None = None) -> int:
    """An index built with the other embedding path is re-embedded whole with this one (see
    `rag.indexes`); returns how many chunks that took (0 when the kinds agree)."""
    if indexes.mismatch is None:
        return 0
    log.warning("%s Re-embedding every chunk.", indexes.mismatch)
    indexes.reset_vectors()
    return rebuild(store, indexes, progress).embedded


def rebuild(store: GraphStore, indexes: ChunkIndexes, progress: Progress | None = None) -> RebuildReport:
    """Bring both indexes in line with the graph (re-embeds only what is missing or stale; all of it
    when the index was built with the other embedding path)."""
    if indexes.mismatch is not None:
        indexes.reset_vectors()
    chunks = [Chunk(**row) for row in store.read(nq.ALL_CHUNKS)]
    steps = progress or NullProgress()
    task = steps.start("index chunks", total=len(chunks))
    embedded = 0
    for start in range(0, len(chunks), 2048):
        part = chunks[start : start + 2048]
        embedded += indexes.upsert(part, prune_docs=False).embedded
        steps.advance(task, len(part))
    steps.finish(task)
    expected = {c.id for c in chunks}
    extra = [i for i in indexes.vectors.ids() | indexes.keywords.ids() if i not in expected]
    indexes.remove(extra)
    indexes.save()
    return RebuildReport(chunks=len(chunks), embedded=embedded, removed=len(extra))
