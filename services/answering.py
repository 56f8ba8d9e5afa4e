"""Questions in, cited answers out: the one path the CLI, the API and the evaluation share.

The caller's `AccessFilter` goes down to the graph templates and both indexes, so nothing the caller
may not read is ever ranked, phrased or cited.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from core.access import AccessFilter
from core.errors import InvalidInput
from finetune.monitor import log_answer
from rag.answer import Answerer
from rag.news_answer import NewsAnswerer
from rag.news_retrieval import news_retriever_for
from rag.qa import Answer, RetrievalResult

from .context import AppContext

MAX_QUESTION_CHARS = 2000


def _clean(question: str) -> str:
    text = question.strip()
    if not text:
        raise InvalidInput("The question is empty.")
    if len(text) > MAX_QUESTION_CHARS:
        raise InvalidInput(
            f"The question is {len(text)} characters long; at most {MAX_QUESTION_CHARS} are read."
        )
    return text


def search(
    ctx: AppContext, query: str, *, access: AccessFilter, k: int = 8, history: Sequence[str] = ()
) -> RetrievalResult:
    """Hybrid retrieval only: the fused, permission-filtered evidence, best first."""
    return ctx.retriever.search(_clean(query), k=k, access=access, history=history)


def ask(
    ctx: AppContext,
    question: str,
    *,
    access: AccessFilter,
    history: Sequence[str] = (),
    k: int = 8,
    phrase_facts: bool = True,
    max_new_tokens: int | None = None,
) -> Answer:
    """Answer one question; `history` holds the conversation's earlier questions (for follow-ups)."""
    # News questions that name publishers, dates or several articles take the multi-article path.
    news = None if history else news_retriever_for(ctx.retriever)
    parsed = news.analyzer.analyze(_clean(question)) if news else None
    if news and parsed and parsed.routed:
        answer = NewsAnswerer().answer(news.retrieve(parsed, access=access, k=max(k, 10)))
    else:
        result = search(ctx, question, access=access, k=k, history=history)
        answerer = Answerer(
            ctx.generator,
            max_new_tokens=max_new_tokens or ctx.settings.chat_max_new_tokens,
            phrase_facts=phrase_facts,
        )
        answer = answerer.answer(result)
    # Stage 7 of fine-tuning: the answer log (ids and results, no confidential text); a full or
    # read-only disk must not stop answers.
    with contextlib.suppress(OSError):
        log_answer(ctx.settings.log_dir, answer, model=ctx.generator.name)
    return answer
