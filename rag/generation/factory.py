"""Build a `Generator` by backend name, so the CLI and API pick one from configuration."""

from __future__ import annotations

from typing import Any, Literal, get_args

from rag.qa import Generator

Backend = Literal["transformers", "llamacpp", "openai"]
BACKENDS: tuple[str, ...] = get_args(Backend)


def make_generator(backend: Backend, **options: Any) -> Generator:
    """Options are the backend's constructor arguments; the backend module is imported only here."""
    if backend == "transformers":
        from rag.generation.transformers_backend import TransformersGenerator

        return TransformersGenerator(**options)
    if backend == "llamacpp":
        from rag.generation.llamacpp_backend import LlamaCppGenerator

        return LlamaCppGenerator(**options)
    if backend == "openai":
        from rag.generation.openai_backend import OpenAICompatibleGenerator

        return OpenAICompatibleGenerator(**options)
    raise ValueError(f"Unknown generation backend {backend!r}; choose one of {', '.join(BACKENDS)}.")
