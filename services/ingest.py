"""Ingestion as the shells run it: the catalog or news job, then the search indexes brought in step.

Either job changes what models' fact cards say, so both end by syncing the model cards in the graph
and in both indexes (re-embedding only the cards whose text changed).
"""

from __future__ import annotations

from collections.abc import Sequence

from catalog.job import CatalogIngestJob, IngestSummary
from catalog.news.inputs import NewsInput
from catalog.news.job import NewsIngestJob, NewsIngestSummary
from catalog.readers.base import Reader
from core.progress import Progress

from .context import AppContext
from .indexing import IndexSink, sync_model_cards


class CatalogIngestResult(IngestSummary):
    """The catalog job's summary plus what the index sync did."""

    model_cards_embedded: int
    chunks_total: int


class NewsIngestResult(NewsIngestSummary):
    """The news job's summary plus what the index sync did."""

    model_cards_embedded: int
    chunks_total: int


def ingest_catalog(
    ctx: AppContext, readers: Sequence[Reader], *, progress: Progress | None = None
) -> CatalogIngestResult:
    store = ctx.store
    store.apply_schema()
    job = CatalogIngestJob(
        store, readers, progress=progress, run_log=ctx.settings.log_dir / "ingest-runs.jsonl"
    )
    summary = job.run()
    cards = sync_model_cards(store, ctx.indexes)
    ctx.reset_retriever()
    return CatalogIngestResult(
        **summary.model_dump(), model_cards_embedded=cards, chunks_total=len(ctx.indexes)
    )


def ingest_news(
    ctx: AppContext, inputs: Sequence[NewsInput], *, progress: Progress | None = None, batch_size: int = 2000
) -> NewsIngestResult:
    store = ctx.store
    store.apply_schema()
    job = NewsIngestJob(
        store, inputs, IndexSink(ctx.indexes), chunk_size=ctx.settings.chunk_size,
        chunk_overlap=ctx.settings.chunk_overlap, progress=progress, batch_size=batch_size,
    )  # fmt: skip
    summary = job.run()
    cards = sync_model_cards(store, ctx.indexes)
    ctx.reset_retriever()
    return NewsIngestResult(**summary.model_dump(), model_cards_embedded=cards, chunks_total=len(ctx.indexes))
