"""The one exception every generation backend raises (defined in `core.errors`)."""

from core.errors import GenerationError

__all__ = ["GenerationError"]
