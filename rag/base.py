"""Shared types of the index half of retrieval: chunks in, ranked ids out, access labels throughout."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.chunks import Chunk, content_hash


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


@dataclass(frozen=True, slots=True)
class ScoredId:
    chunk_id: str
    score: float


class Embedder(ABC):
    """Turns texts into L2-normalised float32 vectors, so inner product is cosine similarity."""

    #: How many `embed` calls may usefully run at once (an ingestion overlaps that many batches).
    concurrent_calls: int = 1

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
