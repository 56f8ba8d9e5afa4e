"""Ingestion jobs started over the API: one background thread per job, one job at a time.

A job names its sources by name only (`models-dev`, `llm-stats`, `epoch`, `litellm`, or news files
inside `<ingest_root>/news`), never by an arbitrary path, so a caller cannot make the server read a
file outside the configured data folder.

Jobs live in the state database (`services.state.Job`), so their status and summary survive a
restart. A running job writes a heartbeat; a job left `queued`/`running` by a process that is gone
(same host, dead pid) or whose heartbeat is older than `STALE_AFTER` is marked `failed` with an
"Interrupted" reason, and `rerun` starts it again from its saved request.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import select

from catalog.news.inputs import inputs_from_specs
from catalog.readers.base import Reader
from catalog.readers.models_dev import ModelsDevReader
from catalog.sources import READERS, SHARED_LAYOUT
from core.errors import InvalidInput, LlmxError, NotFound
from core.processes import pid_alive
from core.settings import Settings

from .context import AppContext
from .ingest import ingest_catalog, ingest_news
from .state import Job, StateDb, utcnow

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
    rerun_of: str | None = None
    summary: dict[str, Any] | None = None
    error: str | None = None


HEARTBEAT_SECONDS = 10.0
STALE_AFTER = timedelta(minutes=2)
UNFINISHED = ("queued", "running")


def _iso(at: datetime | None) -> str | None:
    if at is None:
        return None
    if at.tzinfo is None:  # SQLite hands back naive datetimes; they were written in UTC
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat(timespec="seconds")


def _status(row: Job) -> JobStatus:
    return JobStatus(
        id=row.id, kind=row.kind, status=row.status, tenant=row.tenant, started_by=row.started_by,  # type: ignore[arg-type]
        created_at=_iso(row.created_at) or "", finished_at=_iso(row.finished_at), rerun_of=row.rerun_of,
        summary=row.summary, error=row.error,
    )  # fmt: skip


def _runner_gone(runner: str, host: str) -> bool:
    """True when `runner` ("<host>:<pid>") names a process on this host that no longer exists."""
    runner_host, _, pid = runner.rpartition(":")
    return runner_host == host and pid.isdigit() and not pid_alive(int(pid))


class JobRunner:
    """Runs jobs in threads, one at a time (they share the graph); keeps them in the state database."""

    def __init__(self, ctx: AppContext, db: StateDb, settings: Settings | None = None) -> None:
        self.ctx = ctx
        self.settings = settings or ctx.settings  # the app's (its ingest root), else the context's
        self.db = db
        self.host = socket.gethostname()
        self.runner = f"{self.host}:{os.getpid()}"
        self._run_lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.mark_interrupted()

    def _catalog_readers(self, names: list[str]) -> list[Reader]:
        root: Path | None = self.settings.api_ingest_root
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
        root = self.settings.api_ingest_root
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

    def _check(self, request: JobRequest) -> list[Reader] | list[str]:
        """Validate before queueing, so a bad request is a 422 and not a failed job."""
        if request.kind == "catalog":
            return self._catalog_readers(request.sources)
        return self._news_paths(request.sources)

    def start(self, request: JobRequest, *, tenant: str, user: str, rerun_of: str | None = None) -> JobStatus:
        work = self._check(request)
        row = Job(
            id=f"job-{uuid.uuid4().hex[:16]}", kind=request.kind, status="queued", tenant=tenant, started_by=user,
            request=request.model_dump(mode="json"), runner=self.runner, rerun_of=rerun_of, created_at=utcnow(),
            heartbeat_at=utcnow(),
        )  # fmt: skip
        with self.db.write_lock, self.db.session() as s:
            s.add(row)
            s.flush()
            job = _status(row)

        def run() -> None:
            with self._run_lock:
                self._update(job.id, status="running", heartbeat_at=utcnow())
                beating = threading.Event()
                beat = threading.Thread(target=self._heartbeat, args=(job.id, beating), daemon=True)
                beat.start()
                try:
                    if request.kind == "catalog":
                        result = ingest_catalog(self.ctx, work).model_dump(mode="json")  # type: ignore[arg-type]
                    else:
                        inputs = inputs_from_specs(
                            work, mapping=None, classification=request.classification,  # type: ignore[arg-type]
                            state_dir=self.settings.feed_state_dir,
                        )  # fmt: skip
                        result = ingest_news(self.ctx, inputs).model_dump(mode="json")
                    self._update(job.id, status="succeeded", summary=result, finished_at=utcnow())
                except (LlmxError, OSError, ValueError) as exc:
                    self._update(job.id, status="failed", error=str(exc)[:500], finished_at=utcnow())
                except BaseException as exc:  # a bug: record it, then let the thread die with it
                    self._update(job.id, status="failed", error=f"Internal error: {type(exc).__name__}",
                                 finished_at=utcnow())  # fmt: skip
                    raise
                finally:
                    beating.set()

        thread = threading.Thread(target=run, name=job.id, daemon=True)
        self._threads.append(thread)
        thread.start()
        return job

    def rerun(self, job_id: str, *, tenant: str, user: str) -> JobStatus:
        """Start a finished (or interrupted) job again with the request it was started with."""
        old = self.get(job_id, tenant=tenant)
        if old.status in UNFINISHED:
            raise InvalidInput(f"The job {job_id!r} is still {old.status}; re-run it once it has finished.")
        with self.db.session() as s:
            row = s.get(Job, job_id)
            saved = dict(row.request) if row is not None else {}
        return self.start(JobRequest.model_validate(saved), tenant=tenant, user=user, rerun_of=job_id)

    def _heartbeat(self, job_id: str, stop: threading.Event) -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            self._update(job_id, heartbeat_at=utcnow())

    def _update(self, job_id: str, **changes: Any) -> None:
        with self.db.write_lock, self.db.session() as s:
            row = s.get(Job, job_id)
            if row is not None:
                for key, value in changes.items():
                    setattr(row, key, value)

    def mark_interrupted(self) -> int:
        """Fail the unfinished jobs whose process is gone or silent; returns how many."""
        now = utcnow()
        count = 0
        with self.db.write_lock, self.db.session() as s:
            for row in s.scalars(select(Job).where(Job.status.in_(UNFINISHED))):
                beat = row.heartbeat_at
                if beat is not None and beat.tzinfo is None:
                    beat = beat.replace(tzinfo=UTC)
                silent = beat is None or now - beat > STALE_AFTER
                if row.runner != self.runner and (_runner_gone(row.runner, self.host) or silent):
                    row.status = "failed"
                    row.finished_at = now
                    row.error = (
                        f"Interrupted: the API process running this job ({row.runner}) stopped before it "
                        f"finished. Re-run it with POST /v1/jobs/{row.id}/rerun."
                    )
                    count += 1
        return count

    def get(self, job_id: str, *, tenant: str) -> JobStatus:
        self.mark_interrupted()
        with self.db.session() as s:
            row = s.get(Job, job_id)
            if row is None or row.tenant != tenant:
                raise NotFound(f"No job {job_id!r}.")
            return _status(row)

    def list(self, *, tenant: str) -> list[JobStatus]:
        self.mark_interrupted()
        with self.db.session() as s:
            rows = s.scalars(select(Job).where(Job.tenant == tenant).order_by(Job.created_at, Job.id))
            return [_status(r) for r in rows]

    def wait(self, timeout: float | None = None) -> None:
        for thread in list(self._threads):
            thread.join(timeout)
