"""Sentiment: VADER compound score in [-1, 1] with a three-way label."""

from __future__ import annotations

import pytest

from catalog.news.sentiment import analyze, sentiment, sentiment_label


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("OpenAI launches an amazing new model and users love it", "positive"),
        ("Anthropic sued over copyright infringement; the outage angers users", "negative"),
        ("The model has 7B parameters.", "neutral"),
        ("", "neutral"),
    ],
)
def test_labels(text: str, label: str) -> None:
    result = analyze(text)
    assert result.label == label
    assert -1.0 <= result.score <= 1.0


def test_score_is_bounded_and_signed() -> None:
    assert sentiment("great great great wonderful excellent") > 0.5
    assert sentiment("terrible awful disaster, a horrible failure") < -0.5


def test_urls_do_not_change_the_score() -> None:
    assert sentiment("a great release [post](https://x.com/bad-awful-terrible)") == sentiment(
        "a great release [post]"
    )


def test_label_cutoffs() -> None:
    assert sentiment_label(0.05) == "positive"
    assert sentiment_label(-0.05) == "negative"
    assert sentiment_label(0.0) == "neutral"
