"""Turning `--source NAME=PATH` options into readers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .readers.base import Reader, ReaderError
from .readers.epoch import EpochReader
from .readers.litellm import LitellmReader
from .readers.llm_stats import LlmStatsReader
from .readers.models_dev import ModelsDevReader

READERS: dict[str, type] = {
    "models-dev": ModelsDevReader,
    "llm-stats": LlmStatsReader,
    "epoch": EpochReader,
    "litellm": LitellmReader,
}

# Where each source lies inside a data folder laid out like ../shared/data.
SHARED_LAYOUT: dict[str, str] = {
    "llm-stats": "catalog/llm_stats",
    "epoch": "catalog/epoch_ai",
    "litellm": "catalog/litellm/model_prices_and_context_window_litellm-1.109.1.json",
}


def reader_from_spec(spec: str) -> Reader:
    """`llm-stats=DIR`, `epoch=CSV`, `litellm=JSON`, `models-dev=JSON` -> a reader."""
    name, sep, path = spec.partition("=")
    name = name.strip().lower()
    if not sep or not path.strip():
        raise ReaderError(
            f"Source '{spec}' is not NAME=PATH (for example llm-stats=../shared/data/catalog/llm_stats)."
        )
    if name not in READERS:
        raise ReaderError(f"Unknown source '{name}'; known sources: {', '.join(sorted(READERS))}.")
    target = Path(path).expanduser()
    if not target.exists():
        raise ReaderError(f"The path for source '{name}' does not exist: {target}")
    return READERS[name](target)


def readers_for(
    specs: Sequence[str], *, installed: bool = True, data_dir: Path | None = None
) -> list[Reader]:
    """The installed models.dev catalog (unless disabled), then sources from a data folder, then specs."""
    readers: list[Reader] = [ModelsDevReader()] if installed else []
    if data_dir is not None:
        for name, rel in SHARED_LAYOUT.items():
            if (data_dir / rel).exists():
                readers.append(READERS[name](data_dir / rel))
    readers.extend(reader_from_spec(spec) for spec in specs)
    return readers
