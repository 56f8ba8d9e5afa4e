"""Chat: a question (and an optional conversation) in, a cited answer out; also as server-sent
events. A conversation's turns are read back through api/routes/conversations.py."""

from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi import APIRouter, Depends
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from services import chat as chat_service
from services.chat import ChatReply

from ..authz import require
from ..deps import CurrentUser, Svc
from ._common import monitor, monitor_answer, with_timeout

router = APIRouter(prefix="/v1", tags=["chat"])
CONVERSATION_ID = r"^conv-[0-9a-f]{32}$"


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=2000)
    conversation_id: str | None = Field(None, pattern=CONVERSATION_ID)


async def _answer(services: Svc, caller: CurrentUser, body: ChatRequest, route: str) -> ChatReply:
    monitor(services, caller, route, body.question)
    reply = await with_timeout(
        services,
        lambda: chat_service.chat(
            services.ctx,
            services.db,
            user_id=caller.user_id,
            question=body.question,
            access=caller.access,
            conversation_id=body.conversation_id,
        ),  # fmt: skip
    )
    monitor_answer(services, caller, route, reply.answer, len(reply.citations), reply.refused)
    return reply


@router.post("/chat", dependencies=[Depends(require("chat", "ask"))])
async def chat(body: ChatRequest, services: Svc, caller: CurrentUser) -> ChatReply:
    """Answer with [n] citations; pass `conversation_id` back for follow-up questions."""
    return await _answer(services, caller, body, "/v1/chat")


_META = {"conversation_id", "message_id", "family", "template", "plan"}


def _sse(event: str, data: object) -> str:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"


@router.post("/chat/stream", dependencies=[Depends(require("chat", "ask"))])
async def chat_stream(body: ChatRequest, services: Svc, caller: CurrentUser) -> StreamingResponse:
    """The same answer as server-sent events: `meta` (ids, question family, Cypher template and query
    plan), then `delta` pieces, `citations`, `done`.

    The answer is checked against its evidence before anything is sent, so the pieces follow the
    finished, grounded answer.
    """
    reply = await _answer(services, caller, body, "/v1/chat/stream")

    def events() -> Iterator[str]:
        # What the analysis understood comes first, so a client can show it beside the streamed text.
        yield _sse("meta", reply.model_dump(mode="json", include=_META))
        words = reply.answer.split(" ")
        for start in range(0, len(words), 4):
            piece = " ".join(words[start : start + 4])
            yield _sse("delta", {"text": piece if start == 0 else " " + piece})
        yield _sse("citations", [c.model_dump(mode="json") for c in reply.citations])
        yield _sse("done", {"refused": reply.refused})

    return StreamingResponse(events(), media_type="text/event-stream")
