"""Assembling the configured retrieval pipeline from settings: indexes, analyzer, retrievers, fusion."""

from __future__ import annotations

from core.settings import ChatSettings, IndexSettings
from kg.store import GraphStore

from .chunk_retrievers import KeywordRetriever, VectorRetriever
from .embedder import make_embedder
from .generation import GenerationError, make_generator
from .graph_retriever import GraphRetriever
from .hybrid import HybridRetriever
from .indexes import ChunkIndexes
from .qa import Generator
from .question import QuestionAnalyzer


def open_indexes(settings: IndexSettings) -> ChunkIndexes:
    return ChunkIndexes(settings.index_dir, make_embedder(settings), use_gpu=settings.index_use_gpu)


def build_hybrid(store: GraphStore, indexes: ChunkIndexes) -> HybridRetriever:
    graph = GraphRetriever(store, QuestionAnalyzer.from_store(store))
    return HybridRetriever(graph, VectorRetriever(indexes, store), KeywordRetriever(indexes, store))


def build_generator(settings: ChatSettings) -> Generator:
    """The chat model the settings name (`LLMX_CHAT_*`); the weights load on first use."""
    if settings.chat_backend == "openai":
        if not settings.chat_base_url:
            raise GenerationError(
                "The openai backend needs a server URL: set LLMX_CHAT_BASE_URL (for example http://localhost:8000/v1)."
            )
        key = settings.chat_api_key.get_secret_value() if settings.chat_api_key else None
        return make_generator(
            "openai", base_url=settings.chat_base_url, api_key=key, model=settings.chat_api_model,
            timeout=settings.chat_timeout_s,
        )  # fmt: skip
    if settings.chat_backend == "llamacpp":
        return make_generator("llamacpp", gguf_path=settings.chat_model)
    return make_generator(
        "transformers", model_dir=settings.chat_model, cache_dir=settings.model_cache_dir,
        adapter_dir=settings.chat_adapter, device=settings.chat_device,
    )  # fmt: skip
