"""SmolLM2 (or any chat GGUF) through llama.cpp: about 7x faster than torch on CPU, an optional extra.

`llama-cpp-python` has no binary wheel and takes minutes to compile, so it is not a core dependency;
this module imports it only when a generator is built.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rag.generation.errors import GenerationError
from rag.generation.transformers_backend import packaged_gguf
from rag.qa import Generator

EXTRA_HINT = "pip install 'llmxplorer[llamacpp]' (or pip install llama-cpp-python)"


class LlamaCppGenerator(Generator):
    """Greedy chat completion with llama.cpp; the GGUF's own chat template formats the messages."""

    def __init__(
        self, gguf_path: Path | None = None, *, n_ctx: int = 4096, n_threads: int | None = None
    ) -> None:
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise GenerationError(
                f"The llama.cpp backend needs the optional 'llamacpp' extra, which is not installed: {EXTRA_HINT}."
            ) from exc
        self.gguf_path = Path(gguf_path) if gguf_path is not None else packaged_gguf()
        if not self.gguf_path.is_file():
            raise GenerationError(f"No GGUF file at {self.gguf_path}.")
        self.name = f"llamacpp:{self.gguf_path.stem}"
        self._llm: Any = Llama(
            model_path=str(self.gguf_path), n_ctx=n_ctx, n_threads=n_threads, verbose=False
        )
        self._lock = threading.Lock()  # a Llama context serves one completion at a time

    def generate(
        self, messages: Sequence[dict[str, str]], *, max_new_tokens: int = 96, stop: Sequence[str] = ()
    ) -> str:
        with self._lock:
            result = self._llm.create_chat_completion(
                messages=list(messages),
                max_tokens=max_new_tokens,
                temperature=0.0,
                top_k=1,
                stop=list(stop) or None,
            )
        return str(result["choices"][0]["message"]["content"] or "").strip()
