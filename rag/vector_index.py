"""A persisted FAISS inner-product index over chunk vectors, with access labels for pre-filtering.

FAISS wants int64 ids; the chunk id <-> int id map and each chunk's meta live in `vectors.json`,
which is the commit point: it names the `.faiss` file it belongs to, so a crash mid-save never
pairs a new index with an old map. It also records which embedding path (`torch`, `onnx-int8`) made
the vectors; a map without that field predates the ONNX path and was made by `torch`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from core.access import AccessFilter
from core.chunks import Chunk
from rag.base import ChunkMeta, ScoredId, atomic_write, metas_from_json

META_FILE = "vectors.json"
FORMAT_VERSION = 1
# Questions are searched one at a time: a flat scan of ~30k vectors takes a few ms on one thread,
# and FAISS's OpenMP threads spinning beside torch and the graph thread cost more than they save
# (hybrid retrieval p95 on 2 cores: 110 ms with them, 78 ms without).
SEARCH_THREADS = 1


def gpu_available() -> bool:
    """True only for a GPU build of faiss that also sees a CUDA device."""
    return hasattr(faiss, "StandardGpuResources") and faiss.get_num_gpus() > 0


class FaissIndex:
    """Exact cosine search (`IndexIDMap2(IndexFlatIP)` over normalised vectors), incrementally updatable."""

    def __init__(
        self, dir: Path, dim: int, use_gpu: bool | None = None, *, embedder_kind: str | None = None
    ) -> None:
        self.dir = Path(dir)
        self.dim = dim
        self.embedder_kind = embedder_kind  # written on save; `saved_kind` is what load found
        self.saved_kind: str | None = None
        self.use_gpu = gpu_available() if use_gpu is None else use_gpu
        faiss.omp_set_num_threads(SEARCH_THREADS)
        # Any: the SWIG stubs miss the numpy-friendly wrappers (search, add_with_ids, remove_ids).
        self._index: Any = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self._meta: dict[str, ChunkMeta] = {}
        self._int_ids: dict[str, int] = {}
        self._chunk_ids: dict[int, str] = {}
        self._next_id = 0
        self._dirty = False
        self._selectors: dict[AccessFilter, tuple[np.ndarray, Any]] = {}
        self._doc_chunks: dict[str, list[str]] | None = None  # doc id -> its chunk ids, built lazily
        self._gpu_index: Any = None
        self._gpu_resources: Any = None

    # -- reading -----------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._meta)

    def ids(self) -> set[str]:
        return set(self._meta)

    def meta(self, chunk_id: str) -> ChunkMeta | None:
        return self._meta.get(chunk_id)

    @property
    def vector_count(self) -> int:
        """Vectors actually in FAISS; differs from len() only if the index is corrupt."""
        return int(self._index.ntotal)

    def search(
        self, vector: np.ndarray, k: int, access: AccessFilter, doc_ids: Collection[str] | None = None
    ) -> list[ScoredId]:
        """Top-k among the chunks `access` allows. The filter is a FAISS IDSelector, so disallowed
        chunks are never scored: the caller gets min(k, allowed) results, never fewer because of it.
        `doc_ids` (optional) narrows the search to those documents' chunks, inside the same selector."""
        if doc_ids is not None:
            allowed, selector = self._allowed_docs(access, doc_ids)
        else:
            allowed, selector = self._allowed(access)
        if k <= 0 or allowed.size == 0:
            return []
        query = np.ascontiguousarray(np.asarray(vector, dtype=np.float32).reshape(1, self.dim))
        k = min(k, int(allowed.size))
        if selector is None and doc_ids is None:
            scores, labels = self._unfiltered_index().search(query, k)
        else:
            params = faiss.SearchParameters()
            params.sel = selector
            scores, labels = self._index.search(query, k, params=params)
        return [
            ScoredId(self._chunk_ids[int(label)], float(score))
            for score, label in zip(scores[0], labels[0], strict=True)
            if label >= 0
        ]

    def _allowed(self, access: AccessFilter) -> tuple[np.ndarray, Any]:
        """Allowed int ids and their selector (None when everything is allowed), cached per filter."""
        cached = self._selectors.get(access)
        if cached is None:
            allowed = np.fromiter(
                (self._int_ids[cid] for cid, meta in self._meta.items() if access.allows(meta)),
                dtype=np.int64,
            )
            selector = None if allowed.size == len(self._meta) else faiss.IDSelectorBatch(allowed)
            cached = self._selectors[access] = (allowed, selector)
        return cached

    def _allowed_docs(self, access: AccessFilter, doc_ids: Collection[str]) -> tuple[np.ndarray, Any]:
        """Allowed int ids of the chunks of `doc_ids`, and their selector (not cached: per question)."""
        if self._doc_chunks is None:
            by_doc: dict[str, list[str]] = {}
            for cid, meta in self._meta.items():
                by_doc.setdefault(meta.doc_id, []).append(cid)
            self._doc_chunks = by_doc
        allowed = np.array(
            [
                self._int_ids[cid]
                for doc in set(doc_ids)
                for cid in self._doc_chunks.get(doc, ())
                if access.allows(self._meta[cid])
            ],
            dtype=np.int64,
        )
        return allowed, faiss.IDSelectorBatch(allowed)

    def _unfiltered_index(self) -> Any:
        """A GPU copy for unfiltered searches when one is available (GPU flat search takes no selector)."""
        if not self.use_gpu:
            return self._index
        if self._gpu_index is None:
            self._gpu_resources = faiss.StandardGpuResources()
            self._gpu_index = faiss.index_cpu_to_gpu(self._gpu_resources, 0, self._index)
        return self._gpu_index

    # -- writing -----------------------------------------------------------------------------------

    def upsert(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Add or replace chunks; a replaced chunk keeps its int id (remove_ids, then add)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape != (len(chunks), self.dim):
            raise ValueError(f"expected vectors of shape {(len(chunks), self.dim)}, got {vectors.shape}")
        if len({c.id for c in chunks}) != len(chunks):
            raise ValueError("duplicate chunk ids in one upsert")
        if not chunks:
            return
        existing = np.array([self._int_ids[c.id] for c in chunks if c.id in self._int_ids], dtype=np.int64)
        if existing.size:
            self._index.remove_ids(existing)
        int_ids = np.array([self._int_id(c.id) for c in chunks], dtype=np.int64)
        self._index.add_with_ids(vectors, int_ids)
        for chunk in chunks:
            self._meta[chunk.id] = ChunkMeta.of(chunk)
        self._changed()

    def set_meta(self, chunks: Iterable[Chunk]) -> None:
        """Update access labels of chunks whose text (hence vector) is unchanged."""
        chunks = list(chunks)
        for chunk in chunks:
            if chunk.id not in self._meta:
                raise KeyError(f"{chunk.id} is not in the vector index")
            self._meta[chunk.id] = ChunkMeta.of(chunk)
        if chunks:
            self._changed()

    def remove(self, chunk_ids: Iterable[str]) -> int:
        gone = [cid for cid in set(chunk_ids) if cid in self._meta]
        if gone:
            self._index.remove_ids(np.array([self._int_ids[cid] for cid in gone], dtype=np.int64))
            for cid in gone:
                del self._meta[cid]
                del self._chunk_ids[self._int_ids.pop(cid)]
            self._changed()
        return len(gone)

    def clear(self) -> None:
        """Forget every vector (in memory; `save` makes it durable): for a re-embed from scratch."""
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
        self._meta, self._int_ids, self._chunk_ids, self._next_id = {}, {}, {}, 0
        self.saved_kind = None
        self._changed()

    def _int_id(self, chunk_id: str) -> int:
        if chunk_id not in self._int_ids:
            self._int_ids[chunk_id] = self._next_id
            self._chunk_ids[self._next_id] = chunk_id
            self._next_id += 1
        return self._int_ids[chunk_id]

    def _changed(self) -> None:
        self._dirty = True
        self._selectors.clear()
        self._doc_chunks = None
        self._gpu_index = None

    # -- persistence -------------------------------------------------------------------------------

    def save(self) -> None:
        """Write the index under a fresh name, then atomically replace the map that names it."""
        if not self._dirty and (self.dir / META_FILE).exists():
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        index_file = f"vectors-{uuid.uuid4().hex[:12]}.faiss"
        atomic_write(self.dir / index_file, faiss.serialize_index(self._index).tobytes())
        state = {
            "version": FORMAT_VERSION,
            "dim": self.dim,
            "embedder": self.embedder_kind,
            "index_file": index_file,
            "next_id": self._next_id,
            "chunks": {cid: [self._int_ids[cid], *meta.to_list()] for cid, meta in self._meta.items()},
        }
        atomic_write(self.dir / META_FILE, json.dumps(state, separators=(",", ":")).encode())
        for old in self.dir.glob("vectors-*.faiss"):
            if old.name != index_file:
                old.unlink()
        self._dirty = False

    def load(self) -> bool:
        """Replace the in-memory state with the saved one; False (state untouched) when nothing is saved."""
        meta_path = self.dir / META_FILE
        if not meta_path.exists():
            return False
        state = json.loads(meta_path.read_text())
        if state["version"] != FORMAT_VERSION or state["dim"] != self.dim:
            raise ValueError(
                f"{meta_path}: format {state['version']}, dim {state['dim']}; expected dim {self.dim}"
            )
        raw = np.frombuffer((self.dir / state["index_file"]).read_bytes(), dtype=np.uint8)
        self._index = faiss.deserialize_index(raw)
        rows = state["chunks"]
        self._int_ids = {cid: int(row[0]) for cid, row in rows.items()}
        self._chunk_ids = {i: cid for cid, i in self._int_ids.items()}
        self._meta = metas_from_json({cid: row[1:] for cid, row in rows.items()})
        self._next_id = int(state["next_id"])
        self.saved_kind = state.get("embedder", "torch")
        self._changed()
        self._dirty = False
        return True
