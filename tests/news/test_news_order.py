"""The order the news job processes articles in: newest first, each near-duplicate right after its story."""

from __future__ import annotations

from datetime import UTC, datetime

from catalog.news.job import _newest_first, _Work
from catalog.news.records import ArticleRecord


def _work(id: str, day: int | None, near_of: str | None = None) -> _Work:
    published = datetime(2025, 1, day, tzinfo=UTC) if day is not None else None
    record = ArticleRecord(id=id, title=id, published=published, source="s", content_hash="0" * 64)
    return _Work(record, "public", near_of, "title" if near_of else None)


def test_newest_first_undated_last_and_near_duplicates_follow_their_story() -> None:
    work = [
        _work("old", 1),
        _work("undated", None),
        _work("new", 20),
        _work("old-mirror", 25, near_of="old"),  # published later, but belongs with its story
        _work("mid", 10),
        _work("stored-mirror", 15, near_of="from-an-earlier-run"),  # its story is not in this run
        _work("also-new", 20),
    ]
    order = [w.record.id for w in _newest_first(work)]
    assert order == ["new", "also-new", "stored-mirror", "mid", "old", "old-mirror", "undated"]
