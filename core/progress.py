"""How long jobs report progress without knowing who shows it (a terminal bar, a log line, an API job).

The jobs call `start`/`advance`/`finish`; the shells pass an implementation (the CLI's rich bars, the
API's job record). `NullProgress` is the silent default; `LogProgress` writes plain timed lines (for
logs and pipes, where a terminal bar shows nothing).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
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


class LogProgress:
    """Progress as plain lines, for logs and pipes where a terminal bar shows nothing.

    One line per step when it starts and when it finishes, and while it runs at most one line every
    `interval_s` seconds: items done of the total, items per second and the time left, e.g.
    `articles: 1200/24311 (4.9%), 85.3/s, 4m31s left`. `write` takes each line (default: stderr).
    """

    def __init__(
        self,
        write: Callable[[str], object] | None = None,
        *,
        interval_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._write = write or _stderr_line
        self.interval_s = interval_s
        self._clock = clock
        self._tasks: dict[int, _Task] = {}
        self._lock = threading.Lock()

    def start(self, description: str, total: int | None = None) -> int:
        with self._lock:
            handle = len(self._tasks)
            now = self._clock()
            self._tasks[handle] = _Task(description, total, now, now)
        self._write(f"{description}: started" + (f", {total} to do" if total is not None else ""))
        return handle

    def advance(self, task: int, by: int = 1) -> None:
        with self._lock:
            state = self._tasks[task]
            state.done += by
            now = self._clock()
            if now - state.last_line < self.interval_s:
                return
            state.last_line = now
            line = state.line(now)
        self._write(line)

    def finish(self, task: int) -> None:
        with self._lock:
            state = self._tasks[task]
            if state.finished:
                return
            state.finished = True
            elapsed = self._clock() - state.started
        rate = state.done / elapsed if elapsed > 0 else 0.0
        self._write(f"{state.description}: done, {state.done} in {_duration(elapsed)} ({rate:.1f}/s)")


class _Task:
    __slots__ = ("description", "total", "started", "last_line", "done", "finished")

    def __init__(self, description: str, total: int | None, started: float, last_line: float) -> None:
        self.description, self.total, self.started, self.last_line = description, total, started, last_line
        self.done = 0
        self.finished = False

    def line(self, now: float) -> str:
        elapsed = now - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        if self.total is None:
            return f"{self.description}: {self.done}, {rate:.1f}/s"
        share = 100 * self.done / self.total if self.total else 100.0
        left = f"{_duration((self.total - self.done) / rate)} left" if rate > 0 else "time left unknown"
        return f"{self.description}: {self.done}/{self.total} ({share:.1f}%), {rate:.1f}/s, {left}"


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def _stderr_line(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
