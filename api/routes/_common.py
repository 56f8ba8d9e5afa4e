"""What several routes share: running a blocking service call with the generation timeout, and
screening a question and its answer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from starlette.concurrency import run_in_threadpool

from ..auth import Caller
from ..deps import Services
from ..errors import GenerationTimeout
from ..monitor import screen_answer, screen_question

T = TypeVar("T")


async def with_timeout(services: Services, call: Callable[[], T]) -> T:
    """Run a blocking call (an answer) in the thread pool, giving up after the configured time."""
    limit = services.settings.api_generation_timeout_s
    try:
        return await asyncio.wait_for(run_in_threadpool(call), timeout=limit)
    except TimeoutError as exc:
        raise GenerationTimeout(f"The answer took longer than {limit:g} s; try a narrower question.") from exc


def monitor(services: Services, caller: Caller, route: str, question: str) -> list[str]:
    flags = screen_question(question)
    for flag in flags:
        services.metrics.flags.labels(flag=flag).inc()
    services.audit.flags(caller, route, flags)
    return flags


def monitor_answer(
    services: Services, caller: Caller, route: str, answer: str, citations: int, refused: bool
) -> None:
    flags = screen_answer(answer, citations=citations, refused=refused)
    for flag in flags:
        services.metrics.flags.labels(flag=flag).inc()
    services.audit.flags(caller, route, flags)
