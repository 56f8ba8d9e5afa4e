"""What every CLI command shares: consoles, the error exit, the graph connection, progress bars."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kg.errors import GraphError
from kg.store import GraphStore

from .settings import Settings

err = Console(stderr=True)
out = Console()


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one clear sentence on stderr; the caller raises the returned Exit."""
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@contextmanager
def open_store(settings: Settings) -> Iterator[GraphStore]:
    try:
        with GraphStore.connect(settings) as store:
            yield store
    except GraphError as exc:
        raise fail(str(exc)) from exc


def progress_bar() -> Progress:
    """Progress on stderr, so `--json` output on stdout stays machine-readable."""
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err, transient=False,
    )  # fmt: skip
