"""Conversations: a question answered with the caller's access, kept with its answer per user, and
the conversation's earlier questions fed to the retriever for follow-ups ("and its price?").

A conversation belongs to the user who started it; anyone else gets "not found". Only what the
caller could see is stored (the answer and its citations were built under their filter), and only
the same user can read it back.
"""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.access import AccessFilter
from core.errors import InvalidInput, NotFound
from finetune.monitor import monitor_report
from rag.contracts import AnswerRecord, CitationRecord, QueryPlan

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
    family: str = Field(description="The question family the analysis recognised.")
    template: str | None = Field(None, description="The vetted Cypher template that answered, if any.")
    plan: QueryPlan | None = Field(None, description="The typed query plan compiled to Cypher, if any.")


def _conversation(db: StateDb, user_id: int, conversation_id: str | None) -> tuple[str, list[str]]:
    with db.write_lock, db.session() as s:
        if conversation_id is None:
            new = Conversation(id=f"conv-{uuid.uuid4().hex}", user_id=user_id, created_at=utcnow())
            s.add(new)
            return new.id, []
        conv = _owned(s, user_id, conversation_id)
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
            family=record.family, template=record.template,
            plan=record.plan.model_dump(mode="json") if record.plan else None,
        )  # fmt: skip
        s.add(message)
        s.flush()
        message_id = message.id
    return ChatReply(
        conversation_id=conv_id, message_id=message_id, answer=record.answer, citations=record.citations,
        refused=record.refused, family=record.family, template=record.template, plan=record.plan,
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
    created_at: datetime | None = None
    family: str | None = Field(None, description="The question family recognised (unrecorded: null).")
    template: str | None = Field(None, description="The vetted Cypher template that answered, if any.")
    plan: QueryPlan | None = Field(None, description="The typed query plan compiled to Cypher, if any.")


class ConversationSummary(BaseModel):
    id: str
    title: str = Field(description="The conversation's first question (shortened).")
    turns: int
    created_at: datetime
    last_at: datetime = Field(description="When its latest answer was given.")


def _owned(s: Session, user_id: int, conversation_id: str) -> Conversation:
    """The caller's conversation; another user's is "not found", exactly like one that does not exist."""
    conv = s.get(Conversation, conversation_id)
    if conv is None or conv.user_id != user_id:
        raise NotFound(f"No conversation {conversation_id!r}.")
    return conv


def conversations(
    db: StateDb, *, user_id: int, offset: int = 0, limit: int = 50
) -> list[ConversationSummary]:
    """The caller's conversations with at least one answer, the most recently active first."""
    if offset < 0 or not 1 <= limit <= 200:
        raise InvalidInput("offset must be >= 0 and limit between 1 and 200.")
    last = func.max(Message.created_at).label("last_at")
    stmt = (
        select(Conversation.id, Conversation.created_at, func.count(Message.id).label("turns"), last,
               func.min(Message.id).label("first_id"))
        .join(Message, Message.conversation_id == Conversation.id)
        .where(Conversation.user_id == user_id)
        .group_by(Conversation.id, Conversation.created_at)
        .order_by(last.desc(), Conversation.id.desc())
        .offset(offset)
        .limit(limit)
    )  # fmt: skip
    with db.session() as s:
        rows = s.execute(stmt).all()
        firsts = dict(
            s.execute(
                select(Message.id, Message.question).where(Message.id.in_([r.first_id for r in rows]))
            ).all()
        )
    return [
        ConversationSummary(
            id=r.id,
            title=_shorten(firsts.get(r.first_id, "")),
            turns=r.turns,
            created_at=_aware(r.created_at),
            last_at=_aware(r.last_at),
        )  # fmt: skip
        for r in rows
    ]


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _aware(value: datetime) -> datetime:
    """SQLite hands datetimes back without their zone; they were written in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def history(db: StateDb, *, user_id: int, conversation_id: str) -> list[ConversationTurn]:
    with db.session() as s:
        conv = _owned(s, user_id, conversation_id)
        rows = s.scalars(select(Message).where(Message.conversation_id == conv.id).order_by(Message.id))
        return [
            ConversationTurn(
                message_id=m.id,
                question=m.question,
                answer=m.answer,
                citations=[CitationRecord(**c) for c in m.citations],
                created_at=_aware(m.created_at) if m.created_at else None,
                family=m.family,
                template=m.template,
                plan=QueryPlan.model_validate(m.plan) if m.plan else None,
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


class QualityDay(BaseModel):
    """Answer quality on one UTC day: from the answer log (finetune/monitor.py) and the thumbs given
    through the API. A rate is None when there was nothing to rate."""

    day: str
    answers: int = 0
    grounding_pass: float | None = Field(None, description="Share of model-phrased answers that passed.")
    citation_rate: float | None = None
    refusal_rate: float | None = None
    latency_p50_ms: float | None = None
    thumbs_up: int = 0
    thumbs_down: int = 0


class Quality(BaseModel):
    days: list[QualityDay]
    retrain: bool = Field(description="The monitor's thresholds say the chat model should be retrained.")
    reasons: list[str]


def answer_quality(db: StateDb, log_dir: Path, *, days: int = 60) -> Quality:
    """The last `days` days of answer quality, oldest first."""
    report = monitor_report(log_dir, adapter_dir=None, embedder=None)
    by_day: dict[str, QualityDay] = {}
    for day, rates in report["by_day"].items():
        by_day[day] = QualityDay(day=day, **{k: v for k, v in rates.items() if k in QualityDay.model_fields})
        by_day[day].thumbs_up = by_day[day].thumbs_down = 0  # the API's thumbs are counted below
    with db.session() as s:
        for created, rating in s.execute(select(Feedback.created_at, Feedback.rating)):
            day = _aware(created).date().isoformat()
            entry = by_day.setdefault(day, QualityDay(day=day))
            if rating > 0:
                entry.thumbs_up += 1
            else:
                entry.thumbs_down += 1
    recent = sorted(by_day)[-days:]
    return Quality(days=[by_day[d] for d in recent], retrain=report["retrain"], reasons=report["reasons"])


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
