"""What every CLI command shares: consoles, the error exit, the service context, progress bars."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from core.errors import LlmxError
from core.progress import LogProgress
from core.settings import Settings
from services.context import AppContext

err = Console(stderr=True)
out = Console()


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one clear sentence on stderr; the caller raises the returned Exit."""
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@contextmanager
def open_context(settings: Settings) -> Iterator[AppContext]:
    """The services for one command; any product error becomes one sentence and exit code 1."""
    try:
        with AppContext(settings) as ctx:
            yield ctx
    except LlmxError as exc:
        raise fail(str(exc)) from exc


class RichProgress:
    """`core.progress.Progress` as rich bars on stderr, so `--json` output on stdout stays clean."""

    def __init__(self) -> None:
        self.bars = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=err, transient=False,
        )  # fmt: skip

    def start(self, description: str, total: int | None = None) -> int:
        return int(self.bars.add_task(description, total=total))

    def advance(self, task: int, by: int = 1) -> None:
        self.bars.advance(task, by)  # type: ignore[arg-type]

    def finish(self, task: int) -> None:
        done = self.bars.tasks[task].completed
        self.bars.update(task, total=done, completed=done)  # type: ignore[arg-type]


@contextmanager
def progress_bar() -> Iterator[RichProgress | LogProgress]:
    """Rich bars on a terminal; plain timed lines (done/total, rate, time left) in a log or a pipe."""
    if not err.is_terminal:
        yield LogProgress()
        return
    progress = RichProgress()
    with progress.bars:
        yield progress
