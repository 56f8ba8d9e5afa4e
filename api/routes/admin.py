"""Administration of your tenant: users, API keys, and the tenant's own policy rules.

An admin sees and changes the users and keys of their tenant only, and may add or remove policy
rules whose domain is their tenant; the shared rules (domain `*`) come from the seed file.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field

from core.errors import AccessDenied
from services import accounts
from services.accounts import KeyPublic, NewKey, UserPublic

from ..authz import ANY_TENANT, require
from ..deps import CurrentUser, Svc

router = APIRouter(prefix="/v1/admin", tags=["admin"])
Role = Literal["viewer", "analyst", "editor", "admin"]
ItemId = Annotated[int, Path(ge=1, le=2**62)]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    role: Role


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    active: bool | None = None


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ttl_days: int = Field(90, ge=1, le=3650)
    label: str = Field("", max_length=120)


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["p", "g"]
    values: list[Annotated[str, Field(min_length=1, max_length=120)]] = Field(min_length=3, max_length=4)


@router.get("/users", dependencies=[Depends(require("users", "read"))])
def list_users(services: Svc, caller: CurrentUser) -> list[UserPublic]:
    return accounts.list_users(services.db, tenant=caller.tenant)


@router.post("/users", status_code=201, dependencies=[Depends(require("users", "write"))])
def create_user(body: UserCreate, services: Svc, caller: CurrentUser) -> UserPublic:
    user = accounts.create_user(services.db, body.name, tenant=caller.tenant, role=body.role)
    services.audit.change(caller, "user.create", str(user.id), role=user.role)
    return user


@router.patch("/users/{user_id}", dependencies=[Depends(require("users", "write"))])
def update_user(user_id: ItemId, body: UserUpdate, services: Svc, caller: CurrentUser) -> UserPublic:
    user = accounts.update_user(
        services.db, user_id, tenant=caller.tenant, role=body.role, active=body.active
    )
    services.keys.clear()  # cached keys: the new role / deactivation holds from the next request
    services.audit.change(caller, "user.update", str(user_id), role=user.role, active=user.active)
    return user


@router.post("/users/{user_id}/keys", status_code=201, dependencies=[Depends(require("users", "write"))])
def create_key(user_id: ItemId, body: KeyCreate, services: Svc, caller: CurrentUser) -> NewKey:
    """A new key for a user of your tenant; the token is in this response only."""
    new = accounts.create_key(
        services.db, user_id, ttl_days=body.ttl_days, label=body.label, tenant=caller.tenant
    )
    services.audit.change(caller, "key.create", str(new.key.id), user_id=user_id)
    return new


@router.get("/keys", dependencies=[Depends(require("users", "read"))])
def list_keys(services: Svc, caller: CurrentUser) -> list[KeyPublic]:
    return accounts.list_keys(services.db, tenant=caller.tenant)


@router.delete("/keys/{key_id}", dependencies=[Depends(require("users", "write"))])
def revoke_key(key_id: ItemId, services: Svc, caller: CurrentUser) -> KeyPublic:
    key = accounts.revoke_key(services.db, key_id, tenant=caller.tenant)
    services.keys.clear()  # cached keys: the revoked one is refused from the next request
    services.audit.change(caller, "key.revoke", str(key_id))
    return key


@router.get("/policies", dependencies=[Depends(require("policies", "read"))])
def list_policies(services: Svc, caller: CurrentUser) -> list[list[str]]:
    """The rules in force for your tenant: the shared ones and your tenant's own."""
    return [r for r in services.authz.rules() if _domain(r) in (ANY_TENANT, caller.tenant)]


def _domain(rule: list[str]) -> str:
    return rule[2] if rule[0] == "p" else rule[3]


def _own(body: Rule, caller: CurrentUser) -> None:
    domain = body.values[1] if body.kind == "p" else body.values[-1]
    if domain != caller.tenant:
        raise AccessDenied(f"You may change the rules of your tenant ({caller.tenant}) only.")


@router.post("/policies", status_code=201, dependencies=[Depends(require("policies", "write"))])
def add_policy(body: Rule, services: Svc, caller: CurrentUser) -> dict[str, bool]:
    """Add a rule to your tenant; it holds from the next request (the enforcer reloads)."""
    _own(body, caller)
    added = services.authz.add_rule(body.kind, list(body.values))
    services.audit.change(caller, "policy.add", ",".join([body.kind, *body.values]))
    return {"added": added}


@router.post("/policies/remove", dependencies=[Depends(require("policies", "write"))])
def remove_policy(body: Rule, services: Svc, caller: CurrentUser) -> dict[str, bool]:
    _own(body, caller)
    services.authz.remove_rule(body.kind, list(body.values))
    services.audit.change(caller, "policy.remove", ",".join([body.kind, *body.values]))
    return {"removed": True}
