"""What routes ask for, as `Annotated` aliases: the app's services, its context and the caller."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from core.settings import Settings
from services.adapters import active_adapter
from services.context import AppContext
from services.jobs import JobRunner
from services.state import StateDb

from .audit import AuditLog
from .auth import Caller, KeyCache, RateLimiter, identify
from .authz import Authz
from .metrics import Metrics

ADAPTER_TTL_S = 5.0


@dataclass
class Services:
    """Everything one app holds for its lifetime, built once by `create_app`."""

    settings: Settings
    ctx: AppContext
    db: StateDb
    authz: Authz
    limiter: RateLimiter
    audit: AuditLog
    metrics: Metrics
    jobs: JobRunner
    admin_key_file: str
    # API key hash -> user, for a few seconds (api/auth.py): no database query per request.
    keys: KeyCache = field(default_factory=KeyCache)
    # tenant -> (the adapter its answers use or None, when read): read from the database at most every
    # ADAPTER_TTL_S, so another worker process's activation holds here within seconds.
    active_adapters: dict[str, tuple[str | None, float]] = field(default_factory=dict)

    def adapter_of(self, tenant: str) -> Path | None:
        """The folder of the tenant's active adapter, None when it has none (or it was removed)."""
        if not self.adapter_known(tenant):
            self.active_adapters[tenant] = (active_adapter(self.db, tenant), time.monotonic())
        name = self.active_adapters[tenant][0]
        folder = self.settings.adapters_dir / name if name else None
        return folder if folder is not None and (folder / "adapter_config.json").is_file() else None

    def adapter_known(self, tenant: str) -> bool:
        """True when `adapter_of(tenant)` answers from memory, without a query."""
        cached = self.active_adapters.get(tenant)
        return cached is not None and time.monotonic() - cached[1] <= ADAPTER_TTL_S

    def set_adapter(self, tenant: str, name: str | None) -> None:
        """This process's activation: in force from its next request."""
        self.active_adapters[tenant] = (name, time.monotonic())


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def get_ctx(request: Request) -> AppContext:
    return get_services(request).ctx


def get_db(request: Request) -> StateDb:
    return get_services(request).db


async def current_user(request: Request, caller: Annotated[Caller, Depends(identify)]) -> Caller:
    """The caller that `require` already checked for this route."""
    checked: Caller | None = getattr(request.state, "caller", None)
    return checked or caller


MODEL_HEADER = "X-LLMX-Model"


async def tenant_adapter(
    request: Request, response: Response, caller: Annotated[Caller, Depends(identify)]
) -> None:
    """On the answering routes: this request's answers use the caller's tenant's active adapter
    (async, so what it sets holds for the route that runs after it); the header names the model."""
    services = get_services(request)
    if caller.user is None:
        return
    if services.adapter_known(caller.tenant):
        adapter = services.adapter_of(caller.tenant)
    else:  # a query, every few seconds per tenant: off the event loop
        adapter = await run_in_threadpool(services.adapter_of, caller.tenant)
    if adapter is None:
        services.ctx.set_request_adapter(None, default=True)
        response.headers[MODEL_HEADER] = services.ctx.default_generator.name
    else:
        services.ctx.set_request_adapter(adapter)
        response.headers[MODEL_HEADER] = services.ctx.model_name(adapter)


Svc = Annotated[Services, Depends(get_services)]
Ctx = Annotated[AppContext, Depends(get_ctx)]
Db = Annotated[StateDb, Depends(get_db)]
CurrentUser = Annotated[Caller, Depends(current_user)]
