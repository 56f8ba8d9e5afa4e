"""What the operations share: the settings and, opened on first use, the graph, indexes and models.

One `AppContext` lives as long as the process that serves requests (the API) or runs a command
(the CLI). Tests pass their own store, indexes or generator to share one graph server and one
model load across the suite.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cached_property
from pathlib import Path
from typing import Self

from core.errors import ConfigError
from core.settings import Settings
from finetune.registry import with_active_adapter
from kg.store import GraphStore
from rag.generation.transformers_backend import TransformersGenerator
from rag.indexes import ChunkIndexes
from rag.pipeline import build_generator, build_hybrid, open_indexes
from rag.qa import Generator, Retriever

# The adapter the current request's answers use (the API sets it from the caller's tenant):
# unset is the process's default model, None the base model without adapter, a path that adapter.
_UNSET = Path("/nonexistent/llmx-default")
_ADAPTER: ContextVar[Path | None] = ContextVar("llmx_adapter", default=_UNSET)
# Models with an adapter kept loaded at once besides the default (each is a full copy of the weights).
MAX_ADAPTER_MODELS = 2


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
        self._default: Generator | None = generator
        self._fixed_generator = generator is not None
        self._adapted: OrderedDict[Path | None, Generator] = OrderedDict()
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

    @property
    def generator(self) -> Generator:
        """The chat model answers use: the adapter of `use_adapter` when one is in force (the API's
        tenant activation), else the configured one with the active LoRA adapter
        (`LLMX_CHAT_ADAPTER`, else the registry's active one, else the shipped default:
        finetune.registry); weights load on first use."""
        adapter = _ADAPTER.get()
        if adapter is _UNSET:
            return self.default_generator
        return self.generator_for(adapter)

    @property
    def default_generator(self) -> Generator:
        with self._lock:
            if self._default is None:
                settings = (
                    with_active_adapter(self.settings)
                    if self.settings.chat_backend == "transformers"
                    else self.settings
                )
                self._default = build_generator(settings)
            return self._default

    def generator_for(self, adapter: Path | None) -> Generator:
        """The default model's base weights with `adapter` merged (None: no adapter), built once and
        kept (the last `MAX_ADAPTER_MODELS`)."""
        base = self.default_generator
        with self._lock:
            if adapter in self._adapted:
                self._adapted.move_to_end(adapter)
                return self._adapted[adapter]
            if not isinstance(base, TransformersGenerator):
                raise ConfigError(
                    "Fine-tuned adapters need the local transformers chat backend (LLMX_CHAT_BACKEND)."
                )
            if base.adapter_dir == adapter:
                return base
            if base.source.is_file() and not base.model_path.is_dir():
                base.load()  # a GGUF: dequantized once into the cache the adapter models share
            made = TransformersGenerator(
                base.model_path, cache_dir=base.cache_dir, adapter_dir=adapter, device=base.device
            )
            made.name = base.name.split("+", 1)[0] + (f"+{adapter.name}" if adapter else "")
            self._adapted[adapter] = made
            while len(self._adapted) > MAX_ADAPTER_MODELS:
                self._adapted.popitem(last=False)
            return made

    def model_name(self, adapter: Path | None) -> str:
        """The name `generator_for(adapter).name` has, without building or loading anything."""
        return self.default_generator.name.split("+", 1)[0] + (f"+{adapter.name}" if adapter else "")

    @staticmethod
    @contextmanager
    def use_adapter(adapter: Path | None) -> Iterator[None]:
        """Answers inside use `adapter` (None: the base model) instead of the default model."""
        token = _ADAPTER.set(adapter)
        try:
            yield
        finally:
            _ADAPTER.reset(token)

    @staticmethod
    def set_request_adapter(adapter: Path | None, *, default: bool = False) -> None:
        """For the API: the rest of this request (its task and the threads it hands work to) answers
        with `adapter` (None: the base model), or with the default model when `default`."""
        _ADAPTER.set(_UNSET if default else adapter)

    def reload_generator(self) -> None:
        """Forget the chat models, so the next answer loads the adapter activated since (no restart)."""
        with self._lock:
            self._adapted.clear()
            if not self._fixed_generator:
                self._default = None

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
