"""Real model, real news: the embedder loads once per session and the story vectors are computed once."""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import islice
from pathlib import Path

import numpy as np
import pytest

from catalog.chunking import chunk_text
from core.chunks import Chunk
from rag.base import Embedder
from rag.embedder import SentenceTransformerEmbedder  # the fixture itself lives in tests/conftest.py

NEWS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "news"
STORY_COUNT = 300


@pytest.fixture(scope="session")
def stories() -> list[dict[str, str]]:
    path = NEWS / "ainews_stories.jsonl"
    if not path.is_file():
        pytest.fail(f"The real news stories are expected at {path}.")
    with path.open() as handle:
        return [json.loads(line) for line in islice(handle, STORY_COUNT)]


def story_chunks(story: dict[str, str], **labels: str | None) -> list[Chunk]:
    return chunk_text(
        story["id"],
        f"{story['headline']}\n\n{story['text']}",
        kind="article",
        title=story["headline"],
        url=story["url"],
        date=story["date"],
        **labels,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="session")
def chunks(stories: list[dict[str, str]]) -> list[Chunk]:
    return [c for story in stories for c in story_chunks(story)]


@pytest.fixture(scope="session")
def vectors(embedder: SentenceTransformerEmbedder, chunks: list[Chunk]) -> np.ndarray:
    return embedder.embed([c.text for c in chunks])


class CountingEmbedder(Embedder):
    """Counts the texts it is asked to embed; serves known texts from the session's vectors (real
    MiniLM output) so that each test does not pay for re-embedding the same corpus on 2 cores."""

    def __init__(self, real: Embedder, known: dict[str, np.ndarray]) -> None:
        self.real, self.known, self.calls = real, known, 0

    @property
    def dim(self) -> int:
        return self.real.dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += len(texts)
        unknown = [t for t in texts if t not in self.known]
        if unknown:
            self.known.update(zip(unknown, self.real.embed(unknown), strict=True))
        return np.stack([self.known[t] for t in texts]) if texts else np.zeros((0, self.dim), np.float32)


@pytest.fixture
def counting_embedder(
    embedder: SentenceTransformerEmbedder, chunks: list[Chunk], vectors: np.ndarray
) -> CountingEmbedder:
    return CountingEmbedder(embedder, {c.text: v for c, v in zip(chunks, vectors, strict=True)})
