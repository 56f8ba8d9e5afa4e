"""The vector and keyword indexes kept as one: same ids, same access labels, cheap re-runs.

The graph is the source of truth. `upsert` embeds only chunks whose text changed, `verify` compares
both indexes with the ids and content hashes the graph holds, and re-running `upsert` (plus `remove`
of the extra ids) repairs whatever a crash between the two index writes left behind.

Vectors of the two embedding paths (`torch` fp32, `onnx-int8`) are close but not the same, so an
index records the kind that built it. Opened with the other kind, it loads (so `verify` and the
keyword index still work) but refuses vector searches and writes with a `SearchIndexError` that
names the fix; `reset_vectors` (what `llmx index rebuild` and the ingestion jobs call) drops the
old vectors so that the next upsert re-embeds every chunk with the configured path.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from core.access import AccessFilter
from core.chunks import Chunk
from core.errors import SearchIndexError
from rag.base import Embedder, ScoredId
from rag.embedder import embedder_kind
from rag.keyword_index import Bm25Index
from rag.vector_index import FaissIndex


@dataclass(frozen=True, slots=True)
class UpsertReport:
    embedded: int  # chunks whose text was new or changed: embedded and written to the vector index
    relabelled: int  # same text, new access labels: vector kept, labels updated
    keyword_written: int  # chunks (re)written to the keyword index
    unchanged: int  # identical in both indexes: nothing done
    pruned: int  # chunks of an upserted document that the document no longer has


@dataclass(frozen=True, slots=True)
class VerifyReport:
    missing: list[str]  # expected, but absent from at least one index
    extra: list[str]  # in an index, but not expected
    stale: list[str]  # present, but with another content hash (text or access labels) in some index
    vector_count: int
    keyword_count: int
    expected_count: int

    @property
    def ok(self) -> bool:
        clean = not (self.missing or self.extra or self.stale)
        return clean and self.vector_count == self.keyword_count == self.expected_count


class ChunkIndexes:
    """A FaissIndex and a Bm25Index in one directory (default `<data_dir>/indexes`), loaded if saved.

    Writers may call `upsert`, `remove` and `save` from several threads: the embedding, the slow part,
    runs outside the lock, so upserts of disjoint chunks embed at the same time, up to
    `Embedder.concurrent_calls` of them; changing and saving the indexes is serialised."""

    def __init__(self, dir: Path, embedder: Embedder, *, use_gpu: bool | None = None) -> None:
        self._lock = threading.RLock()
        # at most as many embeddings at once as the embedder takes, whichever threads upsert: torch
        # splits each call over every core, so a second call beside it oversubscribes them
        self._embedding = threading.BoundedSemaphore(max(1, embedder.concurrent_calls))
        self.dir = Path(dir)
        self.embedder = embedder
        self.kind = embedder_kind(embedder)
        self.vectors = FaissIndex(self.dir, embedder.dim, use_gpu=use_gpu, embedder_kind=self.kind)
        self.keywords = Bm25Index(self.dir)
        self.vectors.load()
        self.keywords.load()
        if self.vectors.saved_kind is not None and len(self.vectors):
            # the label follows the vectors: removing chunks from a mismatched index (or a test
            # double that does not say its kind) must not relabel them; `reset_vectors` does
            self.vectors.embedder_kind = self.vectors.saved_kind

    @property
    def mismatch(self) -> str | None:
        """Why the saved vectors cannot be used with this embedder, or None when they can."""
        saved = self.vectors.saved_kind
        if self.kind is None or saved is None or saved == self.kind or not len(self.vectors):
            return None
        other = "torch" if self.kind != "torch" else "onnx-int8"
        return (
            f"The vector index in {self.dir} was built with '{saved}' embeddings, but this process "
            f"embeds with '{self.kind}': the two are not comparable. Run `llmx index rebuild` to "
            f"re-embed it (or set LLMX_EMBEDDER={other} to keep using it)."
        )

    def _check_kind(self) -> None:
        if (problem := self.mismatch) is not None:
            raise SearchIndexError(problem)

    def reset_vectors(self) -> int:
        """Drop every saved vector (not the keyword index); returns how many were dropped."""
        with self._lock:
            dropped = len(self.vectors)
            self.vectors.clear()
            self.vectors.embedder_kind = self.kind
        return dropped

    def upsert(self, chunks: Sequence[Chunk], *, prune_docs: bool = True) -> UpsertReport:
        """Bring both indexes up to date with `chunks`, embedding only new or changed texts.

        With `prune_docs`, each document in `chunks` is taken as complete: its indexed chunks that are
        not in the batch (a document that got shorter) are removed.
        """
        if len({c.id for c in chunks}) != len(chunks):
            raise ValueError("duplicate chunk ids in one upsert")
        self._check_kind()
        to_embed: list[Chunk] = []
        relabel: list[Chunk] = []
        for chunk in chunks:
            meta = self.vectors.meta(chunk.id)
            if meta is None or meta.text_hash != chunk.text_hash:
                to_embed.append(chunk)
            elif meta.content_hash != chunk.content_hash:
                relabel.append(chunk)
        to_keyword = [
            c for c in chunks if (m := self.keywords.meta(c.id)) is None or m.content_hash != c.content_hash
        ]

        vectors = None
        if to_embed:
            with self._embedding:
                vectors = self.embedder.embed([c.text for c in to_embed])
        pruned = 0
        with self._lock:
            if vectors is not None:
                self.vectors.upsert(to_embed, vectors)
            self.vectors.set_meta(relabel)
            self.keywords.upsert(to_keyword)
            if prune_docs:
                pruned = self.remove(self._orphans(chunks))
        touched = {c.id for c in [*to_embed, *relabel, *to_keyword]}
        return UpsertReport(
            embedded=len(to_embed),
            relabelled=len(relabel),
            keyword_written=len(to_keyword),
            unchanged=len(chunks) - len(touched),
            pruned=pruned,
        )

    def _orphans(self, chunks: Sequence[Chunk]) -> set[str]:
        docs = {c.doc_id for c in chunks}
        batch = {c.id for c in chunks}
        orphans: set[str] = set()
        for index in (self.vectors, self.keywords):
            for cid in index.ids() - batch:
                meta = index.meta(cid)
                if meta is not None and meta.doc_id in docs:
                    orphans.add(cid)
        return orphans

    def ids_of_kind(self, kind: str) -> set[str]:
        """Ids of the chunks of one kind ('model', 'article') in either index."""
        with self._lock:  # another thread may be upserting: the dicts must not change while read
            return {
                cid
                for index in (self.vectors, self.keywords)
                for cid in index.ids()
                if (meta := index.meta(cid)) is not None and meta.kind == kind
            }

    def remove(self, chunk_ids: Iterable[str]) -> int:
        """Remove from both indexes; returns how many ids were in at least one of them."""
        ids = set(chunk_ids)
        with self._lock:
            present = ids & (self.vectors.ids() | self.keywords.ids())
            self.vectors.remove(ids)
            self.keywords.remove(ids)
        return len(present)

    def verify(self, expected: Mapping[str, str]) -> VerifyReport:
        """Compare both indexes with the graph's chunk ids and content hashes (`Chunk.content_hash`)."""
        indexes = (self.vectors, self.keywords)
        missing, stale = [], []
        for cid, digest in expected.items():
            metas = [index.meta(cid) for index in indexes]
            if any(m is None for m in metas):
                missing.append(cid)
            if any(m is not None and m.content_hash != digest for m in metas):
                stale.append(cid)
        extra = (self.vectors.ids() | self.keywords.ids()) - expected.keys()
        return VerifyReport(
            missing=sorted(missing),
            extra=sorted(extra),
            stale=sorted(stale),
            vector_count=self.vectors.vector_count,
            keyword_count=len(self.keywords),
            expected_count=len(expected),
        )

    def search_vector(
        self, query: str, k: int, access: AccessFilter, doc_ids: Collection[str] | None = None
    ) -> list[ScoredId]:
        self._check_kind()
        return self.vectors.search(self.embedder.embed([query])[0], k, access, doc_ids)

    def search_keyword(
        self, query: str, k: int, access: AccessFilter, doc_ids: Collection[str] | None = None
    ) -> list[ScoredId]:
        return self.keywords.search(query, k, access, doc_ids)

    def save(self) -> None:
        """Save both (each atomically). A crash between the two is what `verify` is there to catch."""
        with self._lock:
            self.vectors.save()
            self.keywords.save()

    def __len__(self) -> int:
        return len(self.vectors)
