"""Turning what an operator names (files, URLs, a feeds.yaml) into streams of news items."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from .config import FeedConfig, load_feeds
from .fetch import FetchResult, FetchState, fetch_feed
from .readers import FieldMapping, read_feed_content, read_news
from .records import ArticleRecord, NewsSourceError, QuarantinedItem

Item = ArticleRecord | QuarantinedItem


@dataclass
class NewsInput:
    """One source of items, its access label, and what to do once its items are safely stored."""

    label: str
    classification: str
    items: Callable[[], Iterator[Item]]
    on_stored: list[Callable[[], None]] = field(default_factory=list)
    not_modified: bool = False


def _is_url(spec: str) -> bool:
    return spec.startswith(("http://", "https://"))


def _from_url(url: str, name: str | None, classification: str, state: FetchState) -> NewsInput:
    result: FetchResult = fetch_feed(url, state, commit=False)
    source = name or urlparse(url).netloc
    if result.not_modified or result.content is None:
        return NewsInput(url, classification, lambda: iter(()), not_modified=True)
    content = result.content
    return NewsInput(
        url,
        classification,
        lambda: read_feed_content(content, source=source),
        on_stored=[lambda: state.commit(result)],
    )


def _from_path(
    path: Path, mapping: FieldMapping | str | None, source: str | None, classification: str
) -> NewsInput:
    if not path.exists():
        raise NewsSourceError(f"The news source {path} does not exist.")
    return NewsInput(str(path), classification, lambda: read_news(path, mapping=mapping, source=source))


def inputs_from_specs(
    specs: Sequence[str], *, mapping: FieldMapping | str | None, classification: str, state_dir: Path
) -> list[NewsInput]:
    """SOURCE arguments: each a URL (fetched with a conditional GET) or a local file."""
    state = FetchState(state_dir)
    return [
        _from_url(spec, None, classification, state) if _is_url(spec)
        else _from_path(Path(spec).expanduser(), mapping, None, classification)
        for spec in specs
    ]  # fmt: skip


def inputs_from_config(path: Path, *, state_dir: Path) -> list[NewsInput]:
    """Every feed of a feeds.yaml; relative paths are taken from the file's own folder."""
    feeds: list[FeedConfig] = load_feeds(path)
    state = FetchState(state_dir)
    root = path.resolve().parent
    inputs = []
    for feed in feeds:
        if feed.url:
            inputs.append(_from_url(feed.url, feed.name, feed.classification, state))
            continue
        local = feed.local_path(root)
        assert local is not None  # a feed has a url or a path (validated by FeedConfig)
        source = None if feed.mapping is not None else feed.name
        inputs.append(_from_path(local, feed.mapping, source, feed.classification))
    return inputs
