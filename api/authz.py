"""Casbin RBAC with domains: which routes a caller may use and which data they may ever see.

The enforcer is built once per app from `policy/model.conf` and the policy rows in the API database
(seeded from `policy/policy.csv` when the table is empty), and reloaded after every policy edit.
A request is (role, tenant, resource, action); a user has one role in one tenant.

Every route declares `Depends(require(resource, action))`; a test walks `app.routes` and fails on a
route without it. The same enforcer turns a caller into the `AccessFilter` that graph queries and
both indexes apply before ranking: the classifications whose `data:<classification>` the role may
`read`, and the caller's own tenant.
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

import casbin
from casbin_sqlalchemy_adapter import Adapter
from fastapi import Depends, Request

from core.access import CLASSIFICATIONS, AccessFilter
from core.errors import AccessDenied, InvalidInput, NotFound
from services.accounts import ROLES, UserPublic
from services.state import StateDb

from .auth import ANONYMOUS, Caller, identify
from .errors import Unauthenticated

POLICY_DIR = Path(__file__).parent / "policy"
MODEL_CONF = POLICY_DIR / "model.conf"
SEED_POLICY = POLICY_DIR / "policy.csv"
ANY_TENANT = "*"
# The attribute `require` puts on its dependency, so the route test can find it.
PERMISSION_ATTR = "__llmx_permission__"


def _domain_matches(request_domain: str, policy_domain: str) -> bool:
    return policy_domain == ANY_TENANT or request_domain == policy_domain


def read_policy_csv(path: Path) -> list[list[str]]:
    rows = []
    with path.open() as handle:
        for row in csv.reader(line for line in handle if line.strip() and not line.lstrip().startswith("#")):
            rows.append([cell.strip() for cell in row])
    return rows


class Authz:
    """The enforcer over the database's policy rows; thread-safe, reloadable."""

    def __init__(self, db: StateDb) -> None:
        self._lock = threading.RLock()
        self.enforcer = casbin.Enforcer(str(MODEL_CONF), Adapter(db.engine))
        self.enforcer.add_named_domain_matching_func("g", _domain_matches)
        if not self.enforcer.get_policy() and not self.enforcer.get_grouping_policy():
            self._seed()
        self.reload()

    def _seed(self) -> None:
        for row in read_policy_csv(SEED_POLICY):
            kind, values = row[0], row[1:]
            if kind == "p":
                self.enforcer.add_policy(*values)
            elif kind == "g":
                self.enforcer.add_grouping_policy(*values)

    def reload(self) -> None:
        """Reload the policy from the database; forgets every cached decision (under the same lock,
        so no decision of the old policy is cached after it)."""
        with self._lock:
            self.enforcer.load_policy()
            self.enforcer.build_role_links()
            self._decisions: dict[tuple[str, str, str, str], bool] = {}
            self._filters: dict[tuple[str, str], AccessFilter] = {}

    def allowed(self, role: str, tenant: str, resource: str, action: str) -> bool:
        """The enforcer's decision, cached per (role, tenant, resource, action) until the next
        policy change (`add_rule`, `remove_rule` and `reload` all clear the cache)."""
        request = (role, tenant, resource, action)
        decision = self._decisions.get(request)
        if decision is None:
            with self._lock:
                decisions = self._decisions
                decision = bool(self.enforcer.enforce(role, tenant, resource, action))
                if decisions is self._decisions:  # no reload since: still the current policy's
                    decisions[request] = decision
        return decision

    def caller(self, user: UserPublic | None) -> Caller:
        """The caller a user is; None is the anonymous caller, who reads nothing."""
        if user is None:
            return Caller(None, ANONYMOUS, ANY_TENANT, AccessFilter(frozenset(), frozenset()))
        role = user.role if user.role in ROLES else ANONYMOUS
        return Caller(user, role, user.tenant, self.access_filter(role, user.tenant))

    def access_filter(self, role: str, tenant: str) -> AccessFilter:
        """What a role may read in its tenant: the allowed classifications, and only its tenant."""
        cached = self._filters.get((role, tenant))
        if cached is not None:
            return cached
        with self._lock:
            filters = self._filters
            classes = frozenset(c for c in CLASSIFICATIONS if self.allowed(role, tenant, f"data:{c}", "read"))
            access = AccessFilter(classes, frozenset({tenant}))
            if filters is self._filters:
                filters[(role, tenant)] = access
        return access

    # -- the admin API's view of the policy -----------------------------------------------------
    def rules(self) -> list[list[str]]:
        with self._lock:
            return [["p", *r] for r in self.enforcer.get_policy()] + [
                ["g", *r] for r in self.enforcer.get_grouping_policy()
            ]

    def add_rule(self, kind: str, values: list[str]) -> bool:
        _check_rule(kind, values)
        with self._lock:
            added = (
                self.enforcer.add_policy(*values)
                if kind == "p"
                else self.enforcer.add_grouping_policy(*values)
            )
            self.reload()
        return bool(added)

    def remove_rule(self, kind: str, values: list[str]) -> None:
        _check_rule(kind, values)
        with self._lock:
            removed = (
                self.enforcer.remove_policy(*values)
                if kind == "p"
                else self.enforcer.remove_grouping_policy(*values)
            )
            self.reload()
        if not removed:
            raise NotFound("No such policy rule.")


def _check_rule(kind: str, values: list[str]) -> None:
    if kind not in ("p", "g"):
        raise InvalidInput("A rule is 'p' (role, tenant, resource, action) or 'g' (role, parent, tenant).")
    if len(values) != (4 if kind == "p" else 3):
        raise InvalidInput("A 'p' rule has 4 values (role, tenant, resource, action); a 'g' rule has 3.")
    if any(not v or len(v) > 120 or "," in v for v in values):
        raise InvalidInput("Rule values are 1-120 characters without commas.")


def require(resource: str, action: str) -> Callable[..., Awaitable[Caller]]:
    """A route dependency: the caller, if their role may `action` on `resource` in their tenant.

    401 when an anonymous caller is refused (they should sign in), 403 when a signed-in one is.
    """

    async def dependency(request: Request, caller: Annotated[Caller, Depends(identify)]) -> Caller:
        # async: a cached Casbin decision and one audit line, no reason for a threadpool hop
        services = request.app.state.services
        ok = services.authz.allowed(caller.role, caller.tenant, resource, action)
        services.audit.record(caller, resource, action, allowed=ok, path=request.url.path)
        if not ok:
            services.metrics.denied.labels(resource=resource).inc()
            if caller.user is None:
                raise Unauthenticated("Sign in with an API key: Authorization: Bearer <key> or X-API-Key.")
            raise AccessDenied(f"Your role ({caller.role}) may not {action} {resource}.")
        request.state.caller = caller
        return caller

    setattr(dependency, PERMISSION_ATTR, (resource, action))
    dependency.__name__ = f"require_{resource.replace(':', '_')}_{action}"
    return dependency


def permissions_of(dependency: Any) -> tuple[str, str] | None:
    return getattr(dependency, PERMISSION_ATTR, None)
