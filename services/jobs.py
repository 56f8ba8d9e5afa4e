"""Ingestion jobs started over the API: one background thread per job, one job at a time.

A job names its sources by name only (`models-dev`, `llm-stats`, `epoch`, `litellm`, or news files
inside `<ingest_root>/news`), never by an arbitrary path, so a caller cannot make the server read a
file outside the configured data folder.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from catalog.news.inputs import inputs_from_specs
from catalog.readers.base import Reader
from catalog.readers.models_dev import ModelsDevReader
from catalog.sources import READERS, SHARED_LAYOUT
from core.errors import InvalidInput, LlmxError, NotFound

from .context import AppContext
from .ingest import ingest_catalog, ingest_news

JobKind = Literal["catalog", "news"]
Status = Literal["queued", "running", "succeeded", "failed"]


class JobRequest(BaseModel):
    kind: JobKind
    sources: list[str] = Field(
        default_factory=list, max_length=20,
        description="catalog: source names (models-dev, llm-stats, epoch, litellm); news: file names "
        "inside <ingest_root>/news.",
    )  # fmt: skip
    classification: Literal["public", "internal", "confidential"] = "public"


class JobStatus(BaseModel):
    id: str
    kind: JobKind
    status: Status
    tenant: str
    started_by: str
    created_at: str
    finished_at: str | None = None
    summary: dict[str, Any] | None = None
    error: str | None = None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class JobRunner:
    """Keeps the jobs of this process in memory; one job runs at a time (they share the graph)."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._jobs: dict[str, JobStatus] = {}
        self._lock = threading.Lock()
        self._run_lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def _catalog_readers(self, names: list[str]) -> list[Reader]:
        root: Path | None = self.ctx.settings.api_ingest_root
        readers: list[Reader] = []
        for name in names or ["models-dev"]:
            if name == "models-dev":
                readers.append(ModelsDevReader())
            elif name in SHARED_LAYOUT:
                if root is None or not (root / SHARED_LAYOUT[name]).exists():
                    raise InvalidInput(f"The source {name!r} is not available on this server.")
                readers.append(READERS[name](root / SHARED_LAYOUT[name]))
            else:
                raise InvalidInput(f"Unknown source {name!r}; known: models-dev, {', '.join(SHARED_LAYOUT)}.")
        return readers

    def _news_paths(self, names: list[str]) -> list[str]:
        root = self.ctx.settings.api_ingest_root
        if root is None:
            raise InvalidInput("News jobs need LLMX_API_INGEST_ROOT on the server.")
        if not names:
            raise InvalidInput("Name the news files to ingest.")
        folder = (root / "news").resolve()
        paths = []
        for name in names:
            path = (folder / name).resolve()
            if path.parent != folder or not path.is_file():
                raise InvalidInput(f"No news file {name!r} on this server.")
            paths.append(str(path))
        return paths

    def start(self, request: JobRequest, *, tenant: str, user: str) -> JobStatus:
        # Validate before queueing, so a bad request is a 422 and not a failed job.
        if request.kind == "catalog":
            readers = self._catalog_readers(request.sources)
        else:
            paths = self._news_paths(request.sources)
        job = JobStatus(
            id=f"job-{uuid.uuid4().hex[:16]}", kind=request.kind, status="queued", tenant=tenant,
            started_by=user, created_at=_now(),
        )  # fmt: skip
        with self._lock:
            self._jobs[job.id] = job

        def run() -> None:
            with self._run_lock:
                self._update(job.id, status="running")
                try:
                    if request.kind == "catalog":
                        result = ingest_catalog(self.ctx, readers).model_dump(mode="json")
                    else:
                        inputs = inputs_from_specs(
                            paths, mapping=None, classification=request.classification,
                            state_dir=self.ctx.settings.feed_state_dir,
                        )  # fmt: skip
                        result = ingest_news(self.ctx, inputs).model_dump(mode="json")
                    self._update(job.id, status="succeeded", summary=result, finished_at=_now())
                except (LlmxError, OSError, ValueError) as exc:
                    self._update(job.id, status="failed", error=str(exc)[:500], finished_at=_now())

        thread = threading.Thread(target=run, name=job.id, daemon=True)
        self._threads.append(thread)
        thread.start()
        return job

    def _update(self, job_id: str, **changes: Any) -> None:
        with self._lock:
            self._jobs[job_id] = self._jobs[job_id].model_copy(update=changes)

    def get(self, job_id: str, *, tenant: str) -> JobStatus:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.tenant != tenant:
            raise NotFound(f"No job {job_id!r}.")
        return job

    def list(self, *, tenant: str) -> list[JobStatus]:
        with self._lock:
            return [j for j in self._jobs.values() if j.tenant == tenant]

    def wait(self, timeout: float | None = None) -> None:
        for thread in list(self._threads):
            thread.join(timeout)
