"""Typed records that every news reader yields. Validation happens here, once, at the edge.

A reader turns one feed entry or file row into an `ArticleRecord` (valid) or a `QuarantinedItem`
(invalid, with a one-line reason and the raw item), so a bad item is counted and kept, never
dropped silently, and never stops the rest of the file.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from catalog.news.canonical import canonical_url, clean_whitespace, content_hash, stable_id, url_key
from core.errors import SourceError


class NewsSourceError(SourceError):
    """A whole file or feed cannot be read (missing, not JSON/XML, unknown layout): nothing comes through."""


class ItemError(ValueError):
    """One item is malformed; the message is the one-line quarantine reason."""


class ArticleRecord(BaseModel):
    """One news article, post or story as a source gives it. Unknown is None, never a made-up default."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(
        min_length=1, description="Stable: from the canonical URL, else the source key, else title+date."
    )
    title: str = Field(min_length=1)
    url: str | None = Field(None, description="Canonical http(s) URL.")
    permalink: bool = Field(
        True,
        description="False when `url` is a container page (e.g. the newsletter issue a story was cut from): "
        "then it is a citation link but identifies neither the item nor its duplicates.",
    )
    published: datetime | None = Field(None, description="tz-aware UTC.")
    source: str = Field(min_length=1, description="Feed or source id, e.g. 'ainews', 'openai/news'.")
    source_name: str | None = None
    source_key: str | None = Field(None, description="The source's own id for the item, when it has one.")
    summary: str | None = None
    text: str | None = None
    content_hash: str = Field(min_length=64, max_length=64, description="sha256 of normalised title + body.")
    language: str | None = None
    categories: list[str] = Field(default_factory=list, description="The source's own section/category tags.")
    gold_models: list[str] = Field(default_factory=list, description="Model tags given by the source (gold).")
    gold_companies: list[str] = Field(default_factory=list)
    gold_topics: list[str] = Field(default_factory=list)
    gold_people: list[str] = Field(default_factory=list)

    @field_validator("published")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    @field_validator("url")
    @classmethod
    def _canonical(cls, value: str | None) -> str | None:
        return None if value is None else canonical_url(value)

    @property
    def body(self) -> str:
        """Summary and text together: what the content hash covers."""
        return "\n\n".join(part for part in (self.summary, self.text) if part)


class QuarantinedItem(BaseModel):
    """An item that failed validation, kept with the reason so an operator can fix the source and re-run."""

    source: str
    key: str = Field(description="The item's own id, or 'line N' / 'entry N' when it has none.")
    reason: str = Field(description="One line.")
    raw: Any = None


def _unique(values: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        value = value.strip()
        if value:
            seen.setdefault(value, None)
    return list(seen)


def build_article(
    *,
    source: str,
    title: str | None,
    url: str | None = None,
    published: datetime | None = None,
    summary: str | None = None,
    text: str | None = None,
    source_name: str | None = None,
    source_key: str | None = None,
    permalink: bool = True,
    language: str | None = None,
    categories: Iterable[str] = (),
    gold_models: Iterable[str] = (),
    gold_companies: Iterable[str] = (),
    gold_topics: Iterable[str] = (),
    gold_people: Iterable[str] = (),
) -> ArticleRecord:
    """An `ArticleRecord` with its id and hash derived; raises `ItemError` with a one-line reason.

    The id comes from the canonical URL when the URL is the item's own page, else from the source's
    key for the item, else from source + title + date, so re-reading a source gives the same ids.
    """
    title = " ".join((title or "").split())
    summary = clean_whitespace(summary) if summary else None
    text = clean_whitespace(text) if text else None
    if not title and not (text or summary):
        raise ItemError("no title and no text")
    if not title:
        body = text or summary or ""
        title = " ".join(body.split("\n", 1)[0].split())[:120]
    canon = None
    if url and url.strip():
        try:
            canon = canonical_url(url)
        except ValueError as exc:
            raise ItemError(str(exc)) from None
    if published is not None and published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    if canon and permalink:
        article_id = stable_id("url", url_key(canon))
    elif source_key:
        article_id = stable_id("key", source, source_key)
    else:
        day = published.astimezone(UTC).date().isoformat() if published else ""
        article_id = stable_id("title", source, title.casefold(), day)
    body = "\n\n".join(part for part in (summary, text) if part)
    return ArticleRecord(
        id=article_id,
        title=title,
        url=canon,
        permalink=permalink and canon is not None,
        published=published,
        source=source,
        source_name=source_name,
        source_key=source_key,
        summary=summary,
        text=text,
        content_hash=content_hash(title, body),
        language=language,
        categories=_unique(categories),
        gold_models=_unique(gold_models),
        gold_companies=_unique(gold_companies),
        gold_topics=_unique(gold_topics),
        gold_people=_unique(gold_people),
    )
