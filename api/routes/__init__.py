"""One router per resource, gathered here in the order the OpenAPI document lists them."""

from __future__ import annotations

from fastapi import APIRouter

from . import (
    adapters,
    admin,
    catalog,
    chat,
    documents,
    feedback,
    health,
    jobs,
    me,
    news,
    openai_compat,
    search,
)

ROUTERS: tuple[APIRouter, ...] = (
    health.router, me.router, chat.router, openai_compat.router, search.router, catalog.router, news.router,
    documents.router, jobs.router, adapters.router, feedback.router, admin.router,
)  # fmt: skip
