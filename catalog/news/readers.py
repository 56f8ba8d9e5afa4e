"""One reader per news format. Each yields `ArticleRecord | QuarantinedItem`, item by item.

A malformed item is quarantined with a one-line reason and the rest of the file still comes
through; a file that cannot be read at all raises `NewsSourceError` with a clear sentence.
No reader ever touches the network: feeds are fetched by `catalog.news.fetch`, then read here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import feedparser
from pydantic import BaseModel, ConfigDict, ValidationError

from catalog.news.canonical import html_to_text, parse_published
from catalog.news.records import ArticleRecord, ItemError, NewsSourceError, QuarantinedItem, build_article

Item = ArticleRecord | QuarantinedItem

RSS, ATOM, JSON_FEED = "rss", "atom", "jsonfeed"


class FieldMapping(BaseModel):
    """Which input field gives which record field, for one JSON Lines layout. Paths may be dotted."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    signature: tuple[str, ...] = ()  # top-level keys that identify the layout (for detect_format)
    source: str | None = None  # fixed source id for every row ...
    source_fields: tuple[str, ...] = ()  # ... or from these fields, joined by "/" ("openai/news")
    source_name: str | None = None
    source_name_field: str | None = None
    id: str | None = None  # the source's own key for the row
    title: str = "title"
    url: str | None = "url"
    url_is_permalink: bool = True  # False: the URL is a container page (see ArticleRecord.permalink)
    published: str | None = "published"
    summary: str | None = None
    text: str | None = None
    html: bool = False  # summary/text hold HTML to strip
    language: str | None = None
    categories: tuple[str, ...] = ()
    gold_models: str | None = None
    gold_companies: str | None = None
    gold_topics: str | None = None
    gold_people: str | None = None


AINEWS_ISSUES = FieldMapping(
    name="ainews_issues",
    signature=("date", "title", "url", "summary", "lead_text", "models", "companies", "topics"),
    source="ainews",
    source_name_field="source",
    id=None,  # the file's issue ids are truncated and shared by many issues; the issue URL is unique
    published="date",
    summary="summary",
    text="lead_text",
    gold_models="models",
    gold_companies="companies",
    gold_topics="topics",
    gold_people="people",
)
AINEWS_STORIES = FieldMapping(
    name="ainews_stories",
    signature=("issue_id", "headline", "text", "section", "url"),
    source="ainews/stories",
    source_name_field="source",
    id="id",
    title="headline",
    url_is_permalink=False,  # every story carries the URL of its issue
    published="date",
    text="text",
    categories=("section", "category"),
)
AI_NEWS_DIRECT = FieldMapping(
    name="ai_news_direct",
    signature=("source", "type", "title", "description", "url", "published_date", "metadata"),
    source_fields=("source", "type"),
    source_name_field="organization",
    id="id",
    published="published_date",
    summary="description",
    text="metadata.summary",  # the full abstract, for Hugging Face daily papers
    html=True,
    categories=("categories",),
)
BUILTIN_MAPPINGS: dict[str, FieldMapping] = {
    m.name: m for m in (AINEWS_ISSUES, AINEWS_STORIES, AI_NEWS_DIRECT)
}


def _get(row: dict[str, Any], path: str | None) -> Any:
    value: Any = row
    for part in (path or "").split(".") if path else ():
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value if path else None


def _text(value: Any, field: str, html: bool = False) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ItemError(f"{field} is {type(value).__name__}, expected text")
    value = html_to_text(value) if html else value
    return value if value.strip() else None


