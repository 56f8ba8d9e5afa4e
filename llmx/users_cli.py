"""`llmx users ...`: users and API keys from the shell, through the same code as the admin API."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from core.errors import LlmxError
from core.settings import get_settings
from services import accounts
from services.state import StateDb

from .console import fail, out

users_app = typer.Typer(help="Users and API keys of the REST API.", no_args_is_help=True)


def _db() -> StateDb:
    return StateDb.open(get_settings())


@users_app.command("create")
def create(
    name: str,
    tenant: Annotated[str, typer.Option(help="The user's tenant.")],
    role: Annotated[str, typer.Option(help="viewer, analyst, editor or admin.")] = "viewer",
    ttl_days: Annotated[int, typer.Option(help="Lifetime of the first key.")] = 90,
) -> None:
    """Create a user and a first API key; the key is printed once."""
    try:
        db = _db()
        user = accounts.create_user(db, name, tenant=tenant, role=role)
        new = accounts.create_key(db, user.id, ttl_days=ttl_days, label="cli")
    except LlmxError as exc:
        raise fail(str(exc)) from exc
    out.print(f"user {user.id} {user.name} ({user.role} in {user.tenant})", highlight=False)
    out.print(f"key {new.key.id}, expires {new.key.expires_at:%Y-%m-%d}; shown once:", highlight=False)
    print(new.token)


@users_app.command("list")
def list_users(
    tenant: Annotated[str | None, typer.Option(help="Only this tenant.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
) -> None:
    """Users and their keys (prefixes only, never the keys)."""
    db = _db()
    users = accounts.list_users(db, tenant=tenant)
    keys = accounts.list_keys(db, tenant=tenant)
    if as_json:
        print(json.dumps({"users": [u.model_dump(mode="json") for u in users],
                          "keys": [k.model_dump(mode="json") for k in keys]}, indent=2))  # fmt: skip
        return
    table = Table("id", "name", "tenant", "role", "active", "keys (id prefix expiry)")
    for u in users:
        mine = [f"{k.id} {k.prefix} {k.expires_at:%Y-%m-%d}{' revoked' if k.revoked else ''}"
                for k in keys if k.user_id == u.id]  # fmt: skip
        table.add_row(str(u.id), u.name, u.tenant, u.role, str(u.active), "\n".join(mine))
    out.print(table)


@users_app.command("key")
def new_key(
    name: str,
    ttl_days: Annotated[int, typer.Option(help="Lifetime of the key.")] = 90,
    label: Annotated[str, typer.Option(help="A note shown in listings.")] = "cli",
) -> None:
    """A new API key for a user; printed once."""
    try:
        db = _db()
        new = accounts.create_key(db, accounts.find_user(db, name).id, ttl_days=ttl_days, label=label)
    except LlmxError as exc:
        raise fail(str(exc)) from exc
    out.print(f"key {new.key.id}, expires {new.key.expires_at:%Y-%m-%d}; shown once:", highlight=False)
    print(new.token)


@users_app.command("revoke")
def revoke(key_id: int) -> None:
    """Revoke an API key by its id (see `llmx users list`)."""
    try:
        key = accounts.revoke_key(_db(), key_id)
    except LlmxError as exc:
        raise fail(str(exc)) from exc
    out.print(f"key {key.id} ({key.prefix}) revoked", highlight=False)


@users_app.command("deactivate")
def deactivate(name: str) -> None:
    """Deactivate a user: all their keys stop working."""
    try:
        db = _db()
        user = accounts.update_user(db, accounts.find_user(db, name).id, tenant=None, active=False)
    except LlmxError as exc:
        raise fail(str(exc)) from exc
    out.print(f"user {user.name} deactivated", highlight=False)
