"""Authentication: an API key in `Authorization: Bearer <key>` or `X-API-Key: <key>`.

Keys are checked against their stored SHA-256 (services/accounts.py): an unknown, expired or revoked
key, or one of a deactivated user, is a 401 whatever the route (within `KEY_CACHE_TTL_S` seconds of
the change: a key found valid is trusted that long without a query). No credentials at all make the
anonymous caller, whom the policy lets read only health, readiness and the OpenAPI document. Each
caller (a user, or an anonymous client address) has its own rate-limit bucket.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from core.access import AccessFilter
from services.accounts import UserPublic, authenticate, hash_token

from .errors import RateLimited, Unauthenticated

ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Caller:
    """Who is calling (None: anonymous), as which role in which tenant, and what they may read."""

    user: UserPublic | None
    role: str
    tenant: str
    access: AccessFilter

    @property
    def name(self) -> str:
        return self.user.name if self.user else ANONYMOUS

    @property
    def user_id(self) -> int:
        if self.user is None:
            raise Unauthenticated("Sign in with an API key: Authorization: Bearer <key> or X-API-Key.")
        return self.user.id


def token_of(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthenticated("The Authorization header must be 'Bearer <key>'.")
        return value.strip()
    key = request.headers.get("x-api-key")
    return key.strip() if key is not None else None


class RateLimiter:
    """A token bucket per caller: `per_minute` requests a minute, bursts up to the same number."""

    def __init__(self, per_minute: int) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(per_minute)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, who: str) -> None:
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(who, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[who] = (tokens, now)
                raise RateLimited(
                    "Too many requests; slow down.", retry_after=max(1, int((1 - tokens) / self.rate))
                )
            self._buckets[who] = (tokens - 1.0, now)


# How long a key that was found valid is trusted without asking the database again. A revoked or
# expired key, a deactivated user or a changed role takes effect within this many seconds in every
# worker process (at once in the process that made the change, see `KeyCache.clear`).
KEY_CACHE_TTL_S = 2.0
KEY_CACHE_MAX = 10_000


class KeyCache:
    """SHA-256 of an API key -> the user it authenticated, for `KEY_CACHE_TTL_S` seconds.

    Only successes are kept (a new key works at once; an unknown one is asked every time), keyed by
    the hash so that no key sits in memory. `clock` is injectable for tests."""

    def __init__(self, ttl_s: float = KEY_CACHE_TTL_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.clock = clock
        self._users: dict[str, tuple[UserPublic, float]] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> UserPublic | None:
        entry = self._users.get(hash_token(token))
        if entry is None or self.clock() - entry[1] > self.ttl_s:
            return None
        return entry[0]

    def put(self, token: str, user: UserPublic) -> None:
        with self._lock:
            if len(self._users) >= KEY_CACHE_MAX:
                self._users.clear()
            self._users[hash_token(token)] = (user, self.clock())

    def clear(self) -> None:
        """Forget every key (call after revoking a key, or changing or deactivating a user)."""
        with self._lock:
            self._users.clear()


async def identify(request: Request) -> Caller:
    """The caller of this request (cached on the request), after the rate limit.

    async: a key seen in the last `KEY_CACHE_TTL_S` seconds costs no database query and no threadpool
    hop; otherwise the lookup runs in the threadpool, off the event loop."""
    cached = getattr(request.state, "identity", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    services = request.app.state.services
    token = token_of(request)
    user = None
    if token is not None:
        user = services.keys.get(token)
        if user is None:
            user = await run_in_threadpool(authenticate, services.db, token)
            if user is None:
                services.metrics.auth_failures.inc()
                raise Unauthenticated("The API key is unknown, expired or revoked.")
            services.keys.put(token, user)
    who = f"user:{user.id}" if user else f"ip:{request.client.host if request.client else '-'}"
    services.limiter.take(who)
    caller: Caller = services.authz.caller(user)
    request.state.identity = caller
    return caller
