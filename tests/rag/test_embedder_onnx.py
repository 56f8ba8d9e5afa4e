"""The int8 ONNX embedding path: built for real from the packaged MiniLM (once per module), compared
with the session's fp32 sentence-transformers vectors on real news chunks, its cache reused and
rebuilt when broken, and indexes that refuse to mix the two paths."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

import rag.onnx_embedder as onnx_module
from core.access import AccessFilter
from core.chunks import Chunk
from core.errors import SearchIndexError
from core.settings import Settings
from rag.embedder import SentenceTransformerEmbedder, make_embedder
from rag.indexes import ChunkIndexes
from rag.onnx_embedder import OnnxEmbedder
from rag.vector_index import META_FILE


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="module")
def onnx_embedder(onnx_cache: Path) -> OnnxEmbedder:
    model = OnnxEmbedder(cache_dir=onnx_cache)
    model.embed(["warm up"])  # exports and quantises once (a few seconds)
    return model


def test_onnx_vectors_agree_with_fp32_on_real_news(
    onnx_embedder: OnnxEmbedder, chunks: list[Chunk], vectors: np.ndarray
) -> None:
    fast = onnx_embedder.embed([c.text for c in chunks])
    assert fast.shape == vectors.shape and fast.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    cosine = np.einsum("ij,ij->i", fast, vectors)
    assert cosine.mean() >= 0.99, cosine.mean()
    assert cosine.min() >= 0.98, cosine.min()
    # another batching (dynamic int8 scales activations per batch) moves a vector only slightly
    reversed_order = onnx_embedder.embed([c.text for c in reversed(chunks[:50])])[::-1]
    assert np.einsum("ij,ij->i", reversed_order, fast[:50]).min() >= 0.99


def test_batches_on_parallel_workers_land_in_their_rows(
    onnx_embedder: OnnxEmbedder, onnx_cache: Path, chunks: list[Chunk]
) -> None:
    """Workers run whole batches side by side; each vector must still be its own text's, exactly as
    one worker running the same batches in turn computes it."""
    texts = [c.text for c in chunks]
    assert onnx_embedder.threads > 1 or (os.cpu_count() or 1) == 1
    one_worker = OnnxEmbedder(cache_dir=onnx_cache, threads=1)
    assert len(texts) > 4 * one_worker.batch_size  # several batches, so the pool has work to share
    np.testing.assert_allclose(onnx_embedder.embed(texts), one_worker.embed(texts), atol=1e-6)


def test_nearest_neighbours_match_fp32(
    onnx_embedder: OnnxEmbedder,
    embedder: SentenceTransformerEmbedder,
    chunks: list[Chunk],
    vectors: np.ndarray,
) -> None:
    """Retrieval-relevant agreement: with chunk titles as queries, both paths' top 5 mostly overlap."""
    fast = onnx_embedder.embed([c.text for c in chunks])
    queries = [c.title or c.text[:80] for c in chunks[::10]]
    overlap = []
    for qf, qs in zip(onnx_embedder.embed(queries), embedder.embed(queries), strict=True):
        top_fast = set(np.argsort(-(fast @ qf))[:5])
        top_slow = set(np.argsort(-(vectors @ qs))[:5])
        overlap.append(len(top_fast & top_slow) / 5)
    assert np.mean(overlap) >= 0.9, np.mean(overlap)


