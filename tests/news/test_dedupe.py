"""Deduplication on the whole real corpus (24,310 records), plus pairs built from real items."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from catalog.news.dedupe import DedupeResult, Deduplicator, SeenArticle, Verdict
from catalog.news.readers import read_news
from catalog.news.records import ArticleRecord, build_article

NEWS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "news"
FILES = ("ainews_issues.jsonl", "ai_news_direct_items.jsonl", "ainews_stories.jsonl")


@pytest.fixture(scope="module")
def corpus() -> list[ArticleRecord]:
    return [item for name in FILES for item in read_news(NEWS / name) if isinstance(item, ArticleRecord)]


@pytest.fixture(scope="module")
def full_pass(corpus: list[ArticleRecord]) -> tuple[list[tuple[ArticleRecord, DedupeResult]], float]:
    started = time.perf_counter()
    results = list(Deduplicator().run(corpus))
    return results, time.perf_counter() - started


def find(results: list[tuple[ArticleRecord, DedupeResult]], source: str, title: str) -> list[DedupeResult]:
    return [res for rec, res in results if rec.source == source and rec.title == title]


def test_full_corpus_pass_is_fast_and_finds_real_duplicates(
    corpus: list[ArticleRecord], full_pass: tuple[list[tuple[ArticleRecord, DedupeResult]], float]
) -> None:
    results, seconds = full_pass
    assert len(corpus) == 701 + 9114 + 14495
    assert seconds < 30, f"dedupe of {len(corpus)} records took {seconds:.1f}s"
    verdicts = Counter(res.verdict for _, res in results)
    assert verdicts == {Verdict.NEW: 24066, Verdict.DUPLICATE: 220, Verdict.NEAR_DUPLICATE: 24}
    reasons = Counter(res.reason for _, res in results if res.verdict is Verdict.DUPLICATE)
    assert reasons == {"same content": 168, "same source key": 32, "same url": 20}
    ids = {rec.id for rec, res in results if res.verdict is not Verdict.DUPLICATE}
    assert all(res.duplicate_of in ids for _, res in results if res.duplicate_of)


def test_real_exact_duplicates(full_pass: tuple[list[tuple[ArticleRecord, DedupeResult]], float]) -> None:
    results, _ = full_pass
    by_id = {rec.id: rec for rec, res in results if res.verdict is not Verdict.DUPLICATE}
    # the same OpenAI post in two feeds, once with a trailing slash
    (o3,) = find(results, "openai/news", "Introducing OpenAI o3 and o4-mini")
    assert (o3.verdict, o3.reason) == (Verdict.DUPLICATE, "same url")
    assert by_id[o3.duplicate_of or ""].source == "openai/release"
    # a Hugging Face dataset whose URL changed between two crawls (same source key)
    first, second = find(results, "huggingface/dataset", "cais/mmlu")
    assert first.verdict is Verdict.NEW
    assert (second.verdict, second.reason, second.duplicate_of) == (
        Verdict.DUPLICATE,
        "same source key",
        first.id,
    )
    # an Anthropic post listed under both /news and /research
    (news,) = find(results, "anthropic/news", "Testing and mitigating elections-related risks")
    (research,) = find(results, "anthropic/research", "Testing and mitigating elections-related risks")
    assert (research.verdict, research.reason, research.duplicate_of) == (
        Verdict.DUPLICATE,
        "same content",
        news.id,
    )


@pytest.mark.parametrize(
    ("first_source", "first_title", "second_source", "second_title"),
    [
        ("hackernews/story", "ChatGPT Pulse", "ainews/stories", "ChatGPT Pulse"),
        ("hackernews/story", "Mistral OCR 3", "ainews/stories", "Mistral OCR 3"),
        (
            "anthropic/research",
            "Measuring the Persuasiveness of Language Models",
            "ainews/stories",
            "Measuring persuasiveness of language models",
        ),
        (
            "huggingface/paper",
            "Less is More: Recursive Reasoning with Tiny Networks",
            "hackernews/story",
            "Less is more: Recursive reasoning with tiny networks",
        ),
    ],
)
def test_real_near_duplicates_are_linked(
    full_pass: tuple[list[tuple[ArticleRecord, DedupeResult]], float],
    first_source: str,
    first_title: str,
    second_source: str,
    second_title: str,
) -> None:
    results, _ = full_pass
    (first,) = find(results, first_source, first_title)
    (second,) = find(results, second_source, second_title)
    assert first.verdict is Verdict.NEW
    assert (second.verdict, second.duplicate_of) == (Verdict.NEAR_DUPLICATE, first.id)


def test_a_story_retold_days_later_is_linked_but_not_months_later(
    full_pass: tuple[list[tuple[ArticleRecord, DedupeResult]], float],
) -> None:
    """AINews re-ran the Phi-3 function-calling story for months; the date window keeps the runs apart."""
    results, _ = full_pass
    by_key = {rec.source_key: res for rec, res in results if rec.source == "ainews/stories"}
    earlier = by_key["18d27612-ca78-43a0-a945-87952e9d460b-3853"]  # 2024-10-25 "Phi-3 Mini update with ..."
    later = by_key["d98ed4a0-b5e7-47b2-8fa7-611b82789b8f-3921"]  # 2024-10-28 "Updated Phi-3 Mini with ..."
    assert earlier.verdict is Verdict.NEW  # the same story on 2024-09-09 is six weeks earlier
    assert (later.verdict, later.duplicate_of) == (Verdict.NEAR_DUPLICATE, earlier.id)
    assert later.reason.startswith("title 99, body")


def test_different_stories_with_the_same_title_stay_apart(
    full_pass: tuple[list[tuple[ArticleRecord, DedupeResult]], float],
) -> None:
    results, _ = full_pass
    quiet = find(results, "ainews", "not much happened today")
    assert len(quiet) == 243 and {res.verdict for res in quiet} == {Verdict.NEW}
    activity = [res for rec, res in results if rec.title == "[HuggingFace] updated a model"]
    assert len(activity) > 20 and {res.verdict for res in activity} == {Verdict.NEW}
    generic = [res for rec, res in results if rec.source == "ainews/stories" and rec.title == "OpenAI"]
    assert len(generic) == 8 and {res.verdict for res in generic} == {Verdict.NEW}


@pytest.fixture(scope="module")
def misalignment(corpus: list[ArticleRecord]) -> ArticleRecord:
    return next(
        r for r in corpus if r.source == "openai/publication" and r.title.startswith("Toward understanding")
    )


def test_constructed_near_duplicate_and_lookalikes(
    misalignment: ArticleRecord, corpus: list[ArticleRecord]
) -> None:
    original = misalignment
    assert original.summary
    copy = build_article(
        source="technews/ai",
        title=original.title.replace("Toward ", "Towards "),
        url="https://technews.example.com/2025/06/openai-emergent-misalignment?utm_source=rss",
        published=original.published + timedelta(days=1) if original.published else None,
        summary=original.summary + " The paper and code are available on the OpenAI website.",
    )
    other_body = next(r for r in corpus if r.source == "openai/news" and r.summary and len(r.summary) > 150)
    same_title_other_story = build_article(
        source="technews/ai",
        title=original.title,
        url="https://technews.example.com/other",
        published=original.published,
        summary=other_body.summary,
    )
    other_version = build_article(
        source="technews/ai",
        title=original.title + " in GPT-4",
        url="https://technews.example.com/gpt-4",
        published=original.published,
    )
    dedupe = Deduplicator()
    assert dedupe.check(original).verdict is Verdict.NEW
    near = dedupe.check(copy)
    assert (near.verdict, near.duplicate_of) == (Verdict.NEAR_DUPLICATE, original.id)
    assert near.reason.startswith("title 99, body")
    assert dedupe.check(same_title_other_story).verdict is Verdict.NEW
    assert dedupe.check(other_version).verdict is Verdict.NEW
    late = copy.model_copy(
        update={"id": "late", "url": "https://late.example.com/x", "content_hash": "0" * 64}
    )
    late = late.model_copy(
        update={"published": copy.published + timedelta(days=30) if copy.published else None}
    )
    assert dedupe.check(late).verdict is Verdict.NEW  # outside the date window


def test_rerun_recognises_stored_articles(corpus: list[ArticleRecord], misalignment: ArticleRecord) -> None:
    stored = [r for r in corpus if r.source.startswith("openai/")]
    dedupe = Deduplicator()
    assert dedupe.add_seen((r.id, r.url, r.content_hash, r.title, r.published) for r in stored) == len(stored)
    again = [dedupe.check(r) for r in stored]
    assert all(res.verdict is Verdict.DUPLICATE for res in again)
    assert all(res.duplicate_of == rec.id for res, rec in zip(again, stored, strict=True))
    retitled = build_article(
        source="technews/ai",
        title=misalignment.title.replace("Toward ", "Towards "),
        url="https://technews.example.com/misalignment",
        published=misalignment.published,
        summary="A write-up of the OpenAI paper.",
    )
    result = dedupe.check(retitled)  # the stored tuple has no body: the title alone decides
    assert (result.verdict, result.duplicate_of, result.reason) == (
        Verdict.NEAR_DUPLICATE,
        misalignment.id,
        "title 99, no body",
    )
    seen = SeenArticle(
        "x1", "https://example.org/a", None, "Gemma 4 is here", None, body="Google releases Gemma 4."
    )
    assert dedupe.add_seen([seen]) == 1
    twin = build_article(source="s", title="Gemma 4 is here", text="Google releases Gemma 4 today.")
    assert dedupe.check(twin).verdict is Verdict.NEAR_DUPLICATE  # undated items match undated ones
