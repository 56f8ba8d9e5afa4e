"""The API on PostgreSQL (`LLMX_API_DATABASE_URL`): the migrations run against a real PostgreSQL 15
started for this test, then a real flow — the bootstrap admin creates a user and a key, the user
asks a question, gives feedback, the admin edits a policy — lands in PostgreSQL's tables and the
audit log, and survives an API restart. Skips, with the reason, when PostgreSQL cannot start here."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api.app import create_app
from services.state import alembic_config
from tests.api.conftest import World
from tests.api.postgres import postgres_cluster


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    with postgres_cluster() as url:
        yield url


def test_a_real_flow_on_postgresql(
    world: World, pg_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    settings = world.settings.model_copy(
        update={"data_dir": tmp_path_factory.mktemp("pg-api"), "api_database_url": pg_url}
    )
    assert settings.api_db_url == pg_url
    app = create_app(settings, world.ctx)
    admin = {"Authorization": f"Bearer {(settings.api_dir / 'admin.key').read_text().strip()}"}
    with TestClient(app, raise_server_exceptions=False) as client:
        user = client.post("/v1/admin/users", headers=admin, json={"name": "pg-analyst", "role": "analyst"})
        assert user.status_code == 201, user.text
        key = client.post(f"/v1/admin/users/{user.json()['id']}/keys", headers=admin, json={"ttl_days": 1})
        assert key.status_code == 201, key.text
        analyst = {"Authorization": f"Bearer {key.json()['token']}"}
        reply = client.post(
            "/v1/chat", headers=analyst, json={"question": "What is the context window of GPT-4o?"}
        )
        assert reply.status_code == 200, reply.text
        message_id = reply.json()["message_id"]
        feedback = client.post("/v1/feedback", headers=analyst,
                               json={"message_id": message_id, "rating": -1, "comment": "pg"})  # fmt: skip
        assert feedback.status_code == 201, feedback.text
        assert client.get("/v1/jobs", headers=analyst).status_code == 403  # analysts may not, yet
        tenant = client.get("/v1/me", headers=admin).json()["tenant"]
        rule = {"kind": "p", "values": ["analyst", tenant, "jobs", "read"]}
        assert client.post("/v1/admin/policies", headers=admin, json=rule).status_code == 201
        assert client.get("/v1/jobs", headers=analyst).status_code == 200  # the new rule is enforced

    engine = create_engine(pg_url)
    with engine.connect() as conn:
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
        assert conn.execute(text("SELECT role FROM users WHERE name = 'pg-analyst'")).scalar() == "analyst"
        assert conn.execute(text("SELECT count(*) FROM api_keys")).scalar() == 2  # bootstrap admin's + one
        assert conn.execute(text("SELECT question FROM messages WHERE id = :id"), {"id": message_id}).scalar()
        assert conn.execute(text("SELECT rating, comment FROM feedback")).one() == (-1, "pg")
        assert conn.execute(
            text("SELECT count(*) FROM casbin_rule WHERE v0 = 'analyst' AND v2 = 'jobs' AND v3 = 'read'")
        ).scalar() == 1  # fmt: skip
    engine.dispose()
    audit = [json.loads(line) for line in (settings.log_dir / "audit.jsonl").read_text().splitlines()]
    assert {"user.create", "key.create"} <= {e.get("what") for e in audit if e["event"] == "change"}
    assert any(e["event"] == "access" and e.get("path") == "/v1/feedback" for e in audit)

    restarted = create_app(settings, world.ctx)  # the same PostgreSQL database: already at head
    with TestClient(restarted, raise_server_exceptions=False) as client:
        again = client.get(f"/v1/conversations/{reply.json()['conversation_id']}", headers=analyst)
        assert again.status_code == 200, again.text
