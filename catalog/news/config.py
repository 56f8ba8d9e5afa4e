"""The feed list for scheduled news runs (`feeds.yaml`), validated into typed models.

A feed is either fetched (`url`) or read from disk (`path`, relative to the feeds file). A typo
in the file fails the whole load with one line per problem, before any feed is touched.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from catalog.news.readers import BUILTIN_MAPPINGS, FieldMapping, Item, detect_format, read_news
from core.errors import ConfigError

Classification = Literal["public", "internal", "confidential"]
FeedFormat = Literal["rss", "atom", "jsonfeed", "ainews_issues", "ainews_stories", "ai_news_direct"]


class FeedConfigError(ConfigError):
    """feeds.yaml is missing, not YAML, or describes feeds that cannot work."""


class FeedConfig(BaseModel):
    """One feed: where it comes from, how to read it, and who may see what it brings."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$",
        description="Source id of a feed's items, e.g. 'openai/news' (JSON Lines rows: from the mapping).",
    )
    url: str | None = None
    path: Path | None = None
    format: FeedFormat | None = Field(None, description="Detected from the content when left out.")
    mapping: str | FieldMapping | None = Field(
        None, description="Built-in mapping name or an inline mapping."
    )
    classification: Classification = "public"

    @field_validator("url")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value

    @field_validator("mapping")
    @classmethod
    def _known_mapping(cls, value: str | FieldMapping | None) -> str | FieldMapping | None:
        if isinstance(value, str) and value not in BUILTIN_MAPPINGS:
            raise ValueError(f"unknown mapping {value!r}; built-in ones: {', '.join(BUILTIN_MAPPINGS)}")
        return value

    @model_validator(mode="after")
    def _one_location(self) -> FeedConfig:
        if (self.url is None) == (self.path is None):
            raise ValueError("give exactly one of 'url' or 'path'")
        if self.mapping is not None and self.format in ("rss", "atom", "jsonfeed"):
            raise ValueError(f"'mapping' is for JSON Lines files, not for format {self.format!r}")
        return self

    def local_path(self, root: str | Path) -> Path | None:
        """The file to read, with a relative `path` resolved against `root` (the feeds file's folder)."""
        if self.path is None:
            return None
        return self.path if self.path.is_absolute() else (Path(root) / self.path).resolve()


class FeedsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    feeds: list[FeedConfig] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> FeedsFile:
        names = [feed.name for feed in self.feeds]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"feed names must be unique; repeated: {', '.join(repeated)}")
        return self


def _describe(exc: ValidationError, data: Any) -> str:
    lines = []
    for error in exc.errors():
        loc = list(error["loc"])
        where = ""
        if len(loc) >= 2 and loc[0] == "feeds" and isinstance(loc[1], int):
            feed = data["feeds"][loc[1]] if isinstance(data, dict) else None
            label = feed.get("name") if isinstance(feed, dict) else None
            where = f"feeds[{loc[1]}]" + (f" ({label})" if label else "")
            loc = loc[2:]
        field = ".".join(str(part) for part in loc)
        message = error["msg"].removeprefix("Value error, ")
        prefix = ".".join(part for part in (where, field) if part)
        lines.append(f"  {prefix}: {message}" if prefix else f"  {message}")
    return "\n".join(lines)


def parse_feeds(data: Any, *, origin: str = "feeds.yaml") -> list[FeedConfig]:
    """Validate already-loaded YAML: a mapping with a `feeds` list, or the bare list."""
    if isinstance(data, list):
        data = {"feeds": data}
    if not isinstance(data, dict):
        raise FeedConfigError(f"{origin} must hold a list of feeds (or a mapping with a 'feeds' list).")
    try:
        return FeedsFile.model_validate(data).feeds
    except ValidationError as exc:
        raise FeedConfigError(
            f"{origin} has {exc.error_count()} problem(s):\n{_describe(exc, data)}"
        ) from None


def load_feeds(path: str | Path) -> list[FeedConfig]:
    """Load and validate a feeds.yaml file; raises `FeedConfigError` with one line per problem."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FeedConfigError(f"Feed list {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FeedConfigError(f"Feed list {path} cannot be read: {exc}.") from None
    except yaml.YAMLError as exc:
        raise FeedConfigError(f"Feed list {path} is not valid YAML: {exc}") from None
    return parse_feeds(data, origin=str(path))


def read_local_feed(feed: FeedConfig, root: str | Path) -> Iterator[Item]:
    """Read a `path` feed: feeds take the feed's name as source id, JSON Lines rows their mapping's."""
    path = feed.local_path(root)
    if path is None:
        raise FeedConfigError(f"Feed {feed.name} has a url, not a path: fetch it, then read the content.")
    if feed.mapping is not None:
        return read_news(path, mapping=feed.mapping)
    fmt = feed.format or detect_format(path)
    if fmt in BUILTIN_MAPPINGS:
        return read_news(path, fmt=fmt)
    return read_news(path, fmt=fmt, source=feed.name)
