"""Conversations: a question answered with the caller's access, kept with its answer per user, and
the conversation's earlier questions fed to the retriever for follow-ups ("and its price?").

A conversation belongs to the user who started it; anyone else gets "not found". Only what the
caller could see is stored (the answer and its citations were built under their filter), and only
the same user can read it back.
"""

from __future__ import annotations

import threading
import uuid

from pydantic import BaseModel
from sqlalchemy import select

from core.access import AccessFilter
from core.errors import InvalidInput, NotFound
from rag.contracts import AnswerRecord, CitationRecord

from .answering import ask, search
from .context import AppContext
from .state import Conversation, Feedback, Message, StateDb, utcnow

HISTORY_TURNS = 3
# One answer at a time: the local chat model is not thread-safe and two generations on 2 cores are
# slower than one after the other.
_GENERATE = threading.Lock()


class ChatReply(BaseModel):
    conversation_id: str
    message_id: int
    answer: str
    citations: list[CitationRecord]
    refused: bool
    family: str


def _conversation(db: StateDb, user_id: int, conversation_id: str | None) -> tuple[str, list[str]]:
    with db.write_lock, db.session() as s:
        if conversation_id is None:
            new = Conversation(id=f"conv-{uuid.uuid4().hex}", user_id=user_id, created_at=utcnow())
            s.add(new)
            return new.id, []
        conv = s.get(Conversation, conversation_id)
        if conv is None or conv.user_id != user_id:
            raise NotFound(f"No conversation {conversation_id!r}.")
        rows = s.scalars(
            select(Message.question)
            .where(Message.conversation_id == conv.id)
            .order_by(Message.id.desc())
            .limit(HISTORY_TURNS)
        )
        return conv.id, list(reversed(list(rows)))


def chat(
    ctx: AppContext, db: StateDb, *, user_id: int, question: str, access: AccessFilter,
    conversation_id: str | None = None, phrase_facts: bool = True,
) -> ChatReply:  # fmt: skip
    conv_id, history = _conversation(db, user_id, conversation_id)
    with _GENERATE:
        answer = ask(ctx, question, access=access, history=history, phrase_facts=phrase_facts)
    record = AnswerRecord.of(answer)
    with db.write_lock, db.session() as s:
        message = Message(
            conversation_id=conv_id, question=question.strip(), answer=record.answer,
            citations=[c.model_dump() for c in record.citations], created_at=utcnow(),
        )  # fmt: skip
        s.add(message)
        s.flush()
        message_id = message.id
    return ChatReply(
        conversation_id=conv_id, message_id=message_id, answer=record.answer, citations=record.citations,
        refused=record.refused, family=record.family,
    )  # fmt: skip


def answer_once(
    ctx: AppContext, question: str, *, access: AccessFilter, history: list[str] | None = None
) -> AnswerRecord:
    """One answer outside any stored conversation (the OpenAI-compatible route sends its own history)."""
    with _GENERATE:
        answer = ask(ctx, question, access=access, history=(history or [])[-HISTORY_TURNS:])
    return AnswerRecord.of(answer)


class ConversationTurn(BaseModel):
    message_id: int
    question: str
    answer: str
    citations: list[CitationRecord]


def history(db: StateDb, *, user_id: int, conversation_id: str) -> list[ConversationTurn]:
    with db.session() as s:
        conv = s.get(Conversation, conversation_id)
        if conv is None or conv.user_id != user_id:
            raise NotFound(f"No conversation {conversation_id!r}.")
        rows = s.scalars(select(Message).where(Message.conversation_id == conv.id).order_by(Message.id))
        return [
            ConversationTurn(
                message_id=m.id,
                question=m.question,
                answer=m.answer,
                citations=[CitationRecord(**c) for c in m.citations],
            )  # fmt: skip
            for m in rows
        ]


def give_feedback(db: StateDb, *, user_id: int, message_id: int, rating: int, comment: str = "") -> int:
    """Feedback on one of the caller's own answers; returns the feedback id."""
    if rating not in (-1, 1):
        raise InvalidInput("rating is 1 (good) or -1 (bad).")
    with db.write_lock, db.session() as s:
        message = s.get(Message, message_id)
        conv = s.get(Conversation, message.conversation_id) if message else None
        if message is None or conv is None or conv.user_id != user_id:
            raise NotFound(f"No answer {message_id}.")
        feedback = Feedback(
            user_id=user_id, message_id=message_id, rating=rating, comment=comment[:2000], created_at=utcnow()
        )
        s.add(feedback)
        s.flush()
        return feedback.id


class SearchHit(BaseModel):
    rank: int
    kind: str
    id: str
    title: str | None = None
    url: str | None = None
    date: str | None = None
    text: str
    score: float


def search_hits(ctx: AppContext, query: str, *, access: AccessFilter, k: int = 8) -> list[SearchHit]:
    result = search(ctx, query, access=access, k=k)
    return [
        SearchHit(
            rank=i,
            kind=e.kind,
            id=e.id,
            title=e.title,
            url=e.url,
            date=e.date,
            text=e.text[:1000],
            score=float(e.score),
        )  # fmt: skip
        for i, e in enumerate(result.evidence[:k], start=1)
    ]
