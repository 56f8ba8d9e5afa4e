"""Conversations kept per user: the caller's own list, newest activity first, and one conversation's
turns. Another user's conversation is a 404, exactly like one that does not exist."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from services import chat as chat_service
from services.chat import ConversationSummary, ConversationTurn

from ..authz import require
from ..deps import CurrentUser, Svc

router = APIRouter(prefix="/v1", tags=["conversations"])
CONVERSATION_ID = r"^conv-[0-9a-f]{32}$"


@router.get("/conversations", dependencies=[Depends(require("chat", "ask"))])
def list_conversations(
    services: Svc,
    caller: CurrentUser,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[ConversationSummary]:
    """Your conversations (those with at least one answer), the most recently active first."""
    return chat_service.conversations(services.db, user_id=caller.user_id, offset=offset, limit=limit)


@router.get("/conversations/{conversation_id}", dependencies=[Depends(require("chat", "ask"))])
def conversation(
    conversation_id: Annotated[str, Path(pattern=CONVERSATION_ID)], services: Svc, caller: CurrentUser
) -> list[ConversationTurn]:
    """The turns of one of your conversations, oldest first."""
    return chat_service.history(services.db, user_id=caller.user_id, conversation_id=conversation_id)
