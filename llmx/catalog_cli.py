"""`llmx catalog review`: what entity resolution is unsure about, and where to record decisions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from catalog.review import Review, review
from core.settings import get_settings

from .console import open_context, out

catalog_app = typer.Typer(help="Curate the model catalog.", no_args_is_help=True)


@catalog_app.command("review")
def review_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole review as JSON.")] = False,
    curation: Annotated[
        Path | None, typer.Option(help="Curation file (default: catalog/curation.yaml).")
    ] = None,
    limit: Annotated[int, typer.Option(help="Rows per list in the table view.")] = 25,
) -> None:
    """Candidate merges and unresolved listings; record decisions in catalog/curation.yaml."""
    with open_context(get_settings()) as ctx:
        result = review(ctx.store, curation)
    if as_json:
        print(result.model_dump_json(indent=2))
    else:
        _print(result, limit)


def _print(result: Review, limit: int) -> None:
    merges = Table("listing", "name", "candidates", "evidence", title="Candidate merges")
    for item in result.candidate_merges[:limit]:
        names = ", ".join(f"{c.model} ({c.name})" for c in item.candidates)
        merges.add_row(item.listing, item.name or "", names, item.evidence or "")
    out.print(merges)
    unresolved = Table("listing", "name", "sources", "records", title="Unresolved listings")
    for item in result.unresolved[:limit]:
        unresolved.add_row(
            item.listing, item.name or "", ", ".join(item.sources), ", ".join(item.records[:3])
        )
    out.print(unresolved)
    out.print(
        f"{len(result.candidate_merges)} candidate merges, {len(result.unresolved)} unresolved listings; "
        f"{result.decisions} decisions in {result.curation_file} (attach / promote / keep), "
        "applied by the next `llmx ingest catalog`."
    )
