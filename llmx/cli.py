"""The `llmx` command line: ingestion jobs, graph operations and the main demo job."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from catalog.readers.base import ReaderError
from catalog.sources import readers_for
from core.errors import GraphError
from core.settings import Settings, get_settings
from kg.embedded import EmbeddedServer
from kg.stats import GraphStats, graph_stats
from services.ingest import CatalogIngestResult
from services.ingest import ingest_catalog as ingest_catalog_service

from .ask_cli import ask
from .catalog_cli import catalog_app
from .console import fail, open_context, out, progress_bar
from .eval_cli import evaluate
from .finetune_cli import finetune_app
from .news_cli import index_app, ingest_news, news_inputs, print_news_summary, run_news_ingest
from .serve_cli import serve
from .ui_cli import ui, up
from .users_cli import users_app

app = typer.Typer(help="LLMXplorer: a knowledge graph of the LLM landscape.", no_args_is_help=True)
ingest_app = typer.Typer(help="Ingestion jobs.", no_args_is_help=True)
graph_app = typer.Typer(help="Operate the graph: server, stats, read-only queries.", no_args_is_help=True)
app.add_typer(ingest_app, name="ingest")
app.add_typer(graph_app, name="graph")
app.add_typer(index_app, name="index")
app.add_typer(catalog_app, name="catalog")
app.add_typer(users_app, name="users")
app.add_typer(finetune_app, name="finetune")
ingest_app.command("news")(ingest_news)
app.command("ask")(ask)
app.command("eval")(evaluate)
app.command("ui")(ui)
app.command("up")(up)
app.command("serve")(serve)


def run_catalog_ingest(
    settings: Settings, specs: list[str], installed: bool, data: Path | None
) -> CatalogIngestResult:
    try:
        readers = readers_for(specs, installed=installed, data_dir=data)
    except ReaderError as exc:
        raise fail(str(exc), code=2) from exc
    with open_context(settings) as ctx, progress_bar() as progress:
        return ingest_catalog_service(ctx, readers, progress=progress)


@ingest_app.command("catalog")
def ingest_catalog(
    source: Annotated[
        list[str] | None,
        typer.Option(
            "--source", "-s", help="Extra source NAME=PATH: llm-stats=DIR, epoch=CSV|DIR, litellm=JSON."
        ),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(help="A data folder laid out like ../shared/data: ingest every source found in it."),
    ] = None,
    installed: Annotated[bool, typer.Option(help="Ingest the installed models.dev catalog.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run summary as JSON.")] = False,
) -> None:
    """Ingest the LLM catalog into the graph (the installed models.dev data, plus any --source)."""
    summary = run_catalog_ingest(get_settings(), source or [], installed, data)
    if as_json:
        print(summary.model_dump_json(indent=2))
    else:
        _print_summary(summary)


@graph_app.command("stats")
def stats(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Node counts by label, relationship counts by type, and field coverage of the LLMs."""
    with open_context(get_settings()) as ctx:
        result = graph_stats(ctx.store)
    if as_json:
        print(result.model_dump_json(indent=2))
    else:
        _print_stats(result)


@graph_app.command("query")
def query(
    cypher: Annotated[str, typer.Argument(help="A read-only Cypher query.")],
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="k=v (v parsed as JSON if it can be).")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 1000,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON rows.")] = False,
) -> None:
    """Run a read-only query and print the rows. Queries that would write are refused."""
    params = dict(_parse_param(p) for p in param or [])
    with open_context(get_settings()) as ctx:
        try:
            rows = ctx.store.read_only_query(cypher, params, limit=limit)
        except GraphError as exc:
            raise fail(str(exc), code=2) from exc
        except Exception as exc:  # the server's own message (syntax error, unknown function) is what helps
            raise fail(f"The query failed: {getattr(exc, 'message', None) or exc}", code=2) from exc
    if as_json:
        print(json.dumps(rows, indent=2, default=str))
        return
    table = Table(*(rows[0].keys() if rows else ["(no rows)"]))
    for row in rows:
        table.add_row(*(json.dumps(v, default=str) if not isinstance(v, str) else v for v in row.values()))
    out.print(table)


@graph_app.command("start")
def start() -> None:
    """Start the embedded graph server (or report the one already running)."""
    settings = get_settings()
    if not settings.embedded:
        raise fail(
            f"An external graph is configured ({settings.graph_uri}); there is no embedded server to start."
        )
    try:
        endpoint = EmbeddedServer(settings).ensure_running()
    except GraphError as exc:
        raise fail(str(exc)) from exc
    out.print(f"Graph server running at {endpoint.uri} (database '{endpoint.database}').")


@graph_app.command("stop")
def stop() -> None:
    """Stop the embedded graph server."""
    stopped = EmbeddedServer(get_settings()).stop()
    out.print("Graph server stopped." if stopped else "No embedded graph server was running.")


