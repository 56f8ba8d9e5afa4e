"""Users and API keys: the one implementation behind the admin API and `llmx users ...`.

A key is a random token shown once; only its SHA-256 is stored (a 256-bit random token needs no slow
hash). A key has an expiry and can be revoked; a user can be deactivated, which stops all their keys.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import select

from core.errors import InvalidInput, LlmxError, NotFound

from .state import ApiKey, StateDb, User, utcnow

ROLES: tuple[str, ...] = ("viewer", "analyst", "editor", "admin")
TOKEN_PREFIX = "llmx_"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,119}$")
_TENANT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
BOOTSTRAP_USER = "admin"
BOOTSTRAP_TENANT = "default"


class AlreadyExists(LlmxError):
    """The thing to create exists already (a user name is taken)."""


class UserPublic(BaseModel):
    id: int
    name: str
    tenant: str
    role: str
    active: bool
    created_at: datetime


class KeyPublic(BaseModel):
    id: int
    user_id: int
    prefix: str
    label: str
    created_at: datetime
    expires_at: datetime
    revoked: bool


class NewKey(BaseModel):
    key: KeyPublic
    token: str  # shown once, never stored


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _user(u: User) -> UserPublic:
    return UserPublic(
        id=u.id, name=u.name, tenant=u.tenant, role=u.role, active=u.active, created_at=_aware(u.created_at)
    )


def _key(k: ApiKey) -> KeyPublic:
    return KeyPublic(
        id=k.id, user_id=k.user_id, prefix=k.prefix, label=k.label, created_at=_aware(k.created_at),
        expires_at=_aware(k.expires_at), revoked=k.revoked_at is not None,
    )  # fmt: skip


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput(f"Unknown role {role!r}; roles are {', '.join(ROLES)}.")
    return role


def check_tenant(tenant: str) -> str:
    if not _TENANT.match(tenant):
        raise InvalidInput(
            "A tenant is 1-63 lower-case letters, digits, '-' or '_', starting with a letter or digit."
        )
    return tenant


def create_user(db: StateDb, name: str, *, tenant: str, role: str) -> UserPublic:
    if not _NAME.match(name):
        raise InvalidInput(
            "A user name is 1-120 letters, digits or . _ @ -, starting with a letter or digit."
        )
    check_role(role)
    check_tenant(tenant)
    with db.write_lock, db.session() as s:
        if s.scalar(select(User).where(User.name == name)) is not None:
            raise AlreadyExists(f"The user {name!r} exists already.")
        user = User(name=name, tenant=tenant, role=role, active=True, created_at=utcnow())
        s.add(user)
        s.flush()
        return _user(user)


def list_users(db: StateDb, *, tenant: str | None = None) -> list[UserPublic]:
    with db.session() as s:
        query = select(User).order_by(User.id)
        if tenant is not None:
            query = query.where(User.tenant == tenant)
        return [_user(u) for u in s.scalars(query)]


def get_user(db: StateDb, user_id: int, *, tenant: str | None = None) -> UserPublic:
    with db.session() as s:
        user = s.get(User, user_id)
        if user is None or (tenant is not None and user.tenant != tenant):
            raise NotFound(f"No user {user_id}.")
        return _user(user)


def find_user(db: StateDb, name: str) -> UserPublic:
    with db.session() as s:
        user = s.scalar(select(User).where(User.name == name))
        if user is None:
            raise NotFound(f"No user named {name!r}.")
        return _user(user)


def update_user(
    db: StateDb, user_id: int, *, tenant: str | None, role: str | None = None, active: bool | None = None
) -> UserPublic:
    """Change a user's role or deactivate them; `tenant` limits the change to that tenant's users."""
    with db.write_lock, db.session() as s:
        user = s.get(User, user_id)
        if user is None or (tenant is not None and user.tenant != tenant):
            raise NotFound(f"No user {user_id}.")
        if role is not None:
            user.role = check_role(role)
        if active is not None:
            user.active = active
        return _user(user)


def create_key(
    db: StateDb, user_id: int, *, ttl_days: int, label: str = "", tenant: str | None = None
) -> NewKey:
    if not 1 <= ttl_days <= 3650:
        raise InvalidInput("A key lives 1 to 3650 days.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.write_lock, db.session() as s:
        user = s.get(User, user_id)
        if user is None or (tenant is not None and user.tenant != tenant):
            raise NotFound(f"No user {user_id}.")
        now = utcnow()
        key = ApiKey(
            user_id=user_id, prefix=token[:12], hash=hash_token(token), label=label[:120],
            created_at=now, expires_at=now + timedelta(days=ttl_days),
        )  # fmt: skip
        s.add(key)
        s.flush()
        return NewKey(key=_key(key), token=token)


def list_keys(db: StateDb, *, tenant: str | None = None, user_id: int | None = None) -> list[KeyPublic]:
    with db.session() as s:
        query = select(ApiKey).join(User, User.id == ApiKey.user_id).order_by(ApiKey.id)
        if tenant is not None:
            query = query.where(User.tenant == tenant)
        if user_id is not None:
            query = query.where(ApiKey.user_id == user_id)
        return [_key(k) for k in s.scalars(query)]


def revoke_key(db: StateDb, key_id: int, *, tenant: str | None = None) -> KeyPublic:
    with db.write_lock, db.session() as s:
        key = s.get(ApiKey, key_id)
        owner = s.get(User, key.user_id) if key is not None else None
        if key is None or owner is None or (tenant is not None and owner.tenant != tenant):
            raise NotFound(f"No key {key_id}.")
        if key.revoked_at is None:
            key.revoked_at = utcnow()
        return _key(key)


def expire_key_now(db: StateDb, key_id: int) -> None:
    """For operators and tests: end a key's life without revoking it."""
    with db.write_lock, db.session() as s:
        key = s.get(ApiKey, key_id)
        if key is None:
            raise NotFound(f"No key {key_id}.")
        key.expires_at = utcnow() - timedelta(seconds=1)


def authenticate(db: StateDb, token: str) -> UserPublic | None:
    """The active user whose live key this is, or None (unknown, expired, revoked, deactivated)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    with db.session() as s:
        key = s.scalar(select(ApiKey).where(ApiKey.hash == hash_token(token)))
        if key is None or key.revoked_at is not None or _aware(key.expires_at) <= utcnow():
            return None
        user = s.get(User, key.user_id)
        if user is None or not user.active:
            return None
        return _user(user)


def ensure_bootstrap_admin(db: StateDb, key_file: Path, *, ttl_days: int) -> bool:
    """On a database without an admin (users made with `llmx users create` before the first start do
    not count): an `admin` of tenant `default`, its key written to `key_file` (0600).

    Returns whether it created them. The key is in that file only; delete the file once it is kept
    somewhere safe.
    """
    with db.session() as s:
        if s.scalar(select(User.id).where(User.role == "admin").limit(1)) is not None:
            return False
        taken = s.scalar(select(User.id).where(User.name == BOOTSTRAP_USER)) is not None
    name = f"{BOOTSTRAP_USER}-{secrets.token_hex(3)}" if taken else BOOTSTRAP_USER
    user = create_user(db, name, tenant=BOOTSTRAP_TENANT, role="admin")
    new = create_key(db, user.id, ttl_days=ttl_days, label="bootstrap")
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(new.token + "\n")
    os.chmod(key_file, 0o600)
    return True
