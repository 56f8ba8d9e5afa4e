"""A persisted BM25 keyword index (bm25s) beside the vector index, with the same ids and access labels.

bm25s cannot add or remove documents, so the corpus (id, text, meta) is the persisted state and the
BM25 matrix is rebuilt lazily on the first search after a change (about 3 s for 30k chunks on 2 cores).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path

import bm25s
import numpy as np

from core.access import AccessFilter
from core.chunks import Chunk
from rag.base import ChunkMeta, ScoredId, atomic_write, metas_from_json

CORPUS_FILE = "keyword.json"
FORMAT_VERSION = 1


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased word tokens without English stop words; corpus and queries go through the same path."""
    tokens = bm25s.tokenize(list(texts), return_ids=False, stopwords="en", show_progress=False)
    return [list(t) for t in tokens]


class Bm25Index:
    """BM25 over chunk texts; `search` scores only the chunks the caller's access filter allows."""

    def __init__(self, dir: Path, k1: float = 1.5, b: float = 0.75) -> None:
        self.dir = Path(dir)
        self.k1, self.b = k1, b
        self._texts: dict[str, str] = {}
        self._meta: dict[str, ChunkMeta] = {}
        self._dirty = False
        self._model: bm25s.BM25 | None = None
        self._order: list[str] = []  # row i of the BM25 matrix is chunk self._order[i]
        self._masks: dict[AccessFilter, np.ndarray] = {}
        self._doc_rows: dict[str, list[int]] | None = None  # doc id -> its rows in the matrix

    def __len__(self) -> int:
        return len(self._meta)

    def ids(self) -> set[str]:
        return set(self._meta)

    def meta(self, chunk_id: str) -> ChunkMeta | None:
        return self._meta.get(chunk_id)

    # -- writing -----------------------------------------------------------------------------------

    def upsert(self, chunks: Sequence[Chunk]) -> None:
        if len({c.id for c in chunks}) != len(chunks):
            raise ValueError("duplicate chunk ids in one upsert")
        for chunk in chunks:
            if self._texts.get(chunk.id) != chunk.text:
                self._texts[chunk.id] = chunk.text
                self._model = None  # text changed: the matrix must be rebuilt
            self._meta[chunk.id] = ChunkMeta.of(chunk)
        if chunks:
            self._dirty = True
            self._masks.clear()

    def remove(self, chunk_ids: Iterable[str]) -> int:
        gone = [cid for cid in set(chunk_ids) if cid in self._meta]
        for cid in gone:
            del self._meta[cid]
            del self._texts[cid]
        if gone:
            self._dirty = True
            self._model = None
            self._masks.clear()
        return len(gone)

    # -- searching ---------------------------------------------------------------------------------

    def rebuild(self) -> None:
        """Build the BM25 matrix from the current corpus (done lazily by `search`)."""
        self._order = sorted(self._texts)
        self._masks.clear()
        self._doc_rows = None
        if not self._order:
            self._model = None
            return
        model = bm25s.BM25(k1=self.k1, b=self.b)
        model.index(tokenize([self._texts[cid] for cid in self._order]), show_progress=False)
        self._model = model

    def search(
        self, query: str, k: int, access: AccessFilter, doc_ids: Collection[str] | None = None
    ) -> list[ScoredId]:
        """Top-k among allowed chunks with a positive score: disallowed rows are set to -inf before
        the top-k selection, so they can neither appear nor crowd out allowed chunks. `doc_ids`
        (optional) narrows the mask to those documents' chunks the same way."""
        if self._model is None:
            self.rebuild()
        if self._model is None or k <= 0:
            return []
        mask = self._mask(access)
        if doc_ids is not None:
            mask = mask & self._doc_mask(doc_ids)
        token_ids = self._model.get_tokens_ids(tokenize([query])[0])
        if not token_ids or not mask.any():
            return []
        scores = np.where(mask, self._model.get_scores_from_ids(token_ids), -np.inf)
        k = min(k, int(mask.sum()))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [ScoredId(self._order[i], float(scores[i])) for i in top if scores[i] > 0]

    def _doc_mask(self, doc_ids: Collection[str]) -> np.ndarray:
        if self._doc_rows is None:
            rows: dict[str, list[int]] = {}
            for i, cid in enumerate(self._order):
                rows.setdefault(self._meta[cid].doc_id, []).append(i)
            self._doc_rows = rows
        mask = np.zeros(len(self._order), dtype=bool)
        for doc in set(doc_ids):
            mask[self._doc_rows.get(doc, [])] = True
        return mask

    def _mask(self, access: AccessFilter) -> np.ndarray:
        mask = self._masks.get(access)
        if mask is None:
            mask = np.fromiter((access.allows(self._meta[cid]) for cid in self._order), dtype=bool)
            self._masks[access] = mask
        return mask

    # -- persistence -------------------------------------------------------------------------------

    def save(self) -> None:
        if not self._dirty and (self.dir / CORPUS_FILE).exists():
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        state = {
            "version": FORMAT_VERSION,
            "chunks": {cid: [self._texts[cid], *meta.to_list()] for cid, meta in self._meta.items()},
        }
        atomic_write(self.dir / CORPUS_FILE, json.dumps(state, separators=(",", ":")).encode())
        self._dirty = False

    def load(self) -> bool:
        """Replace the in-memory corpus with the saved one; False (state untouched) when nothing is saved."""
        path = self.dir / CORPUS_FILE
        if not path.exists():
            return False
        state = json.loads(path.read_text())
        if state["version"] != FORMAT_VERSION:
            raise ValueError(f"{path}: unsupported format {state['version']}")
        rows = state["chunks"]
        self._texts = {cid: row[0] for cid, row in rows.items()}
        self._meta = metas_from_json({cid: row[1:] for cid, row in rows.items()})
        self._model = None
        self._masks.clear()
        self._dirty = False
        return True