@graph_app.command("status")
def status() -> None:
    """Say whether the embedded graph server runs, and where."""
    state = EmbeddedServer(get_settings()).state()
    if state is None:
        out.print("No embedded graph server is running.")
        raise typer.Exit(3)
    out.print(f"Running: pid {state.pid}, bolt://localhost:{state.bolt_port}")


@app.command("demo")
def demo(
    data: Annotated[
        Path | None, typer.Option(help="A data folder like ../shared/data with the richer catalog sources.")
    ] = None,
    news: Annotated[
        list[Path] | None,
        typer.Option(help="News files or folders to ingest (default: <data>/news when --data is given)."),
    ] = None,
    skip_news: Annotated[bool, typer.Option(help="Only the catalog: no news, no indexes.")] = False,
) -> None:
    """The main job: ingest the catalog and the news into the embedded graph, build the indexes, report.

    Useful early: the catalog and its model cards come first (`llmx ask` answers model questions as
    soon as they are in), then the news, newest first, saved every ~30 s, so recent news is
    searchable within minutes while the older corpus goes in. Progress shows as bars on a terminal
    and as timed lines (done/total, rate, time left) in a log."""
    settings = get_settings()
    if data is not None and not data.is_dir():
        raise fail(f"The data folder {data} does not exist.", code=2)
    _print_summary(run_catalog_ingest(settings, [], True, data))
    news_files = [] if skip_news else _news_files(news or ([data / "news"] if data is not None else []))
    if news_files:
        out.print(
            'The catalog and its model cards are searchable: `llmx ask "Who develops Llama 3?"` works now '
            "in another terminal. Adding the news, newest first (recent news is searchable within minutes)."
        )
        print_news_summary(run_news_ingest(settings, news_inputs(settings, news_files, None, None, None)))
    with open_context(settings) as ctx:
        result = graph_stats(ctx.store)
    _print_stats(result)
    out.print(
        "\nNext:\n"
        "  llmx up                               # the API and the UI together: http://127.0.0.1:8501\n"
        "  llmx graph stats                      # counts and coverage\n"
        '  llmx graph query "MATCH (m:Model)-[:DEVELOPED_BY]->(o:Organization {id: $org}) '
        'RETURN m.name, m.release_date ORDER BY m.release_date DESC LIMIT 10" -p org=meta\n'
        '  llmx graph query "MATCH (a:Article)-[:MENTIONS]->(m:Model {name: $name}) '
        'RETURN a.published, a.title ORDER BY a.published DESC LIMIT 5" -p name=GPT-4o\n'
        "  llmx index verify                     # the search indexes match the graph\n"
        "  llmx graph stop                       # stop the embedded graph server"
    )


def _news_files(paths: list[Path]) -> list[str]:
    files: list[str] = []
    for path in paths:
        if path.is_dir():
            files += sorted(
                str(p) for p in path.iterdir() if p.suffix in {".jsonl", ".xml", ".json", ".rss", ".atom"}
            )
        elif path.exists():
            files.append(str(path))
        else:
            raise fail(f"The news path {path} does not exist.", code=2)
    return files


def _parse_param(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise fail(f"Parameter '{text}' is not k=v.", code=2)
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def _print_summary(summary: CatalogIngestResult) -> None:
    out.print(
        f"Read {summary.records_read} records ({', '.join(f'{k}: {v}' for k, v in summary.sources.items())}); "
        f"{summary.models} models: {summary.created} created, {summary.updated} updated, "
        f"{summary.unchanged} unchanged; {summary.quarantined} rows quarantined"
        + (
            f" ({', '.join(f'{k}: {v}' for k, v in summary.quarantined_by_reason.items())})"
            if summary.quarantined
            else ""
        )
        + f"; {summary.model_cards_embedded} model cards embedded; {summary.elapsed_s:.1f} s."
    )


def _print_stats(result: GraphStats) -> None:
    table = Table("label / type", "count", title=f"Graph ({result.backend}, database {result.database})")
    for label, count in result.nodes.items():
        table.add_row(f"(:{label})", str(count))
    for rel, count in result.relationships.items():
        table.add_row(f"[:{rel}]", str(count))
    out.print(table)
    out.print(
        f"{result.models} canonical models ({result.aliases} aliases, {result.developer_unknown} of unknown "
        f"developer); {result.listings} listings: {result.listings_resolved} resolved to a model, "
        f"{result.listings_unresolved} unresolved (llmx catalog review)."
    )
    out.print(
        f"{result.models_complete} of {result.models} LLMs have organisation, release date, context length, "
        f"licence or open-weights status and input/output modalities; "
        f"{result.models_with_parameters_or_undisclosed} have a parameter count or an explicit 'undisclosed'."
    )
