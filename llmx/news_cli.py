"""`llmx ingest news` and `llmx index ...`: the news job and the search indexes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from catalog.news.config import FeedConfigError
from catalog.news.inputs import NewsInput, inputs_from_config, inputs_from_specs
from catalog.news.job import NewsIngestJob, NewsIngestSummary
from catalog.news.readers import FieldMapping
from catalog.news.records import NewsSourceError
from kg import news_queries as nq
from rag.base import Chunk
from rag.pipeline import open_indexes

from .console import fail, open_store, out, progress_bar
from .settings import Settings, get_settings

index_app = typer.Typer(help="The vector (FAISS) and keyword (BM25) indexes of chunks.", no_args_is_help=True)


def run_news_ingest(settings: Settings, inputs: list[NewsInput]) -> NewsIngestSummary:
    with open_store(settings) as store, progress_bar() as progress:
        store.apply_schema()
        job = NewsIngestJob(
            store, inputs, open_indexes(settings), chunk_size=settings.chunk_size,
            chunk_overlap=settings.chunk_overlap, progress=progress,
        )  # fmt: skip
        try:
            return job.run()
        except NewsSourceError as exc:
            raise fail(str(exc)) from exc


def news_inputs(settings: Settings, sources: list[str], config: Path | None, mapping: str | None,
                classification: str | None) -> list[NewsInput]:  # fmt: skip
    if not sources and config is None:
        raise fail("Name at least one SOURCE (a file or URL) or --config feeds.yaml.", code=2)
    try:
        parsed = (
            FieldMapping.model_validate_json(mapping)
            if mapping and mapping.lstrip().startswith("{")
            else mapping
        )
        label = classification or settings.news_default_classification
        inputs = inputs_from_specs(
            sources, mapping=parsed, classification=label, state_dir=settings.feed_state_dir
        )
        if config is not None:
            inputs += inputs_from_config(config, state_dir=settings.feed_state_dir)
    except (NewsSourceError, FeedConfigError, ValidationError) as exc:
        raise fail(str(exc), code=2) from exc
    return inputs


def ingest_news(
    sources: Annotated[
        list[str] | None, typer.Argument(help="Files (RSS, Atom, JSON Feed, JSON Lines) or URLs.")
    ] = None,
    config: Annotated[Path | None, typer.Option(help="A feeds.yaml listing feeds to fetch or read.")] = None,
    mapping: Annotated[
        str | None, typer.Option(help="JSON Lines field mapping: a built-in name or a JSON FieldMapping.")
    ] = None,
    classification: Annotated[
        str | None, typer.Option(help="Access label of these items: public, internal or confidential.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run summary as JSON.")] = False,
) -> None:
    """Ingest news into the graph and the search indexes; re-runs add only what is new."""
    settings = get_settings()
    summary = run_news_ingest(settings, news_inputs(settings, sources or [], config, mapping, classification))
    if as_json:
        print(summary.model_dump_json(indent=2))
    else:
        print_news_summary(summary)


def print_news_summary(s: NewsIngestSummary) -> None:
    out.print(
        f"Read {s.read} items: {s.new} new ({s.near_duplicates} near-duplicates linked), {s.updated} updated, "
        f"{s.unchanged} unchanged, {s.duplicates} duplicates dropped, {s.quarantined} quarantined; "
        f"{s.mentions} entity mentions; {s.chunks_embedded} chunks and {s.model_cards_embedded} model cards "
        f"embedded ({s.chunks_total} in the index); {s.seconds:.1f} s."
    )


@index_app.command("verify")
def verify(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Check that both indexes hold exactly the graph's chunks, with the same content hashes."""
    settings = get_settings()
    with open_store(settings) as store:
        expected = {r["id"]: r["content_hash"] for r in store.read(nq.CHUNK_HASHES)}
    report = open_indexes(settings).verify(expected)
    result = {"ok": report.ok, "expected": report.expected_count, "vectors": report.vector_count,
              "keywords": report.keyword_count, "missing": len(report.missing), "extra": len(report.extra),
              "stale": len(report.stale), "examples": (report.missing + report.extra + report.stale)[:10]}  # fmt: skip
    if as_json:
        print(json.dumps(result, indent=2))
    else:
        out.print(
            ("Indexes match the graph: " if report.ok else "Indexes DO NOT match the graph: ") + str(result)
        )
    if not report.ok:
        raise typer.Exit(1)


@index_app.command("rebuild")
def rebuild() -> None:
    """Bring both indexes back in line with the graph's chunks (re-embeds only what is missing or stale)."""
    settings = get_settings()
    with open_store(settings) as store:
        rows = store.read(nq.ALL_CHUNKS)
    indexes = open_indexes(settings)
    chunks = [Chunk(**row) for row in rows]
    report = indexes.upsert(chunks, prune_docs=False)
    expected = {c.id for c in chunks}
    extra = [i for i in indexes.vectors.ids() | indexes.keywords.ids() if i not in expected]
    indexes.remove(extra)
    indexes.save()
    out.print(f"Rebuilt: {len(chunks)} chunks, {report.embedded} embedded, {len(extra)} removed.")
