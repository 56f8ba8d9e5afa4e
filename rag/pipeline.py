"""Assembling the configured retrieval pipeline from settings: indexes, analyzer, retrievers, fusion."""

from __future__ import annotations

from kg.store import GraphStore
from llmx.settings import Settings

from .chunk_retrievers import KeywordRetriever, VectorRetriever
from .embedder import SentenceTransformerEmbedder
from .graph_retriever import GraphRetriever
from .hybrid import HybridRetriever
from .indexes import ChunkIndexes
from .question import QuestionAnalyzer


def open_indexes(settings: Settings) -> ChunkIndexes:
    embedder = SentenceTransformerEmbedder(
        settings.embedding_model, device=settings.embedding_device, batch_size=settings.embedding_batch_size
    )
    return ChunkIndexes(settings.index_dir, embedder, use_gpu=settings.index_use_gpu)


def build_hybrid(store: GraphStore, indexes: ChunkIndexes) -> HybridRetriever:
    graph = GraphRetriever(store, QuestionAnalyzer.from_store(store))
    return HybridRetriever(graph, VectorRetriever(indexes, store), KeywordRetriever(indexes, store))


def build_retriever(settings: Settings) -> HybridRetriever:
    """The hybrid retriever over the configured graph; the connection lives as long as the process."""
    return build_hybrid(GraphStore.connect(settings), open_indexes(settings))
