"""What the operations share: the settings and, opened on first use, the graph, indexes and models.

One `AppContext` lives as long as the process that serves requests (the API) or runs a command
(the CLI). Tests pass their own store, indexes or generator to share one graph server and one
model load across the suite.
"""

from __future__ import annotations

import threading
from functools import cached_property
from typing import Self

from core.settings import Settings
from finetune.registry import with_active_adapter
from kg.store import GraphStore
from rag.indexes import ChunkIndexes
from rag.pipeline import build_generator, build_hybrid, open_indexes
from rag.qa import Generator, Retriever


class AppContext:
    def __init__(
        self,
        settings: Settings,
        *,
        store: GraphStore | None = None,
        indexes: ChunkIndexes | None = None,
        generator: Generator | None = None,
        retriever: Retriever | None = None,
    ) -> None:
        self.settings = settings
        self._owned: list[GraphStore] = []
        self._lock = threading.Lock()
        if store is not None:
            self.__dict__["store"] = store
        if indexes is not None:
            self.__dict__["indexes"] = indexes
        if generator is not None:
            self.__dict__["generator"] = generator
        self._fixed_generator = generator is not None
        self._fixed_retriever = retriever

    @cached_property
    def store(self) -> GraphStore:
        """The graph (the embedded server is started if none is configured)."""
        with self._lock:
            store = GraphStore.connect(self.settings)
            self._owned.append(store)
            return store

    @cached_property
    def indexes(self) -> ChunkIndexes:
        with self._lock:
            return open_indexes(self.settings)

    @cached_property
    def generator(self) -> Generator:
        """The configured chat model with the active LoRA adapter (`LLMX_CHAT_ADAPTER`, else the
        registry's active one, else the shipped default: finetune.registry); weights load on first use."""
        with self._lock:
            settings = (
                with_active_adapter(self.settings)
                if self.settings.chat_backend == "transformers"
                else self.settings
            )
            return build_generator(settings)

    def reload_generator(self) -> None:
        """Forget the chat model, so the next answer loads the adapter activated since (no restart)."""
        if "generator" in self.__dict__ and not self._fixed_generator:
            self.__dict__.pop("generator", None)

    @cached_property
    def retriever(self) -> Retriever:
        """The hybrid graph + vector + keyword retriever (or the one the caller passed)."""
        return self._fixed_retriever or build_hybrid(self.store, self.indexes)

    def reset_retriever(self) -> None:
        """Forget the retriever, so the next question sees entities a job has just added."""
        self.__dict__.pop("retriever", None)

    def close(self) -> None:
        for store in self._owned:
            store.close()
        self._owned.clear()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
