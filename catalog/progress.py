"""Progress reporting shared by the ingestion jobs; silent when no rich Progress is given."""

from __future__ import annotations

from rich.progress import Progress, TaskID


class JobProgress:
    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress

    def task(self, description: str, total: int | None = None) -> TaskID | None:
        return self.progress.add_task(description, total=total) if self.progress else None

    def advance(self, task: TaskID | None, by: int = 1) -> None:
        if self.progress is not None and task is not None:
            self.progress.advance(task, by)

    def finish(self, task: TaskID | None) -> None:
        """Mark a task of unknown length done, so its bar fills and its clock stops."""
        if self.progress is not None and task is not None:
            done = self.progress.tasks[task].completed
            self.progress.update(task, total=done, completed=done)
