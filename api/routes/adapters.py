"""Fine-tuning adapters: list the registered ones, read one's evaluation report (admins), activate
one for your tenant (its next answers use it; the `X-LLMX-Model` header of an answer names the model)
or deactivate it (back to the server's default model)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from services import adapters as adapters_service
from services.adapters import Activation, AdapterInfo, AdapterReport

from ..authz import require
from ..deps import CurrentUser, Svc

router = APIRouter(prefix="/v1", tags=["adapters"])


@router.get("/adapters", dependencies=[Depends(require("adapters", "read"))])
def list_adapters(services: Svc, caller: CurrentUser) -> list[AdapterInfo]:
    return adapters_service.list_adapters(services.settings.adapters_dir, services.db, tenant=caller.tenant)


@router.post("/adapters/{name}/activate", dependencies=[Depends(require("adapters", "activate"))])
def activate(
    name: Annotated[str, Path(min_length=1, max_length=200)], services: Svc, caller: CurrentUser
) -> Activation:
    done = adapters_service.activate(
        services.settings.adapters_dir, services.db, name, tenant=caller.tenant, user_id=caller.user_id
    )
    services.set_adapter(caller.tenant, name)  # the tenant's next answers use it
    services.audit.change(caller, "adapter.activate", name)
    return done


@router.post("/adapters/{name}/deactivate", dependencies=[Depends(require("adapters", "activate"))])
def deactivate(
    name: Annotated[str, Path(min_length=1, max_length=200)], services: Svc, caller: CurrentUser
) -> Activation:
    """Your tenant's answers go back to the server's default model."""
    done = adapters_service.deactivate(
        services.settings.adapters_dir, services.db, name, tenant=caller.tenant, user_id=caller.user_id
    )
    services.set_adapter(caller.tenant, None)
    services.audit.change(caller, "adapter.deactivate", name)
    return done


@router.get("/adapters/{name}/report", dependencies=[Depends(require("adapters", "activate"))])
def adapter_report(name: Annotated[str, Path(min_length=1, max_length=200)], services: Svc) -> AdapterReport:
    """The adapter's `report.json` (as an object, or null) and `report.md` (text, or null). Admins
    only: the same permission as activating, since the report is what an admin activates on."""
    return adapters_service.report(services.settings.adapters_dir, name)
