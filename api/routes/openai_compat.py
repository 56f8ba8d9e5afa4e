"""`POST /v1/chat/completions` in the OpenAI wire format, so the OpenAI SDK and LangChain's ChatOpenAI
work unchanged: the last user message is the question, earlier user messages are the history. The
answer's citations come in an extra `citations` field (clients that do not know it ignore it)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from core.errors import InvalidInput
from services.chat import answer_once

from ..authz import require
from ..deps import CurrentUser, Svc
from ._common import monitor, monitor_answer, with_timeout

router = APIRouter(prefix="/v1", tags=["openai"])
MODEL_NAME = "llmxplorer"


class OpenAiMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return " ".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class CompletionRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")  # temperature, top_p ...: decoding here is greedy

    model: str = Field(MODEL_NAME, max_length=200)
    messages: list[OpenAiMessage] = Field(min_length=1, max_length=100)
    stream: bool = False


def _question(body: CompletionRequest) -> tuple[str, list[str]]:
    users = [m.text().strip() for m in body.messages if m.role == "user" and m.text().strip()]
    if not users:
        raise InvalidInput("The messages hold no user question.")
    if len(users[-1]) > 2000:
        raise InvalidInput("The question is longer than 2000 characters.")
    return users[-1], [u[:2000] for u in users[:-1]]


@router.post("/chat/completions", dependencies=[Depends(require("chat", "ask"))])
async def completions(body: CompletionRequest, services: Svc, caller: CurrentUser) -> Any:
    question, history = _question(body)
    monitor(services, caller, "/v1/chat/completions", question)
    record = await with_timeout(
        services, lambda: answer_once(services.ctx, question, access=caller.access, history=history)
    )
    monitor_answer(
        services, caller, "/v1/chat/completions", record.answer, len(record.citations), record.refused
    )
    completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
    created = int(time.time())
    citations = [c.model_dump() for c in record.citations]
    if not body.stream:
        return {
            "id": completion_id, "object": "chat.completion", "created": created, "model": body.model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": record.answer},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": len(question.split()), "completion_tokens": len(record.answer.split()),
                      "total_tokens": len(question.split()) + len(record.answer.split())},
            "citations": citations,
        }  # fmt: skip

    def chunk(delta: dict[str, Any], finish: str | None, **extra: Any) -> str:
        payload = {"id": completion_id, "object": "chat.completion.chunk", "created": created,
                   "model": body.model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                   **extra}  # fmt: skip
        return f"data: {json.dumps(payload)}\n\n"

    def events() -> Iterator[str]:
        yield chunk({"role": "assistant", "content": ""}, None)
        words = record.answer.split(" ")
        for start in range(0, len(words), 4):
            piece = " ".join(words[start : start + 4])
            yield chunk({"content": piece if start == 0 else " " + piece}, None)
        yield chunk({}, "stop", citations=citations)
        yield "data: [DONE]\n\n"

    return StreamingResponse(events(), media_type="text/event-stream")