def _strings(value: Any, field: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise ItemError(f"{field} is {type(value).__name__}, expected a list of text")


def _guard(source: str, key: str, raw: Any, make: Callable[..., ArticleRecord], *args: Any) -> Item:
    """Run `make(*args)`; turn a malformed item into a `QuarantinedItem` with a one-line reason."""
    try:
        return make(*args)
    except ItemError as exc:
        reason = str(exc)
    except ValidationError as exc:
        first = exc.errors()[0]
        reason = f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
    except ValueError as exc:
        reason = str(exc)
    return QuarantinedItem(source=source, key=key, reason=reason.splitlines()[0][:300], raw=raw)


def _load(data: bytes | str | Path, looks_inline: str) -> tuple[bytes, str]:
    """Bytes and a label for error messages; a str is content when it starts with `looks_inline`."""
    if isinstance(data, bytes):
        return data, "<bytes>"
    if isinstance(data, str) and data.lstrip("\ufeff \t\r\n").startswith(looks_inline):
        return data.encode("utf-8"), "<text>"
    with _open(Path(data)) as handle:
        return handle.read(), str(data)


def _open(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise NewsSourceError(f"News file {path} does not exist.") from None
    except OSError as exc:
        raise NewsSourceError(f"News file {path} cannot be read: {exc.strerror or exc}.") from None


class JsonLinesReader:
    """Rows of a JSON Lines file mapped to records by a `FieldMapping` (built-in name or custom)."""

    def __init__(self, path: str | Path, mapping: FieldMapping | str, *, source: str | None = None) -> None:
        if isinstance(mapping, str):
            if mapping not in BUILTIN_MAPPINGS:
                raise NewsSourceError(
                    f"Unknown mapping {mapping!r}; built-in ones: {', '.join(BUILTIN_MAPPINGS)}."
                )
            mapping = BUILTIN_MAPPINGS[mapping]
        self.path = Path(path)
        self.mapping = mapping
        self.source = source

    def _source(self, row: dict[str, Any]) -> str:
        m = self.mapping
        if self.source or m.source:
            return self.source or m.source or ""
        parts = [v for v in (_get(row, f) for f in m.source_fields) if isinstance(v, str) and v.strip()]
        return "/".join(parts) or self.path.stem

    def _record(self, row: dict[str, Any], source: str, key: str | None) -> ArticleRecord:
        m = self.mapping
        source_name = (
            _text(_get(row, m.source_name_field), m.source_name_field or "source_name") or m.source_name
        )
        categories = [c for path in m.categories for c in _strings(_get(row, path), path)]
        return build_article(
            source=source,
            source_name=source_name or (source.split("/")[0] if m.source_fields else None),
            source_key=key,
            title=_text(_get(row, m.title), m.title, m.html),
            url=_text(_get(row, m.url), m.url or "url"),
            permalink=m.url_is_permalink,
            published=parse_published(_get(row, m.published)),
            summary=_text(_get(row, m.summary), m.summary or "summary", m.html),
            text=_text(_get(row, m.text), m.text or "text", m.html),
            language=_text(_get(row, m.language), m.language or "language"),
            categories=categories,
            gold_models=_strings(_get(row, m.gold_models), m.gold_models or ""),
            gold_companies=_strings(_get(row, m.gold_companies), m.gold_companies or ""),
            gold_topics=_strings(_get(row, m.gold_topics), m.gold_topics or ""),
            gold_people=_strings(_get(row, m.gold_people), m.gold_people or ""),
        )

    def __iter__(self) -> Iterator[Item]:
        fallback_source = self.source or self.mapping.source or self.path.stem
        with _open(self.path) as handle:
            seen_object = False
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except (UnicodeDecodeError, ValueError) as exc:
                    if not seen_object:
                        raise NewsSourceError(
                            f"{self.path} is not a JSON Lines file: line {number} is not JSON ({exc})."
                        ) from None
                    reason = f"line {number} is not JSON: {exc}"
                    yield QuarantinedItem(
                        source=fallback_source,
                        key=f"line {number}",
                        reason=reason,
                        raw=line[:2000].decode("utf-8", "replace"),
                    )
                    continue
                seen_object = True
                if not isinstance(row, dict):
                    reason = f"line {number} is a JSON {type(row).__name__}, expected an object"
                    yield QuarantinedItem(
                        source=fallback_source, key=f"line {number}", reason=reason, raw=row
                    )
                    continue
                raw_key = _get(row, self.mapping.id)
                key = str(raw_key) if isinstance(raw_key, str | int) and str(raw_key).strip() else None
                source = self._source(row)
                yield _guard(source, key or f"line {number}", row, self._record, row, source, key)


class JsonFeedReader:
    """JSON Feed 1.0/1.1 (https://jsonfeed.org/version/1.1), from bytes, JSON text or a file path."""

    def __init__(self, data: bytes | str | Path, *, source: str | None = None) -> None:
        content, self.label = _load(data, "{")
        try:
            feed = json.loads(content)
        except (UnicodeDecodeError, ValueError) as exc:
            raise NewsSourceError(f"{self.label} is not a JSON Feed: it is not JSON ({exc}).") from None
        if not isinstance(feed, dict) or not str(feed.get("version", "")).startswith(
            "https://jsonfeed.org/version/"
        ):
            raise NewsSourceError(f"{self.label} is not a JSON Feed: no jsonfeed.org 'version'.")
        if not isinstance(feed.get("items"), list):
            raise NewsSourceError(f"{self.label} is not a JSON Feed: 'items' is missing or not a list.")
        self.feed = feed
        self.title = feed.get("title") if isinstance(feed.get("title"), str) else None
        self.language = feed.get("language") if isinstance(feed.get("language"), str) else None
        self.source = source or _source_from(self.title, feed.get("home_page_url"), self.label)

    def _record(self, item: dict[str, Any], key: str | None) -> ArticleRecord:
        html_body = _text(item.get("content_html"), "content_html", html=True)
        return build_article(
            source=self.source,
            source_name=self.title,
            source_key=key,
            title=_text(item.get("title"), "title"),
            url=_text(item.get("url"), "url") or _text(item.get("external_url"), "external_url"),
            published=parse_published(item.get("date_published") or item.get("date_modified")),
            summary=_text(item.get("summary"), "summary", html=True),
            text=_text(item.get("content_text"), "content_text") or html_body,
            language=_text(item.get("language"), "language") or self.language,
            categories=_strings(item.get("tags"), "tags"),
        )

    def __iter__(self) -> Iterator[Item]:
        for number, item in enumerate(self.feed["items"], start=1):
            if not isinstance(item, dict):
                reason = f"item {number} is a JSON {type(item).__name__}, expected an object"
                yield QuarantinedItem(source=self.source, key=f"item {number}", reason=reason, raw=item)
                continue
            raw_key = item.get("id")
            key = str(raw_key) if isinstance(raw_key, str | int) and str(raw_key).strip() else None
            yield _guard(self.source, key or f"item {number}", item, self._record, item, key)


class FeedReader:
    """RSS 0.9x/1.0/2.0 and Atom via feedparser, from bytes, XML text or a file path (never a URL)."""

    def __init__(self, data: bytes | str | Path, *, source: str | None = None) -> None:
        content, self.label = _load(data, "<")
        parsed = feedparser.parse(content)
        if not parsed.get("version") and not parsed.entries:
            problem = parsed.get("bozo_exception") or "no <rss>, <rdf:RDF> or <feed> element"
            raise NewsSourceError(f"{self.label} is not an RSS or Atom feed ({problem}).")
        self.parsed = parsed
        self.format = ATOM if str(parsed.get("version", "")).startswith("atom") else RSS
        channel = parsed.feed
        self.title = channel.get("title") or None
        self.language = channel.get("language") or None
        self.source = source or _source_from(self.title, channel.get("link"), self.label)

    def _record(self, entry: Any, key: str | None) -> ArticleRecord:
        # plain dict lookups: FeedParserDict maps a missing 'updated' to 'published' (with a warning)
        stamp = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
        raw_date = dict.get(entry, "published") or dict.get(entry, "updated")
        if raw_date and not stamp:
            raise ItemError(f"unparseable date {str(raw_date)[:60]!r}")
        published = datetime(*stamp[:6]).replace(tzinfo=UTC) if stamp else None  # feedparser gives UTC
        link = entry.get("link") or (key if key and key.startswith(("http://", "https://")) else None)
        contents = [c.get("value", "") for c in entry.get("content") or [] if c.get("value")]
        text = html_to_text("\n\n".join(contents)) if contents else None
        summary = html_to_text(entry.get("summary", "")) or None
        language = next((c.get("language") for c in entry.get("content") or [] if c.get("language")), None)
        return build_article(
            source=self.source,
            source_name=self.title,
            source_key=key,
            title=html_to_text(entry.get("title", "")),
            url=link,
            published=published,
            summary=summary,
            text=text if text != summary else None,
            language=language or self.language,
            categories=[t.get("term", "") for t in entry.get("tags") or [] if t.get("term")],
        )

    def __iter__(self) -> Iterator[Item]:
        for number, entry in enumerate(self.parsed.entries, start=1):
            key = entry.get("id") or entry.get("link") or None
            raw = {k: v for k, v in entry.items() if isinstance(v, str | int | float | bool | None)}
            yield _guard(self.source, key or f"entry {number}", raw, self._record, entry, key)


def _source_from(title: Any, link: Any, label: str) -> str:
    """A source id for a feed read without one: its site's host, else its title, else the file name."""
    if isinstance(link, str) and "://" in link:
        host = link.split("://", 1)[1].split("/", 1)[0].lower().removeprefix("www.")
        if host:
            return host
    if isinstance(title, str) and title.strip():
        return "-".join(title.lower().split())
    return Path(label).stem if not label.startswith("<") else "feed"


def detect_format(path: str | Path) -> str:
    """'rss', 'atom', 'jsonfeed' or a built-in JSON Lines layout name, from the first lines of `path`."""
    path = Path(path)
    with _open(path) as handle:
        return sniff_format(handle.read(65536), str(path))


def sniff_format(head: bytes, label: str = "<bytes>") -> str:
    """The format of content from its first bytes (see `detect_format`); `label` names it in errors."""
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if text.startswith("<"):
        lowered = text[:4000].lower()
        if "<rss" in lowered or "<rdf:rdf" in lowered:
            return RSS
        if "<feed" in lowered:
            return ATOM
        raise NewsSourceError(f"{label} is XML but neither RSS nor Atom (no <rss>, <rdf:RDF> or <feed>).")
    if not text.startswith("{"):
        raise NewsSourceError(f"{label} is neither a feed (XML, JSON Feed) nor JSON Lines.")
    rows: list[dict[str, Any]] = []
    for line in text.splitlines()[:20]:
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict):
            rows.append(row)
    if rows and str(rows[0].get("version", "")).startswith("https://jsonfeed.org/version/"):
        return JSON_FEED
    if not rows:
        if "jsonfeed.org/version/" in text[:4000]:
            return JSON_FEED
        raise NewsSourceError(f"{label} is not JSON Lines: none of its first lines is a JSON object.")
    for row in rows:
        for mapping in BUILTIN_MAPPINGS.values():
            if set(mapping.signature) <= row.keys():
                return mapping.name
    raise NewsSourceError(
        f"{label} is JSON Lines but matches none of the built-in layouts ({', '.join(BUILTIN_MAPPINGS)}); "
        "pass an explicit FieldMapping for it."
    )


def read_news(
    path: str | Path,
    *,
    fmt: str | None = None,
    mapping: FieldMapping | str | None = None,
    source: str | None = None,
) -> Iterator[Item]:
    """Read any supported file: the format is detected unless given; a mapping implies JSON Lines."""
    if mapping is not None:
        return iter(JsonLinesReader(path, mapping, source=source))
    fmt = fmt or detect_format(path)
    if fmt in (RSS, ATOM):
        return iter(FeedReader(Path(path), source=source))
    if fmt == JSON_FEED:
        return iter(JsonFeedReader(Path(path), source=source))
    if fmt in BUILTIN_MAPPINGS:
        return iter(JsonLinesReader(path, fmt, source=source))
    raise NewsSourceError(
        f"Unknown news format {fmt!r} for {path}; known: rss, atom, jsonfeed, {', '.join(BUILTIN_MAPPINGS)}."
    )


def read_feed_content(content: bytes, *, source: str, fmt: str | None = None) -> Iterator[Item]:
    """Read a fetched feed body (RSS, Atom or JSON Feed); the format is sniffed unless given."""
    fmt = fmt or sniff_format(content[:65536], f"feed {source}")
    if fmt in (RSS, ATOM):
        return iter(FeedReader(content, source=source))
    if fmt == JSON_FEED:
        return iter(JsonFeedReader(content, source=source))
    raise NewsSourceError(f"Feed {source} gave {fmt!r} content; only RSS, Atom and JSON Feed are fetched.")
