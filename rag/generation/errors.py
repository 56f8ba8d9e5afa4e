"""The one exception every generation backend raises, so callers catch a single type."""

from __future__ import annotations


class GenerationError(RuntimeError):
    """A chat model could not be loaded or did not answer; the message says what to fix."""
