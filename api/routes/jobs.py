"""Ingestion jobs: start a catalog or news job (sources by name only), see its status and summary
(kept in the state database across restarts), re-run a finished or interrupted one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from services.jobs import JobRequest, JobStatus

from ..authz import require
from ..deps import CurrentUser, Svc

router = APIRouter(prefix="/v1", tags=["jobs"])


@router.post("/jobs", status_code=202, dependencies=[Depends(require("jobs", "write"))])
def start_job(body: JobRequest, services: Svc, caller: CurrentUser) -> JobStatus:
    job = services.jobs.start(body, tenant=caller.tenant, user=caller.name)
    services.audit.change(caller, "job.start", job.id, kind=job.kind)
    return job


@router.get("/jobs", dependencies=[Depends(require("jobs", "read"))])
def list_jobs(services: Svc, caller: CurrentUser) -> list[JobStatus]:
    return services.jobs.list(tenant=caller.tenant)


@router.get("/jobs/{job_id}", dependencies=[Depends(require("jobs", "read"))])
def get_job(
    job_id: Annotated[str, Path(pattern=r"^job-[0-9a-f]{16}$")], services: Svc, caller: CurrentUser
) -> JobStatus:
    return services.jobs.get(job_id, tenant=caller.tenant)


@router.post("/jobs/{job_id}/rerun", status_code=202, dependencies=[Depends(require("jobs", "write"))])
def rerun_job(
    job_id: Annotated[str, Path(pattern=r"^job-[0-9a-f]{16}$")], services: Svc, caller: CurrentUser
) -> JobStatus:
    """Start a finished or interrupted job again with its saved request; the new job names the old
    one in `rerun_of`."""
    job = services.jobs.rerun(job_id, tenant=caller.tenant, user=caller.name)
    services.audit.change(caller, "job.rerun", job.id, kind=job.kind, rerun_of=job_id)
    return job
