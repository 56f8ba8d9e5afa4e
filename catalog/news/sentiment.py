"""Sentiment of a news text with VADER (``vaderSentiment==3.3.2``, lexicon shipped in the package).

Why VADER: rule-based, no model download, deterministic and fast, and good enough to tell a
launch celebrated from an outage or a lawsuit. The score is VADER's *compound* value in
[-1, 1]; the label uses VADER's own convention: >= 0.05 positive, <= -0.05 negative, else neutral.
URLs and markdown link targets are removed first: they carry no sentiment but add noise tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

Label = Literal["positive", "neutral", "negative"]
POSITIVE_AT = 0.05
NEGATIVE_AT = -0.05
_URL = re.compile(r"\]\([^)]*\)|https?://\S+")


@dataclass(frozen=True)
class Sentiment:
    score: float
    label: Label


@lru_cache(maxsize=1)
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def sentiment(text: str) -> float:
    """VADER compound score in [-1, 1]; 0.0 for empty text."""
    cleaned = _URL.sub("]", text or "").strip()
    if not cleaned:
        return 0.0
    return float(_analyzer().polarity_scores(cleaned)["compound"])


def sentiment_label(score: float) -> Label:
    """positive / neutral / negative by VADER's conventional +-0.05 cut-offs."""
    if score >= POSITIVE_AT:
        return "positive"
    if score <= NEGATIVE_AT:
        return "negative"
    return "neutral"


def analyze(text: str) -> Sentiment:
    """Score and label together."""
    score = sentiment(text)
    return Sentiment(round(score, 4), sentiment_label(score))
