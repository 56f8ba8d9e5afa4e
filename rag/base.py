"""Shared types of the index half of retrieval: chunks in, ranked ids out, access labels throughout."""

from __future__ import annotations

import hashlib
import os
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

Kind = Literal["article", "model", "document"]
Classification = Literal["public", "internal", "confidential"]
CLASSIFICATIONS: tuple[Classification, ...] = ("public", "internal", "confidential")


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


@dataclass(frozen=True, slots=True)
class ChunkMeta:
    """What both indexes keep per chunk besides vector or text: enough to filter and to verify."""

    doc_id: str
    kind: str
    classification: str
    tenant: str | None
    text_hash: str

    @classmethod
    def of(cls, chunk: Chunk) -> ChunkMeta:
        return cls(chunk.doc_id, chunk.kind, chunk.classification, chunk.tenant, chunk.text_hash)

    @property
    def content_hash(self) -> str:
        return content_hash(self.text_hash, self.classification, self.tenant)

    def to_list(self) -> list[Any]:
        return [self.doc_id, self.kind, self.classification, self.tenant, self.text_hash]

    @classmethod
    def from_list(cls, row: Sequence[Any]) -> ChunkMeta:
        doc_id, kind, classification, tenant, digest = row
        return cls(doc_id, kind, classification, tenant, digest)


class HasAccessLabels(Protocol):
    @property
    def classification(self) -> str: ...

    @property
    def tenant(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class AccessFilter:
    """Which chunks a caller may see. Hashable, so indexes can cache the allowed set per filter.

    `tenants=None` means no tenant restriction. Otherwise a chunk that belongs to a tenant is visible
    only to callers of that tenant; chunks without a tenant are shared by everyone.
    """

    classifications: frozenset[str]
    tenants: frozenset[str] | None = None

    @classmethod
    def public(cls) -> AccessFilter:
        return cls(frozenset({"public"}), frozenset())

    @classmethod
    def everything(cls) -> AccessFilter:
        return cls(frozenset(CLASSIFICATIONS), None)

    def allows(self, chunk_meta: HasAccessLabels) -> bool:
        if chunk_meta.classification not in self.classifications:
            return False
        return self.tenants is None or chunk_meta.tenant is None or chunk_meta.tenant in self.tenants


@dataclass(frozen=True, slots=True)
class ScoredId:
    chunk_id: str
    score: float


class Embedder(ABC):
    """Turns texts into L2-normalised float32 vectors, so inner product is cosine similarity."""

    @property
    @abstractmethod
    def dim(self) -> int: ...

    @abstractmethod
    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def metas_from_json(rows: Mapping[str, Sequence[Any]]) -> dict[str, ChunkMeta]:
    return {chunk_id: ChunkMeta.from_list(row) for chunk_id, row in rows.items()}


def atomic_write(path: Path, data: bytes) -> None:
    """Write to a temp file beside `path`, fsync, then rename: a crash leaves the old file or the new."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
