"""What routes ask for, as `Annotated` aliases: the app's services, its context and the caller."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from core.settings import Settings
from services.context import AppContext
from services.jobs import JobRunner
from services.state import StateDb

from .audit import AuditLog
from .auth import Caller, RateLimiter, identify
from .authz import Authz
from .metrics import Metrics


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
    active_adapters: dict[str, str] = field(default_factory=dict)


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def get_ctx(request: Request) -> AppContext:
    return get_services(request).ctx


def get_db(request: Request) -> StateDb:
    return get_services(request).db


def current_user(request: Request, caller: Annotated[Caller, Depends(identify)]) -> Caller:
    """The caller that `require` already checked for this route."""
    checked: Caller | None = getattr(request.state, "caller", None)
    return checked or caller


Svc = Annotated[Services, Depends(get_services)]
Ctx = Annotated[AppContext, Depends(get_ctx)]
Db = Annotated[StateDb, Depends(get_db)]
CurrentUser = Annotated[Caller, Depends(current_user)]