def test_cache_is_reused_without_exporting_again(
    onnx_embedder: OnnxEmbedder, onnx_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = onnx_embedder.model_file()

    def no_export(*_: object) -> None:
        raise AssertionError("the cached model should have been reused")

    monkeypatch.setattr(onnx_module, "export_int8", no_export)
    again = OnnxEmbedder(cache_dir=onnx_cache)
    assert again.model_file() == built
    assert sorted(p.name for p in onnx_cache.iterdir()) == sorted(
        [built.name, built.with_suffix(".json").name]
    )
    np.testing.assert_allclose(again.embed(["GPT-4o is a model by OpenAI."]),
                               onnx_embedder.embed(["GPT-4o is a model by OpenAI."]), atol=1e-5)  # fmt: skip


def test_corrupt_or_partial_cache_is_rebuilt(
    onnx_embedder: OnnxEmbedder, onnx_cache: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(onnx_cache, cache)
    model_file = next(cache.glob("*.onnx"))
    # a kill mid-write: half the model file, plus an abandoned export folder
    model_file.write_bytes(model_file.read_bytes()[: model_file.stat().st_size // 2])
    (cache / ".export-abandoned").mkdir()
    (cache / ".export-abandoned" / "model.onnx").write_bytes(b"partial")
    calls = []
    real_export = onnx_module.export_int8

    def counting_export(source: Path, target: Path) -> None:
        calls.append(target)
        real_export(source, target)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(onnx_module, "export_int8", counting_export)
        rebuilt = OnnxEmbedder(cache_dir=cache)
        vector = rebuilt.embed(["Llama 3 is a model by Meta."])
    assert calls == [model_file]
    assert not (cache / ".export-abandoned").exists()
    assert json.loads(model_file.with_suffix(".json").read_text())["sha256"] == onnx_module._file_digest(
        model_file
    )
    np.testing.assert_allclose(vector, onnx_embedder.embed(["Llama 3 is a model by Meta."]), atol=1e-5)
    # a model file with no manifest (killed between the two renames) counts as partial too
    model_file.with_suffix(".json").unlink()
    assert not OnnxEmbedder._cache_ok(model_file, model_file.with_suffix(".json"), "any")


def test_index_refuses_the_other_embedding_path(
    onnx_embedder: OnnxEmbedder, embedder: SentenceTransformerEmbedder, chunks: list[Chunk], tmp_path: Path
) -> None:
    some = chunks[:20]
    built = ChunkIndexes(tmp_path, onnx_embedder)
    built.upsert(some)
    built.save()
    assert json.loads((tmp_path / META_FILE).read_text())["embedder"] == "onnx-int8"

    mixed = ChunkIndexes(tmp_path, embedder)  # loads: verify and BM25 still work
    assert "onnx-int8" in (mixed.mismatch or "") and "llmx index rebuild" in (mixed.mismatch or "")
    assert mixed.search_keyword(some[0].title or "news", 3, AccessFilter.everything())
    with pytest.raises(SearchIndexError, match="LLMX_EMBEDDER=onnx-int8"):
        mixed.search_vector("a question", 3, AccessFilter.everything())
    with pytest.raises(SearchIndexError):
        mixed.upsert(chunks[20:25])

    mixed.remove([some[-1].id])  # removing is allowed, and must not relabel the vectors left
    mixed.save()
    assert json.loads((tmp_path / META_FILE).read_text())["embedder"] == "onnx-int8"
    some = some[:-1]
    assert mixed.reset_vectors() == len(some)  # what `llmx index rebuild` does first
    assert mixed.upsert(some).embedded == len(some)
    mixed.save()
    assert json.loads((tmp_path / META_FILE).read_text())["embedder"] == "torch"
    assert ChunkIndexes(tmp_path, embedder).mismatch is None
    assert ChunkIndexes(tmp_path, onnx_embedder).mismatch is not None


def test_an_index_from_before_the_onnx_path_counts_as_torch(
    onnx_embedder: OnnxEmbedder, embedder: SentenceTransformerEmbedder, chunks: list[Chunk], tmp_path: Path
) -> None:
    old = ChunkIndexes(tmp_path, embedder)
    old.upsert(chunks[:5])
    old.save()
    state = json.loads((tmp_path / META_FILE).read_text())
    del state["embedder"]
    (tmp_path / META_FILE).write_text(json.dumps(state))
    assert ChunkIndexes(tmp_path, embedder).mismatch is None
    assert ChunkIndexes(tmp_path, onnx_embedder).mismatch is not None


def test_settings_choose_the_path(tmp_path: Path) -> None:
    fast = make_embedder(Settings(data_dir=tmp_path, embedding_device="cpu", _env_file=None))  # type: ignore[call-arg]
    assert isinstance(fast, OnnxEmbedder) and fast.cache_dir == tmp_path / "models" / "onnx"
    slow = make_embedder(Settings(data_dir=tmp_path, embedder="torch", _env_file=None))  # type: ignore[call-arg]
    assert isinstance(slow, SentenceTransformerEmbedder)
    with pytest.raises(ValueError):
        Settings(embedder="onnx-fp16", _env_file=None)  # type: ignore[call-arg]
