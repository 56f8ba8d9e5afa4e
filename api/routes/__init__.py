"""One router per resource, gathered here in the order the OpenAPI document lists them."""

from __future__ import annotations

from fastapi import APIRouter

from . import (
    adapters,
    admin,
    catalog,
    chat,
    conversations,
    documents,
    feedback,
    health,
    jobs,
    me,
    news,
    openai_compat,
    quarantine,
    search,
)

ROUTERS: tuple[APIRouter, ...] = (
    health.router, me.router, chat.router, conversations.router, openai_compat.router, search.router,
    catalog.router, news.router, documents.router, jobs.router, quarantine.router, adapters.router,
    feedback.router, admin.router,
)  # fmt: skip
