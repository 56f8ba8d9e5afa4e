"""Polite feed fetching: conditional GET, timeouts, retries with backoff on transient errors.

Publishers ask aggregators to send If-None-Match / If-Modified-Since and to back off when they
are busy, so the validators of the last good fetch are kept in a small JSON file per state dir.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx

from catalog.news.records import NewsSourceError

USER_AGENT = "LLMXplorer/0.1 (+https://github.com/llmxplorer)"
ACCEPT = "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, */*;q=0.5"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

log = logging.getLogger(__name__)


class FetchError(NewsSourceError):
    """A feed could not be fetched, after retries where the error was transient."""


@dataclass(frozen=True)
class FetchResult:
    url: str
    final_url: str  # after redirects
    status: int
    not_modified: bool  # 304: nothing new since the last fetch, and no body
    content: bytes | None
    etag: str | None
    last_modified: str | None
    content_type: str | None
    attempts: int


class FetchState:
    """ETag and Last-Modified of the last good fetch of each feed URL, in `<directory>/fetch_state.json`."""

    FILENAME = "fetch_state.json"

    def __init__(self, directory: str | Path) -> None:
        self.path = Path(directory) / self.FILENAME
        self._feeds: dict[str, dict[str, str | None]] = {}
        if self.path.exists():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                self._feeds = dict(data.get("feeds", {}))
            except (OSError, ValueError, AttributeError) as exc:
                log.warning(
                    "Ignoring unreadable fetch state %s (%s): feeds are fetched in full.", self.path, exc
                )

    def validators(self, url: str) -> dict[str, str]:
        """Conditional-request headers for `url` (empty when it was never fetched)."""
        entry = self._feeds.get(url, {})
        headers = {}
        if entry.get("etag"):
            headers["If-None-Match"] = str(entry["etag"])
        if entry.get("last_modified"):
            headers["If-Modified-Since"] = str(entry["last_modified"])
        return headers

    def commit(self, result: FetchResult) -> None:
        """Remember the validators of a good fetch and write the state file atomically."""
        if result.not_modified and not (result.etag or result.last_modified):
            entry = dict(self._feeds.get(result.url, {}))
        else:
            entry = {"etag": result.etag, "last_modified": result.last_modified}
        entry["fetched_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        self._feeds[result.url] = entry
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(
            json.dumps({"version": 1, "feeds": self._feeds}, indent=2, sort_keys=True), encoding="utf-8"
        )
        os.replace(tmp, self.path)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
        except (TypeError, ValueError):
            return None


def fetch_feed(
    url: str,
    state: FetchState | None = None,
    *,
    client: httpx.Client | None = None,
    timeout: float = 20.0,
    retries: int = 3,
    backoff: float = 1.0,
    max_wait: float = 60.0,
    max_bytes: int = 20_000_000,
    commit: bool = True,
    sleep: Callable[[float], None] = time.sleep,
) -> FetchResult:
    """GET a feed, conditionally when `state` knows it; retry connect errors, 5xx and 429.

    Waits `backoff * 2**n` seconds between tries (or the server's Retry-After, capped at `max_wait`).
    With `commit`, the new validators go to `state` at once; pass False to commit only after the
    caller has stored what it read, so a crash never hides items behind a later 304.
    Raises `FetchError` on a client error (4xx other than 429), an oversized body, or when retries run out.
    """
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT}
    if state is not None:
        headers.update(state.validators(url))
    own_client = client is None
    http = client or httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)), follow_redirects=True
    )
    try:
        attempt = 0
        while True:
            attempt += 1
            wait = backoff * 2 ** (attempt - 1)
            try:
                response = http.get(url, headers=headers)
            except httpx.TransportError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code not in RETRY_STATUSES:
                    break
                problem = f"HTTP {response.status_code}"
                wait = _retry_after(response) or wait
            if attempt > retries:
                raise FetchError(f"Fetching {url} failed after {attempt} attempts: {problem}.")
            log.info("Fetching %s: %s; retrying in %.1fs", url, problem, min(wait, max_wait))
            sleep(min(wait, max_wait))
    finally:
        if own_client:
            http.close()

    status = response.status_code
    if status >= 400:
        raise FetchError(f"Fetching {url} failed: HTTP {status} {response.reason_phrase}.")
    not_modified = status == 304
    content = None if not_modified else response.content
    if content is not None and len(content) > max_bytes:
        raise FetchError(
            f"Fetching {url}: the body is {len(content):,} bytes, over the {max_bytes:,} byte limit."
        )
    result = FetchResult(
        url=url,
        final_url=str(response.url),
        status=status,
        not_modified=not_modified,
        content=content,
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
        content_type=response.headers.get("Content-Type"),
        attempts=attempt,
    )
    if state is not None and commit:
        state.commit(result)
    return result
