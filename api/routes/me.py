"""Who the caller is: name, tenant, role, and every (resource, action) the policy lets them use.

The UI shows pages and actions from `permissions`, so the policy stays the one place that decides;
an anonymous caller gets role `anonymous` and only what anonymous may do.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from ..authz import require
from ..deps import CurrentUser, Svc

router = APIRouter(prefix="/v1", tags=["me"])


class Me(BaseModel):
    name: str
    tenant: str
    role: str
    permissions: list[str]  # "resource:action"


@router.get("/me", dependencies=[Depends(require("health", "read"))])
def me(services: Svc, caller: CurrentUser) -> Me:
    pairs = {(r[3], r[4]) for r in services.authz.rules() if r[0] == "p" and "*" not in (r[3], r[4])}
    allowed = sorted(f"{o}:{a}" for o, a in pairs if services.authz.allowed(caller.role, caller.tenant, o, a))
    return Me(name=caller.name, tenant=caller.tenant, role=caller.role, permissions=allowed)
