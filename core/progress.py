"""How long jobs report progress without knowing who shows it (a terminal bar, a log line, an API job).

The jobs call `start`/`advance`/`finish`; the shells pass an implementation (the CLI's rich bars, the
API's job record). `NullProgress` is the silent default.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def start(self, description: str, total: int | None = None) -> int:
        """Begin a step; returns its handle. `total=None`: length unknown until `finish`."""
        ...

    def advance(self, task: int, by: int = 1) -> None: ...

    def finish(self, task: int) -> None:
        """Mark a step done, so its bar fills and its clock stops."""
        ...


class NullProgress:
    def start(self, description: str, total: int | None = None) -> int:
        return 0

    def advance(self, task: int, by: int = 1) -> None:
        pass

    def finish(self, task: int) -> None:
        pass
