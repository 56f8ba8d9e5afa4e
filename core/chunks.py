"""A chunk: one retrievable piece of an article, document or model card, with its access labels.

Ingestion writes chunks to the graph (the source of truth); the search indexes hold the same ids
and content hashes, which is how `llmx index verify` proves the two agree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from .access import CLASSIFICATIONS, Classification

Kind = Literal["article", "model", "document"]


def text_hash(text: str) -> str:
    """Hash of what gets embedded and tokenised: when it changes, the chunk is re-embedded."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def content_hash(text_digest: str, classification: str, tenant: str | None) -> str:
    """Hash of everything the indexes hold for a chunk, access labels included.

    The graph stores this value, so `verify` also catches a chunk that was reclassified in the graph
    but not yet in the indexes (a leak risk), not only changed text.
    """
    raw = f"{text_digest}\x00{classification}\x00{tenant or ''}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Chunk:
    """One retrievable piece of a document, article or model card, with its access labels."""

    id: str
    doc_id: str
    kind: Kind
    text: str
    classification: Classification = "public"
    tenant: str | None = None
    title: str | None = None
    url: str | None = None
    date: str | None = None

    def __post_init__(self) -> None:
        if self.classification not in CLASSIFICATIONS:
            raise ValueError(f"Chunk {self.id}: unknown classification {self.classification!r}")

    @property
    def text_hash(self) -> str:
        return text_hash(self.text)

    @property
    def content_hash(self) -> str:
        return content_hash(self.text_hash, self.classification, self.tenant)


class ChunkSink(Protocol):
    """Where an ingestion job hands its chunks to be made searchable (the service layer passes the
    search indexes). `add` returns once the chunks are durable, with how many had to be embedded. A job
    calls `add` from one thread unless its caller says the sink takes concurrent calls."""

    def add(self, chunks: Sequence[Chunk]) -> int: ...
