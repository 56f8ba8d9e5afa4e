"""The news ingestion job: read, deduplicate, link, tag, write the graph and chunk.

Chunks go to the graph and to a `ChunkSink` (the service layer passes the search indexes), so this
package never imports retrieval code. Safe to re-run and to kill: an article's `complete_hash` is
written only after its links, its chunks in the graph and the sink's durable write; a run skips
articles whose complete hash matches and (re)processes the rest. Near-duplicates are stored and linked (`NEAR_DUPLICATE_OF`), exact
duplicates are counted and dropped.

Newest first: articles are processed by publication date, most recent first (a near-duplicate right
after the article it duplicates), so the news people ask about is searchable within the first
minutes of a long run. Graph work and embedding overlap: while one thread embeds batch n, the job
links, tags and writes batch n+1 to the graph (at most `in_flight` batches wait for the embedder, up
to `concurrent_adds` of them handed to the sink at once, for a sink that allows it). A
`BufferedChunkSink` is flushed (made durable) every `flush_every_s` seconds and at the end, once
every batch before the flush point is added, and the articles it covers are marked complete only
then, so saving the indexes does not cost O(corpus) per batch and a kill still loses nothing that is
marked done.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel

from core.chunks import Chunk, ChunkSink
from core.linking import CatalogEntity, EntityLinker
from core.progress import NullProgress, Progress
from kg import news_queries as nq
from kg import queries
from kg.store import GraphStore

from ..chunking import chunk_text, write_chunks
from .dedupe import Deduplicator, SeenArticle, Verdict
from .inputs import NewsInput
from .records import ArticleRecord, QuarantinedItem
from .sentiment import Sentiment, analyze
from .topics import TopicTagger


class NewsIngestSummary(BaseModel):
    read: int
    new: int
    updated: int
    unchanged: int
    duplicates: int
    near_duplicates: int
    quarantined: int
    quarantined_by_reason: dict[str, int]
    not_modified_feeds: int
    mentions: int
    chunks_written: int
    chunks_embedded: int
    seconds: float


@runtime_checkable
class BufferedChunkSink(ChunkSink, Protocol):
    """A sink whose `add` is not durable until `flush` (saving whole indexes costs O(corpus))."""

    def flush(self) -> None: ...


@dataclass
class _Work:
    record: ArticleRecord
    classification: str
    near_of: str | None = None
    near_reason: str | None = None
    in_graph: bool = False  # stored by an earlier run, so it may carry links to clear


class NewsIngestJob:
    def __init__(
        self,
        store: GraphStore,
        inputs: Sequence[NewsInput],
        sink: ChunkSink | None = None,
        *,
        chunk_size: int = 800,
        chunk_overlap: int = 150,
        progress: Progress | None = None,
        batch_size: int = 250,
        in_flight: int = 2,
        concurrent_adds: int = 1,
        flush_every_s: float = 30.0,
        newest_first: bool = True,
    ) -> None:
        self.store = store
        self.inputs = inputs
        self.sink = sink
        self.chunk_size = chunk_size
        self.chunk_overlap = chunk_overlap
        self.steps: Progress = progress or NullProgress()
        self.batch_size = batch_size
        self.in_flight = max(1, in_flight)
        self.concurrent_adds = max(1, min(concurrent_adds, self.in_flight))
        self.flush_every_s = flush_every_s
        self.newest_first = newest_first

    def run(self) -> NewsIngestSummary:
        started = time.perf_counter()
        now = datetime.now(UTC).isoformat(timespec="seconds")
        items = self._read()
        records = [(r, c) for r, c in items if isinstance(r, ArticleRecord)]
        quarantined = [r for r, _ in items if isinstance(r, QuarantinedItem)]

        stored = {row["id"]: row for row in self.store.read(nq.ARTICLES_SEEN)}
        work, counts = self._triage(records, stored)
        tagger = TopicTagger()
        linker = self._linker()
        self._write_reference_nodes(records, tagger, now)

        if self.newest_first:
            work = _newest_first(work)
        mentions, written, embedded = self._process(work, linker, tagger, now)
        self._write_quarantine(quarantined, now)
        for source in self.inputs:
            for hook in source.on_stored:
                hook()
        return NewsIngestSummary(
            read=len(records),
            new=counts["new"],
            updated=counts["updated"],
            unchanged=counts["unchanged"],
            duplicates=counts["duplicate"],
            near_duplicates=counts["near"],
            quarantined=len(quarantined),
            quarantined_by_reason=dict(Counter(q.reason.split(":")[0][:60] for q in quarantined)),
            not_modified_feeds=sum(1 for i in self.inputs if i.not_modified),
            mentions=mentions,
            chunks_written=written,
            chunks_embedded=embedded,
            seconds=round(time.perf_counter() - started, 2),
        )

    # -- steps ------------------------------------------------------------------------------
    def _process(
        self, work: Sequence[_Work], linker: EntityLinker, tagger: TopicTagger, now: str
    ) -> tuple[int, int, int]:
        """Write each batch to the graph while the previous ones are embedded; mark articles complete
        once the sink has made their chunks durable. Returns (mentions, chunks written, embedded)."""
        sink = self.sink
        buffered = isinstance(sink, BufferedChunkSink)
        mentions = written = embedded = 0
        task = self.steps.start("articles", total=len(work))
        pending: deque[tuple[Future[int], Sequence[_Work], bool]] = deque()
        unmarked: list[_Work] = []
        last_flush = time.monotonic()

        def embed(chunks: list[Chunk]) -> int:
            return sink.add(chunks) if sink is not None else 0

        def settle_oldest() -> None:
            nonlocal embedded
            future, batch, flushed = pending.popleft()
            embedded += future.result()
            unmarked.extend(batch)
            if flushed and isinstance(sink, BufferedChunkSink):
                sink.flush()  # every batch up to this one is added (settled in order): now durable
            if flushed or not buffered:
                self.store.write_rows(
                    nq.MARK_ARTICLES_COMPLETE,
                    [{"id": w.record.id, "content_hash": w.record.content_hash} for w in unmarked],
                )
                unmarked.clear()
            self.steps.advance(task, len(batch))

        pool = ThreadPoolExecutor(max_workers=self.concurrent_adds, thread_name_prefix="embed")
        try:
            for start, end in _spans(len(work), self.batch_size):
                batch = work[start:end]
                mentions += self._write_batch(batch, linker, tagger, now)
                chunks = self._chunks(batch)
                written += len(chunks)
                last = end >= len(work)
                flush = last or time.monotonic() - last_flush >= self.flush_every_s
                if flush:
                    last_flush = time.monotonic()
                while len(pending) >= self.in_flight:
                    settle_oldest()
                pending.append((pool.submit(embed, chunks), batch, flush))
            while pending:
                settle_oldest()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        self.steps.finish(task)
        return mentions, written, embedded

    def _read(self) -> list[tuple[ArticleRecord | QuarantinedItem, str]]:
        items: list[tuple[ArticleRecord | QuarantinedItem, str]] = []
        for source in self.inputs:
            task = self.steps.start(f"read {source.label[-40:]}")
            for item in source.items():
                items.append((item, source.classification))
                self.steps.advance(task)
            self.steps.finish(task)
        return items

    def _triage(
        self, records: Sequence[tuple[ArticleRecord, str]], stored: dict[str, dict[str, Any]]
    ) -> tuple[list[_Work], Counter[str]]:
        """Decide per record: unchanged, (re)process, duplicate, or new with a near-duplicate link."""
        dedupe = Deduplicator()
        dedupe.add_seen(
            SeenArticle(r["id"], r["url"], r["content_hash"], r["title"], r["published"] and r["published"].to_native(),
                        r["body"], r["source"], r["source_key"])
            for r in stored.values()
        )  # fmt: skip
        counts: Counter[str] = Counter()
        work: list[_Work] = []
        taken: set[str] = set()
        for record, classification in records:
            previous = stored.get(record.id)
            if record.id in taken:
                counts["duplicate"] += 1
            elif previous is not None:
                # the first record with an id wins in every run, so a later one with other content
                # (the same URL twice in a feed) cannot flip the stored article back and forth
                taken.add(record.id)
                if previous["complete_hash"] == record.content_hash:
                    counts["unchanged"] += 1
                else:
                    counts["updated" if previous["content_hash"] != record.content_hash else "new"] += 1
                    work.append(
                        _Work(
                            record,
                            classification,
                            previous.get("near_of"),
                            previous.get("near_reason"),
                            in_graph=True,
                        )
                    )
            else:
                result = dedupe.check(record)
                if result.verdict is Verdict.DUPLICATE:
                    counts["duplicate"] += 1
                    continue
                near = result.verdict is Verdict.NEAR_DUPLICATE
                counts["new"] += 1  # near-duplicates are new articles too, linked to their story
                counts["near"] += near
                work.append(_Work(record, classification, result.duplicate_of if near else None,
                                  result.reason if near else None))  # fmt: skip
                taken.add(record.id)
        return work, counts

    def _linker(self) -> EntityLinker:
        entities = [
            # a model and an organisation may share an id ('deepseek'): the linker needs them apart
            CatalogEntity(
                f"Model:{r['id']}",
                "Model",
                r["name"],
                _linkable(r["aliases"]),
                None,
                r["org"] and f"Organization:{r['org']}",
            )  # fmt: skip
            for r in self.store.read(nq.LINKABLE_MODELS)
        ]
        entities += [
            CatalogEntity(f"Organization:{r['id']}", "Organization", r["name"], _linkable(r["aliases"]))
            for r in self.store.read(nq.LINKABLE_ORGANIZATIONS)
        ]
        return EntityLinker(entities)

    def _write_reference_nodes(
        self, records: Sequence[tuple[ArticleRecord, str]], tagger: TopicTagger, now: str
    ) -> None:
        sources = {
            r.source: {"id": r.source, "props": {"name": r.source_name or r.source}} for r, _ in records
        }
        self.store.write_rows(nq.UPSERT_SOURCES, [sources[k] for k in sorted(sources)], now=now)
        topics = [{"id": e.id, "props": {"name": e.label, "kind": e.kind, "description": e.description}}
                  for e in tagger.entries]  # fmt: skip
        self.store.write_rows(nq.UPSERT_TOPICS, topics, now=now)

    def _write_batch(
        self, batch: Sequence[_Work], linker: EntityLinker, tagger: TopicTagger, now: str
    ) -> int:
        new: list[dict[str, Any]] = []  # no node, links or chunks yet: CREATE
        stored: list[dict[str, Any]] = []  # written by an earlier run: MERGE, links cleared first
        models: list[dict[str, Any]] = []
        orgs: list[dict[str, Any]] = []
        about: list[dict[str, Any]] = []
        near: list[dict[str, Any]] = []
        for w in batch:
            r = w.record
            mood = analyze(f"{r.title}. {r.summary or r.text or ''}"[:4000])
            article = {"id": r.id, "source": r.source, "props": _article_props(w, mood)}
            (stored if w.in_graph else new).append(article)
            for m in linker.link(f"{r.title}\n{r.body}"):
                row = {"article_id": r.id, "entity_id": m.entity_id.split(":", 1)[1], "count": m.count,
                       "confidence": round(m.confidence, 3), "surface_forms": m.surface_forms[:5]}  # fmt: skip
                (models if m.kind == "Model" else orgs).append(row)
            for tag in tagger.tag(r.title, r.body):
                about.append({"article_id": r.id, "topic_id": tag.id, "score": round(tag.score, 3)})
            if w.near_of:
                near.append({"article_id": r.id, "duplicate_of": w.near_of, "reason": w.near_reason})
        self.store.write_rows(nq.CREATE_ARTICLES, new, now=now)
        self.store.write_rows(nq.UPSERT_ARTICLES, stored, now=now)
        if stored:
            self.store.write(nq.CLEAR_ARTICLE_LINKS, ids=sorted(a["id"] for a in stored))
        self.store.write_rows(nq.LINK_MENTIONS_MODEL, models)
        self.store.write_rows(nq.LINK_MENTIONS_ORG, orgs)
        self.store.write_rows(nq.LINK_ABOUT, about)
        self.store.write_rows(nq.LINK_NEAR_DUPLICATES, near)
        return len(models) + len(orgs)

    def _chunks(self, batch: Sequence[_Work]) -> list[Chunk]:
        new: list[Chunk] = []  # of new articles: CREATE, nothing stale to prune
        stored: list[Chunk] = []
        for w in batch:
            r = w.record
            date = r.published.date().isoformat() if r.published else None
            (stored if w.in_graph else new).extend(chunk_text(
                r.id, f"{r.title}\n\n{r.body}", kind="article", chunk_size=self.chunk_size,
                chunk_overlap=self.chunk_overlap, classification=w.classification,  # type: ignore[arg-type]
                title=r.title, url=r.url, date=date,
            ))  # fmt: skip
        write_chunks(self.store, nq.UPSERT_ARTICLE_CHUNKS, stored)
        write_chunks(self.store, nq.CREATE_ARTICLE_CHUNKS, new, prune=False)
        return new + stored

    def _write_quarantine(self, quarantined: Sequence[QuarantinedItem], now: str) -> None:
        rows = {}
        for q in quarantined:
            raw = json.dumps(q.raw, sort_keys=True, default=str)
            key = hashlib.sha1(f"news:{q.source}|{q.key}|{raw}".encode()).hexdigest()
            rows[key] = {"id": key, "props": {"source": f"news:{q.source}", "source_key": q.key,
                                              "reason": q.reason, "raw": raw}}  # fmt: skip
        self.store.write_rows(queries.UPSERT_QUARANTINE, [rows[k] for k in sorted(rows)], now=now)


def _spans(total: int, size: int, first: int = 50) -> Iterator[tuple[int, int]]:
    """Batch bounds that start at `first` articles and double up to `size`: the embedder gets its first
    texts after 50 articles' graph writes instead of a whole batch's (full corpus: ~2 s sooner), and
    the writes of a batch (~2 ms an article) still finish while the one before, at least half its
    size, is embedded (~7 ms an article on 2 cores)."""
    start, step = 0, max(1, min(first, size))
    while start < total:
        yield start, min(start + step, total)
        start += step
        step = min(step * 2, size)


def _newest_first(work: Sequence[_Work]) -> list[_Work]:
    """By publication date, newest first (undated last), each near-duplicate right after the article
    it duplicates when that one is in the same run (so the link finds both ends in the graph)."""
    position = {w.record.id: i for i, w in enumerate(work)}

    def anchor(w: _Work) -> _Work:
        return work[position[w.near_of]] if w.near_of in position else w

    def key(item: tuple[int, _Work]) -> tuple[float, int, int]:
        i, w = item
        root = anchor(w)
        published = root.record.published
        stamp = -published.timestamp() if published is not None else float("inf")
        return stamp, position[root.record.id], i

    return [w for _, w in sorted(enumerate(work), key=key)]


def _linkable(aliases: Iterable[str] | None) -> list[str]:
    """Names that can appear in prose: reseller routing paths ('azure/eu/gpt-4o') cannot."""
    return [a for a in aliases or [] if "/" not in a and ":" not in a]


def _article_props(w: _Work, mood: Sentiment) -> dict[str, Any]:
    r = w.record
    return {
        "title": r.title, "url": r.url, "permalink": r.permalink, "published": r.published,
        "source": r.source, "source_name": r.source_name, "source_key": r.source_key,
        "summary": r.summary, "text": r.text, "body": r.body, "content_hash": r.content_hash,
        "categories": r.categories, "gold_models": r.gold_models, "gold_companies": r.gold_companies,
        "gold_topics": r.gold_topics, "classification": w.classification, "sentiment": round(mood.score, 4),
        "sentiment_label": mood.label,
        "near_of": w.near_of, "near_reason": w.near_reason,
    }  # fmt: skip
