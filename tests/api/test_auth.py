"""API keys (bootstrap, shown once, hashed, expiry, revocation, deactivation), the rate limit, the
body limit and the error body for malformed requests."""

from __future__ import annotations

import stat
import time

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from rag.qa import QuestionAnalysis, RetrievalResult, Retriever
from services import accounts
from services.context import AppContext
from services.state import ApiKey
from tests.api.conftest import World


def test_bootstrap_admin_key_is_private_and_works(world: World) -> None:
    key_file = world.settings.api_dir / "admin.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    response = world.client.get("/v1/admin/users", headers={"X-API-Key": world.admin_token})
    assert response.status_code == 200
    assert [u["name"] for u in response.json()] == ["admin"]  # tenant "default" sees only its own users


def test_keys_are_stored_hashed_and_shown_once(world: World) -> None:
    admin = world.headers("acme", "admin")
    user_id = world.users[("acme", "viewer")].id
    created = world.client.post(f"/v1/admin/users/{user_id}/keys", headers=admin, json={"ttl_days": 1})
    assert created.status_code == 201
    token = created.json()["token"]
    listed = world.client.get("/v1/admin/keys", headers=admin).text
    assert token not in listed and token[:12] in listed
    with world.app.state.services.db.session() as s:
        stored = [k.hash for k in s.scalars(select(ApiKey))]
    assert token not in stored and accounts.hash_token(token) in stored
    assert (
        world.client.get("/v1/models?limit=1", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )


def test_expired_revoked_unknown_and_malformed_keys_are_refused(world: World) -> None:
    db = world.app.state.services.db
    user = world.users[("globex", "analyst")]
    expired = accounts.create_key(db, user.id, ttl_days=1)
    accounts.expire_key_now(db, expired.key.id)
    revoked = accounts.create_key(db, user.id, ttl_days=1)
    response = world.client.delete(
        f"/v1/admin/keys/{revoked.key.id}", headers=world.headers("globex", "admin")
    )
    assert response.status_code == 200 and response.json()["revoked"] is True
    for headers in (
        {"Authorization": f"Bearer {expired.token}"},
        {"Authorization": f"Bearer {revoked.token}"},
        {"X-API-Key": revoked.token},
        {"Authorization": "Bearer llmx_" + "A" * 43},
        {"Authorization": "Basic YWRtaW46YWRtaW4="},
        {"Authorization": "Bearer"},
        {"X-API-Key": ""},
    ):
        response = world.client.get("/v1/models?limit=1", headers=headers)
        assert response.status_code == 401, (headers, response.text)
        assert response.json()["error"]["code"] == "unauthenticated"


def test_admins_manage_only_their_own_tenant(world: World) -> None:
    acme_admin = world.headers("acme", "admin")
    globex_key = world.users[("globex", "viewer")].id
    assert (
        world.client.post(f"/v1/admin/users/{globex_key}/keys", headers=acme_admin, json={}).status_code
        == 404
    )
    assert (
        world.client.patch(
            f"/v1/admin/users/{globex_key}", headers=acme_admin, json={"role": "admin"}
        ).status_code
        == 404
    )
    names = [u["name"] for u in world.client.get("/v1/admin/users", headers=acme_admin).json()]
    assert names and all(n.endswith("@acme") for n in names)
    keys = world.client.get("/v1/admin/keys", headers=acme_admin).json()
    acme_ids = {u.id for (t, _), u in world.users.items() if t == "acme"}
    assert keys and {k["user_id"] for k in keys} <= acme_ids


def test_new_user_role_change_and_deactivation(world: World) -> None:
    admin = world.headers("acme", "admin")
    created = world.client.post(
        "/v1/admin/users", headers=admin, json={"name": "temp@acme", "role": "viewer"}
    )
    assert created.status_code == 201 and created.json()["tenant"] == "acme"
    again = world.client.post("/v1/admin/users", headers=admin, json={"name": "temp@acme", "role": "viewer"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    uid = created.json()["id"]
    token = world.client.post(f"/v1/admin/users/{uid}/keys", headers=admin, json={}).json()["token"]
    mine = {"Authorization": f"Bearer {token}"}
    assert world.client.post("/v1/search", headers=mine, json={"query": "gpt"}).status_code == 403
    assert (
        world.client.patch(f"/v1/admin/users/{uid}", headers=admin, json={"role": "analyst"}).status_code
        == 200
    )
    assert world.client.post("/v1/search", headers=mine, json={"query": "gpt"}).status_code == 200
    assert (
        world.client.patch(f"/v1/admin/users/{uid}", headers=admin, json={"active": False}).status_code == 200
    )
    assert world.client.get("/v1/models?limit=1", headers=mine).status_code == 401


def test_rate_limit_per_key(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = world.settings.model_copy(update={"data_dir": tmp_path, "api_rate_limit_per_minute": 3})
    app = create_app(settings, world.ctx)
    db = app.state.services.db
    one = accounts.create_key(db, accounts.create_user(db, "one", tenant="t1", role="viewer").id, ttl_days=1)
    two = accounts.create_key(db, accounts.create_user(db, "two", tenant="t1", role="viewer").id, ttl_days=1)
    with TestClient(app) as client:
        first = {"Authorization": f"Bearer {one.token}"}
        statuses = [client.get("/healthz", headers=first).status_code for _ in range(5)]
        assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]
        limited = client.get("/healthz", headers=first)
        assert limited.json()["error"]["code"] == "rate_limited" and int(limited.headers["retry-after"]) >= 1
        # Another key has its own bucket.
        assert client.get("/healthz", headers={"Authorization": f"Bearer {two.token}"}).status_code == 200


def test_body_limit_and_malformed_bodies(world: World) -> None:
    headers = world.headers("acme", "editor")
    big = {"title": "big", "text": "x" * 400_000, "classification": "internal"}
    response = world.client.post("/v1/documents", headers=headers, json=big)
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"

    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b"y" * 10_000

    streamed = world.client.post("/v1/documents", headers={**headers, "content-type": "application/json"},
                                 content=chunks())  # fmt: skip
    assert streamed.status_code == 413
    for raw in (b"{", b"[]", b"null", b'{"question": 5}', b"\xff\xfe", b'{"question": "x", "extra": 1}'):
        bad = world.client.post(
            "/v1/chat", headers={**headers, "content-type": "application/json"}, content=raw
        )
        assert bad.status_code == 422, (raw, bad.text)
        assert bad.json()["error"]["code"] == "invalid_input"
    assert world.client.get("/v1/nowhere", headers=headers).json()["error"]["code"] == "not_found"
    assert world.client.put("/v1/models", headers=headers).status_code == 405


class SlowRetriever(Retriever):
    """Retrieval that takes longer than the limit below, touching nothing shared."""

    def search(self, question, *, k=8, access, history=()):  # type: ignore[no-untyped-def]
        time.sleep(0.5)
        return RetrievalResult(question, QuestionAnalysis("open"), [], {})


def test_generation_timeout_is_a_504(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = world.settings.model_copy(update={"data_dir": tmp_path, "api_generation_timeout_s": 0.05})
    ctx = AppContext(settings, store=world.ctx.store, indexes=world.ctx.indexes, generator=world.ctx.generator,
                     retriever=SlowRetriever())  # fmt: skip
    app = create_app(settings, ctx)
    db = app.state.services.db
    token = accounts.create_key(
        db, accounts.create_user(db, "slow", tenant="t1", role="viewer").id, ttl_days=1
    ).token
    with TestClient(app) as client:
        response = client.post("/v1/chat", headers={"Authorization": f"Bearer {token}"},
                               json={"question": "What is the context length of GPT-4o mini?"})  # fmt: skip
    assert response.status_code == 504
    assert response.json()["error"]["code"] == "generation_timeout"
    time.sleep(0.6)  # the abandoned retrieval ends in its thread
