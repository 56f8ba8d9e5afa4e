"""`llmx ingest news` and `llmx index ...`: the news job and the search indexes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from catalog.news.config import FeedConfigError
from catalog.news.inputs import NewsInput, inputs_from_config, inputs_from_specs
from catalog.news.readers import FieldMapping
from catalog.news.records import NewsSourceError
from core.settings import Settings, get_settings
from services import indexing
from services.ingest import NewsIngestResult
from services.ingest import ingest_news as ingest_news_service

from .console import fail, open_context, out, progress_bar

index_app = typer.Typer(help="The vector (FAISS) and keyword (BM25) indexes of chunks.", no_args_is_help=True)


def run_news_ingest(settings: Settings, inputs: list[NewsInput]) -> NewsIngestResult:
    with open_context(settings) as ctx, progress_bar() as progress:
        return ingest_news_service(ctx, inputs, progress=progress)


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


def print_news_summary(s: NewsIngestResult) -> None:
    out.print(
        f"Read {s.read} items: {s.new} new ({s.near_duplicates} near-duplicates linked), {s.updated} updated, "
        f"{s.unchanged} unchanged, {s.duplicates} duplicates dropped, {s.quarantined} quarantined; "
        f"{s.mentions} entity mentions; {s.chunks_embedded} chunks and {s.model_cards_embedded} model cards "
        f"embedded ({s.chunks_total} in the index); {s.seconds:.1f} s."
    )


@index_app.command("verify")
def verify(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Check that both indexes hold exactly the graph's chunks, with the same content hashes."""
    with open_context(get_settings()) as ctx:
        report = indexing.verify(ctx.store, ctx.indexes)
    if as_json:
        print(report.model_dump_json(indent=2))
    else:
        out.print(
            ("Indexes match the graph: " if report.ok else "Indexes DO NOT match the graph: ")
            + str(report.model_dump())
        )
    if not report.ok:
        raise typer.Exit(1)


@index_app.command("rebuild")
def rebuild() -> None:
    """Bring both indexes back in line with the graph's chunks (re-embeds only what is missing or stale)."""
    with open_context(get_settings()) as ctx:
        report = indexing.rebuild(ctx.store, ctx.indexes)
    out.print(f"Rebuilt: {report.chunks} chunks, {report.embedded} embedded, {report.removed} removed.")
