"""Reranking of a news question part's fused candidates, with no model download.

A linear scorer over features every candidate has: lexical overlap of the part's words with the
article's title and best chunk (title words count double: a headline states what the article is
about), overlap of the part's linked models/organisations with the article's graph mentions, the
publisher and date matching the part's filters, and the fused (reciprocal rank) score as a prior.
Recency only breaks ties. The weights were set on the dev split of rag/eval/news_multihop; the
evaluation reports recall with and without this step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from core.linking import STOPWORDS
from rag.news_question import NewsPart
from rag.qa import Evidence

_TOKEN = re.compile(r"[a-z0-9][a-z0-9.+\-]*")


def tokens(text: str) -> set[str]:
    """Content words, lower-cased, without stop words and 1-letter tokens; light plural folding."""
    out = set()
    for t in _TOKEN.findall(text.lower()):
        t = t.strip(".-")
        if len(t) < 2 or t in STOPWORDS:
            continue
        out.add(t[:-1] if len(t) > 4 and t.endswith("s") and not t.endswith("ss") else t)
    return out


def coverage(query: str, title: str | None, text: str | None) -> float:
    """Share of the query's content words found in the title or text (0 when the query has none)."""
    q = tokens(query)
    if not q:
        return 0.0
    found = tokens(f"{title or ''} {text or ''}")
    return len(q & found) / len(q)


@dataclass
class Candidate:
    """One article found for a part: its best chunk as evidence, and what the graph says about it."""

    article_id: str
    evidence: Evidence
    source: str
    published: Any  # ISO text from the graph
    sentiment: str | None
    mentions: list[dict[str, Any]] = field(default_factory=list)
    fused: float = 0.0
    rank: int = 0
    score: float = 0.0

    @property
    def day(self) -> date | None:
        return date.fromisoformat(str(self.published)[:10]) if self.published else None


@dataclass(frozen=True)
class Reranker:
    """score = lexical + entity + source + date + prior; see the module docstring."""

    w_title: float = 2.0
    w_text: float = 1.0
    w_entity: float = 1.0
    w_source: float = 0.5
    w_date: float = 0.5
    w_prior: float = 30.0  # the fused RRF score is about 1/60 per list

    def score(self, part: NewsPart, c: Candidate) -> float:
        title = c.evidence.title or ""
        query = part.text or part.claim
        lexical = self.w_title * coverage(query, title, "") + self.w_text * coverage(
            query, title, c.evidence.text
        )
        wanted = set(part.entity_ids)
        entity = 0.0
        if wanted:
            have = {str(m.get("id")) for m in c.mentions}
            entity = self.w_entity * len(wanted & have) / len(wanted)
        source = self.w_source if part.sources and c.source in part.sources else 0.0
        day = c.day
        in_window = (
            day is not None
            and (part.date_from is None or day >= part.date_from)
            and (part.date_to is None or day <= part.date_to)
        )
        when = self.w_date if (part.date_from or part.date_to) and in_window else 0.0
        return lexical + entity + source + when + self.w_prior * c.fused

    def rerank(self, part: NewsPart, candidates: list[Candidate]) -> list[Candidate]:
        scored = [replace(c, score=self.score(part, c)) for c in candidates]
        return sorted(scored, key=lambda c: (-c.score, -(c.day.toordinal() if c.day else 0), c.rank))
