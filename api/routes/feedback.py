"""Feedback on one of your own answers (by its `message_id` from /v1/chat), and answer quality over
time for the admins' monitoring (the answer log's rates with the thumbs given here)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from services.chat import Quality, answer_quality, give_feedback

from ..authz import require
from ..deps import CurrentUser, Svc

router = APIRouter(prefix="/v1", tags=["feedback"])


class FeedbackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message_id: int = Field(ge=1, le=2**62)
    rating: int = Field(ge=-1, le=1, description="1 good, -1 bad.")
    comment: str = Field("", max_length=2000)


class FeedbackCreated(BaseModel):
    id: int


@router.post("/feedback", status_code=201, dependencies=[Depends(require("feedback", "write"))])
def feedback(body: FeedbackCreate, services: Svc, caller: CurrentUser) -> FeedbackCreated:
    fid = give_feedback(
        services.db,
        user_id=caller.user_id,
        message_id=body.message_id,
        rating=body.rating,
        comment=body.comment,
    )
    services.audit.change(caller, "feedback.create", str(fid))
    return FeedbackCreated(id=fid)


@router.get("/quality", dependencies=[Depends(require("metrics", "read"))])
def quality(services: Svc) -> Quality:
    """Per day: answers, grounding pass rate, citation and refusal rates, median latency, thumbs."""
    return answer_quality(services.db, services.settings.log_dir)
