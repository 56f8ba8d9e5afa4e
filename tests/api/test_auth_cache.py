"""The per-request shortcuts of authentication and authorization keep their security properties:
cached Casbin decisions and access filters are forgotten on every policy edit, and a cached API key
stops working at once when revoked (or its user changed) through the API, and within
`KEY_CACHE_TTL_S` seconds when changed behind the API's back (another worker, the CLI)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api.auth import KEY_CACHE_TTL_S
from services import accounts
from tests.api.conftest import World

PROBE = {"query": "context length"}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(world: World) -> Iterator[Clock]:
    """The key cache on a clock the test moves (no sleeping); the cache is emptied before and after."""
    keys = world.app.state.services.keys
    real = keys.clock
    fake = Clock()
    keys.clock = fake
    keys.clear()
    try:
        yield fake
    finally:
        keys.clock = real
        keys.clear()


def new_key(world: World, role: str = "analyst") -> tuple[int, int, dict[str, str]]:
    admin = world.headers("acme", "admin")
    name = f"cache-{role}-{len(accounts.list_keys(world.app.state.services.db, tenant='acme'))}@acme"
    created = world.client.post("/v1/admin/users", headers=admin, json={"name": name, "role": role})
    assert created.status_code == 201, created.text
    uid = created.json()["id"]
    made = world.client.post(f"/v1/admin/users/{uid}/keys", headers=admin, json={})
    assert made.status_code == 201, made.text
    return uid, made.json()["key"]["id"], {"Authorization": f"Bearer {made.json()['token']}"}


def test_casbin_decisions_are_cached_and_forgotten_on_policy_edits(world: World) -> None:
    authz = world.app.state.services.authz
    admin, viewer = world.headers("acme", "admin"), world.headers("acme", "viewer")
    for _ in range(2):  # the second answer comes from the cache
        assert world.client.post("/v1/search", headers=viewer, json=PROBE).status_code == 403
    assert ("viewer", "acme", "search", "query") in authz._decisions
    assert "internal" not in world.client.get("/v1/me", headers=viewer).text
    assert "internal" not in authz.access_filter("viewer", "acme").classifications
    rules = [
        {"kind": "p", "values": ["viewer", "acme", "search", "query"]},
        {"kind": "p", "values": ["viewer", "acme", "data:internal", "read"]},
    ]
    for rule in rules:
        assert world.client.post("/v1/admin/policies", headers=admin, json=rule).status_code == 201
    try:
        assert world.client.post("/v1/search", headers=viewer, json=PROBE).status_code == 200
        assert "internal" in authz.access_filter("viewer", "acme").classifications
        assert "internal" not in authz.access_filter("viewer", "globex").classifications
    finally:
        for rule in rules:
            world.client.post("/v1/admin/policies/remove", headers=admin, json=rule)
    assert world.client.post("/v1/search", headers=viewer, json=PROBE).status_code == 403
    assert "internal" not in authz.access_filter("viewer", "acme").classifications
    # A reload (e.g. after an edit in the database by another process) forgets them too.
    authz.allowed("viewer", "acme", "search", "query")
    authz.reload()
    assert not authz._decisions


def test_revocation_through_the_api_holds_at_once(world: World, clock: Clock) -> None:
    _, key_id, mine = new_key(world)
    assert world.client.post("/v1/search", headers=mine, json=PROBE).status_code == 200  # now cached
    revoked = world.client.delete(f"/v1/admin/keys/{key_id}", headers=world.headers("acme", "admin"))
    assert revoked.status_code == 200
    assert world.client.post("/v1/search", headers=mine, json=PROBE).status_code == 401


def test_role_change_and_deactivation_through_the_api_hold_at_once(world: World, clock: Clock) -> None:
    uid, _, mine = new_key(world)
    admin = world.headers("acme", "admin")
    assert world.client.post("/v1/search", headers=mine, json=PROBE).status_code == 200
    assert (
        world.client.patch(f"/v1/admin/users/{uid}", headers=admin, json={"role": "viewer"}).status_code
        == 200
    )
    assert world.client.post("/v1/search", headers=mine, json=PROBE).status_code == 403
    assert (
        world.client.patch(f"/v1/admin/users/{uid}", headers=admin, json={"active": False}).status_code == 200
    )
    assert world.client.get("/v1/me", headers=mine).status_code == 401


def test_revocation_elsewhere_holds_within_the_ttl(world: World, clock: Clock) -> None:
    """Revoked in the database without this process knowing (another worker, `llmx users`): the key
    is refused once the cached entry is older than KEY_CACHE_TTL_S, never later."""
    _, key_id, mine = new_key(world)
    assert world.client.get("/v1/me", headers=mine).status_code == 200
    accounts.revoke_key(world.app.state.services.db, key_id)
    clock.now += KEY_CACHE_TTL_S / 2
    assert world.client.get("/v1/me", headers=mine).status_code == 200  # the documented window
    clock.now += KEY_CACHE_TTL_S / 2 + 0.01
    assert world.client.get("/v1/me", headers=mine).status_code == 401
    assert KEY_CACHE_TTL_S <= 5.0


def test_unknown_keys_are_not_cached(world: World, clock: Clock) -> None:
    bad = {"Authorization": "Bearer llmx_" + "0" * 40}
    for _ in range(2):
        assert world.client.get("/v1/me", headers=bad).status_code == 401
    assert not world.app.state.services.keys._users
