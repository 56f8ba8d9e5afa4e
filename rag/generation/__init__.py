"""Chat models behind the one `Generator` interface: local transformers, llama.cpp, OpenAI-compatible HTTP.

Each backend lives in its own module and imports its heavy dependencies only when built, so importing
this package (or the factory) costs nothing.
"""

from __future__ import annotations

from rag.generation.errors import GenerationError
from rag.generation.factory import Backend, make_generator

__all__ = ["Backend", "GenerationError", "make_generator"]
