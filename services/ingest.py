"""Ingestion as the shells run it: the catalog or news job, with the search indexes brought in step.

Both sync the model cards in the graph and in both indexes (re-embedding only the cards whose text
changed): the catalog job after its run, as it changes what the cards say; the news job from its
start, beside its run, as news does not (and an index built elsewhere is repaired either way).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from pydantic import BaseModel

from catalog.cards import write_model_cards
from catalog.job import CatalogIngestJob, IngestSummary
from catalog.news.inputs import NewsInput
from catalog.news.job import NewsIngestJob, NewsIngestSummary
from catalog.readers.base import Reader
from core.progress import Progress

from .context import AppContext
from .indexing import BufferedIndexSink, index_model_cards, reembed_if_mismatched, sync_model_cards


class IndexSyncSummary(BaseModel):
    """What the index sync after an ingestion did."""

    model_cards_embedded: int
    chunks_total: int


class CatalogIngestResult(IndexSyncSummary, IngestSummary):
    """The catalog job's summary plus what the index sync did."""


class NewsIngestResult(IndexSyncSummary, NewsIngestSummary):
    """The news job's summary plus what the index sync did."""


def _after_ingest(ctx: AppContext, cards_embedded: int) -> dict[str, int]:
    """Let the retriever see the new entities; what the index sync did."""
    ctx.reset_retriever()
    return {"model_cards_embedded": cards_embedded, "chunks_total": len(ctx.indexes)}


def ingest_catalog(
    ctx: AppContext, readers: Sequence[Reader], *, progress: Progress | None = None
) -> CatalogIngestResult:
    store = ctx.store
    store.apply_schema()
    reembed_if_mismatched(store, ctx.indexes, progress)
    job = CatalogIngestJob(
        store, readers, progress=progress, run_log=ctx.settings.log_dir / "ingest-runs.jsonl"
    )
    summary = job.run()
    # the catalog changes what model cards say: rebuild them after the run
    cards_embedded = sync_model_cards(store, ctx.indexes, progress)
    return CatalogIngestResult(**summary.model_dump(), **_after_ingest(ctx, cards_embedded))


def ingest_news(
    ctx: AppContext,
    inputs: Sequence[NewsInput],
    *,
    progress: Progress | None = None,
    batch_size: int = 1000,
    flush_every_s: float = 30.0,
) -> NewsIngestResult:
    """Newest articles first; graph writes overlap embedding (and, with the ONNX embedder, two batches
    embed at once: `ChunkIndexes` takes concurrent upserts); the indexes are saved every ~30 s
    (atomically) and articles are marked complete only once saved (see `catalog.news.job`).
    Batches of 1,000 articles: each embedding call then sorts more texts by length and ends with
    fewer half-idle cores than with 250 (full corpus, 2 cores: 246 s -> 225 s).

    News does not change what model cards say, so the cards are synced first, not after: written to
    the graph, then embedded in the background while the job reads and deduplicates its inputs (a
    few seconds of one busy core otherwise), which also makes models searchable before any news."""
    store = ctx.store
    store.apply_schema()
    reembed_if_mismatched(store, ctx.indexes, progress)
    cards = write_model_cards(store)
    job = NewsIngestJob(
        store, inputs, BufferedIndexSink(ctx.indexes), chunk_size=ctx.settings.chunk_size,
        chunk_overlap=ctx.settings.chunk_overlap, progress=progress, batch_size=batch_size,
        flush_every_s=flush_every_s, concurrent_adds=ctx.indexes.embedder.concurrent_calls,
    )  # fmt: skip
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="model-cards") as background:
        cards_synced = background.submit(index_model_cards, ctx.indexes, cards, progress)
        summary = job.run()  # should it fail, leaving the block still waits for the cards
        embedded = cards_synced.result()
    return NewsIngestResult(**summary.model_dump(), **_after_ingest(ctx, embedded))
