"""One reader per catalog source; each yields ModelRecord or Quarantined rows (see base.py)."""

from catalog.readers.base import Reader, ReaderError
from catalog.readers.epoch import EpochReader
from catalog.readers.litellm import LitellmReader
from catalog.readers.llm_stats import LlmStatsReader
from catalog.readers.models_dev import ModelsDevReader

__all__ = ["EpochReader", "LitellmReader", "LlmStatsReader", "ModelsDevReader", "Reader", "ReaderError"]
