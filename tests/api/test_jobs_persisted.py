"""Ingestion jobs live in the state database: a job's status and summary survive an API restart, a
job whose process died shows as failed ("Interrupted ...") and can be re-run from its saved request."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from itertools import islice
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from core.settings import Settings
from services.state import Job, utcnow
from tests.api.conftest import World

NEWS = "ainews_stories.jsonl"


@pytest.fixture(scope="module")
def settings(world: World, shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The world's data dir (so its users, keys and state database) with an ingest root holding one
    small news file, already in the graph, so re-ingesting it changes nothing the other tests see."""
    root = tmp_path_factory.mktemp("ingest-root")
    (root / "news").mkdir()
    with (shared_data / "news" / NEWS).open() as source:
        (root / "news" / "slice.jsonl").write_text("".join(islice(source, 3)))
    return world.settings.model_copy(update={"api_ingest_root": root})


@pytest.fixture
def restart(world: World, settings: Settings) -> Iterator[object]:
    """`restart()` builds a new app (a new process's view) over the same state database."""
    clients: list[TestClient] = []

    def start() -> tuple[FastAPI, TestClient]:
        app = create_app(settings, world.ctx)
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return app, client

    yield start
    for client in clients:
        client.__exit__(None, None, None)


def test_a_finished_job_survives_a_restart(world: World, restart) -> None:  # type: ignore[no-untyped-def]
    editor = world.headers("acme", "editor")
    app, client = restart()
    started = client.post("/v1/jobs", headers=editor, json={"kind": "news", "sources": ["slice.jsonl"]})
    assert started.status_code == 202, started.text
    job_id = started.json()["id"]
    app.state.services.jobs.wait(300)
    done = client.get(f"/v1/jobs/{job_id}", headers=editor).json()
    assert done["status"] == "succeeded", done
    assert done["summary"] and done["finished_at"]

    _, after = restart()  # a new app: nothing in memory, only the database
    again = after.get(f"/v1/jobs/{job_id}", headers=editor)
    assert again.status_code == 200 and again.json() == done
    assert job_id in [j["id"] for j in after.get("/v1/jobs", headers=editor).json()]
    assert after.get(f"/v1/jobs/{job_id}", headers=world.headers("globex", "editor")).status_code == 404


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_a_job_whose_process_died_is_interrupted_and_can_be_rerun(world: World, restart) -> None:  # type: ignore[no-untyped-def]
    editor = world.headers("acme", "editor")
    app, _ = restart()
    db = app.state.services.db
    request = {"kind": "news", "sources": ["slice.jsonl"], "classification": "public"}
    now = utcnow()
    rows = {
        # killed mid-run on this host: its pid is gone
        "job-00000000000dead1": f"{socket.gethostname()}:{_dead_pid()}",
        # another host that went silent: no heartbeat for ten minutes
        "job-00000000000dead2": "elsewhere:1",
        # another host still beating: must not be touched
        "job-00000000000a11e1": "elsewhere:2",
    }
    with db.session() as s:
        for job_id, runner in rows.items():
            beat = now if job_id.endswith("a11e1") else now - timedelta(minutes=10)
            s.add(Job(id=job_id, kind="news", status="running", tenant="acme", started_by="editor@acme",
                      request=request, runner=runner, created_at=now, heartbeat_at=beat))  # fmt: skip

    app2, client = restart()  # the restarted API marks them at start-up
    for job_id in ("job-00000000000dead1", "job-00000000000dead2"):
        job = client.get(f"/v1/jobs/{job_id}", headers=editor).json()
        assert job["status"] == "failed" and job["finished_at"], job
        assert job["error"].startswith("Interrupted") and f"/v1/jobs/{job_id}/rerun" in job["error"]
    alive = client.get("/v1/jobs/job-00000000000a11e1", headers=editor).json()
    assert alive["status"] == "running" and alive["error"] is None
    refused = client.post("/v1/jobs/job-00000000000a11e1/rerun", headers=editor)
    assert refused.status_code == 422 and "still running" in refused.json()["error"]["message"]
    assert (
        client.post(
            "/v1/jobs/job-00000000000dead1/rerun", headers=world.headers("acme", "analyst")
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/v1/jobs/job-00000000000dead1/rerun", headers=world.headers("globex", "editor")
        ).status_code
        == 404
    )

    rerun = client.post("/v1/jobs/job-00000000000dead1/rerun", headers=editor)
    assert rerun.status_code == 202, rerun.text
    assert rerun.json()["rerun_of"] == "job-00000000000dead1" and rerun.json()["id"] != "job-00000000000dead1"
    app2.state.services.jobs.wait(300)
    finished = client.get(f"/v1/jobs/{rerun.json()['id']}", headers=editor).json()
    assert finished["status"] == "succeeded" and finished["summary"], finished
    with db.session() as s:  # leave no running row behind for the other tests
        s.delete(s.get(Job, "job-00000000000a11e1"))
