"""Stream deduplication: each record is new, an exact duplicate, or a near-duplicate of an earlier one.

Exact: same canonical URL (item pages only), same source key within a source, or same content hash.
Near: the same story under another URL, usually from another feed: titles within `window_days`
that agree (rapidfuzz token_sort_ratio, with the same numbers: versions matter) and, when both
have a body, bodies that agree too, so different stories that share a title ("not much happened
today") stay apart. Candidates come from an index keyed by (day, title token), so a record is only
compared with a handful of others, never with all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import NamedTuple

from rapidfuzz import fuzz

from catalog.news.canonical import normalize_text, url_key
from catalog.news.records import ArticleRecord

_STOPWORD_TEXT = (
    "a an and are as at be by for from has have how in is it its new of on or our the this to vs what why"
)
_STOPWORD_TEXT += " with you your"
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


class Verdict(StrEnum):
    NEW = "new"
    DUPLICATE = "duplicate"
    NEAR_DUPLICATE = "near_duplicate"


@dataclass(frozen=True)
class DedupeResult:
    """What the caller does with a record: store it (new), drop it (duplicate) or store and link it."""

    verdict: Verdict
    id: str
    # duplicate: the stored article it copies (itself when re-read); near: the story's first article
    duplicate_of: str | None = None
    reason: str = ""  # "same url", "same source key", "same content", "title 95, body 0.72"


class SeenArticle(NamedTuple):
    """An article stored by an earlier run; `body`, `source` and `source_key` sharpen the matching."""

    id: str
    url: str | None
    content_hash: str | None
    title: str
    published: datetime | date | None
    body: str | None = None
    source: str | None = None
    source_key: str | None = None


@dataclass
class _Entry:
    id: str
    root: str
    title: str  # normalised
    tokens: frozenset[str]
    numbers: frozenset[str]  # title tokens with digits: versions must agree
    day: int | None
    body: str | None
    _features: tuple[frozenset[str], frozenset[int]] | None = None

    @classmethod
    def of(cls, article_id: str, title: str, published: datetime | date | None, body: str | None) -> _Entry:
        norm = normalize_text(title)
        tokens = _title_tokens(norm)
        numbers = frozenset(t for t in tokens if any(c.isdigit() for c in t))
        return cls(article_id, article_id, norm, tokens, numbers, _day(published), body)

    def features(self) -> tuple[frozenset[str], frozenset[int]]:
        """Body words and 3-word shingles, computed only when a title match needs them."""
        if self._features is None:
            words = normalize_text(self.body[:3000]).split() if self.body else []
            shingles = (
                [hash(tuple(words[i : i + 3])) for i in range(len(words) - 2)] if len(words) >= 20 else []
            )
            self._features = frozenset(words), frozenset(shingles)
        return self._features


def _day(value: datetime | date | None) -> int | None:
    if value is None:
        return None
    return (value.date() if isinstance(value, datetime) else value).toordinal()


def _title_tokens(title: str) -> frozenset[str]:
    tokens = title.split()
    useful = [t for t in tokens if t not in STOPWORDS and len(t) > 1]
    return frozenset(useful or tokens)


def _jaccard(a: frozenset, b: frozenset) -> float:  # type: ignore[type-arg]
    return len(a & b) / len(a | b) if a and b else 0.0


class Deduplicator:
    """Classify records as they stream in; remembers every record it has accepted (new or near)."""

    def __init__(
        self,
        *,
        window_days: int = 3,
        title_threshold: float = 90.0,
        title_only_threshold: float = 95.0,
        shingle_threshold: float = 0.5,
        word_threshold: float = 0.8,
        max_postings: int = 40,
    ) -> None:
        self.window_days = window_days
        self.title_threshold = title_threshold
        self.title_only_threshold = title_only_threshold  # when one side has no body to compare
        self.shingle_threshold = shingle_threshold  # long bodies: Jaccard of 3-word shingles
        self.word_threshold = word_threshold  # short bodies: Jaccard of words
        self.max_postings = max_postings  # a token this common on one day does not narrow anything
        self.stats: Counter[str] = Counter()
        self._by_url: dict[str, str] = {}
        self._by_key: dict[tuple[str, str], str] = {}
        self._by_hash: dict[str, str] = {}
        self._entries: list[_Entry] = []
        self._index: dict[tuple[int | None, str], list[int]] = {}

    def add_seen(self, items: Iterable[SeenArticle | tuple]) -> int:  # type: ignore[type-arg]
        """Register articles stored by earlier runs so a re-run recognises them; returns how many."""
        count = 0
        for item in items:
            seen = item if isinstance(item, SeenArticle) else SeenArticle(*item)
            self._remember(seen.id, seen.url, True, seen.content_hash, seen.source, seen.source_key)
            self._index_entry(_Entry.of(seen.id, seen.title, seen.published, seen.body))
            count += 1
        return count

    def check(self, record: ArticleRecord) -> DedupeResult:
        """The verdict for `record`, which is remembered unless it is an exact duplicate."""
        result = self._exact(record)
        entry = None
        if result is None:
            entry = _Entry.of(record.id, record.title, record.published, record.summary or record.text)
            result = self._near(entry)
        self.stats[result.verdict] += 1
        if entry is None:  # an exact duplicate: its URL, key and hash now point at the stored copy
            assert result.duplicate_of is not None
            target = result.duplicate_of
        else:
            entry.root = result.duplicate_of or record.id
            self._index_entry(entry)
            target = record.id
        self._remember(
            target, record.url, record.permalink, record.content_hash, record.source, record.source_key
        )
        return result

    def run(self, records: Iterable[ArticleRecord]) -> Iterator[tuple[ArticleRecord, DedupeResult]]:
        for record in records:
            yield record, self.check(record)

    def _remember(
        self,
        target: str,
        url: str | None,
        permalink: bool,
        digest: str | None,
        source: str | None,
        key: str | None,
    ) -> None:
        if url and permalink:
            self._by_url.setdefault(url_key(url), target)
        if source and key:
            self._by_key.setdefault((source, key), target)
        if digest:
            self._by_hash.setdefault(digest, target)

    def _exact(self, record: ArticleRecord) -> DedupeResult | None:
        matches = (
            ("same url", self._by_url.get(url_key(record.url)) if record.url and record.permalink else None),
            ("same source key", self._by_key.get((record.source, record.source_key or ""))),
            ("same content", self._by_hash.get(record.content_hash)),
        )
        for reason, found in matches:
            if found is not None:
                return DedupeResult(Verdict.DUPLICATE, record.id, found, reason)
        return None

    def _index_entry(self, entry: _Entry) -> None:
        position = len(self._entries)
        self._entries.append(entry)
        for token in entry.tokens:
            self._index.setdefault((entry.day, token), []).append(position)

    def _candidates(self, tokens: frozenset[str], day: int | None) -> set[int]:
        days: Iterable[int | None] = (
            [None] if day is None else range(day - self.window_days, day + self.window_days + 1)
        )
        found: set[int] = set()
        for d in days:
            for token in tokens:
                postings = self._index.get((d, token))
                if postings and (len(postings) <= self.max_postings or len(tokens) == 1):
                    found.update(postings)
        return found

    def _near(self, entry: _Entry) -> DedupeResult:
        tokens = entry.tokens
        best: tuple[float, float, _Entry] | None = None
        for position in self._candidates(tokens, entry.day):
            other = self._entries[position]
            if len(tokens & other.tokens) * 2 < min(len(tokens), len(other.tokens)):
                continue
            if entry.numbers != other.numbers:  # GPT-5 is not GPT-4, 5.3 is not 5.2
                continue
            title_score = fuzz.token_sort_ratio(entry.title, other.title)
            if title_score < self.title_threshold:
                continue
            (words, shingles), (other_words, other_shingles) = entry.features(), other.features()
            if words and other_words:
                if shingles and other_shingles:
                    body_score = _jaccard(shingles, other_shingles)
                    ok = body_score >= self.shingle_threshold
                else:
                    body_score = _jaccard(words, other_words)
                    ok = body_score >= self.word_threshold
            else:
                body_score = -1.0
                ok = title_score >= self.title_only_threshold and len(tokens) >= 2
            if ok and (best is None or (title_score, body_score) > best[:2]):
                best = (title_score, body_score, other)
        if best is None:
            return DedupeResult(Verdict.NEW, entry.id)
        title_score, body_score, other = best
        reason = f"title {title_score:.0f}" + (f", body {body_score:.2f}" if body_score >= 0 else ", no body")
        return DedupeResult(Verdict.NEAR_DUPLICATE, entry.id, other.root, reason)
