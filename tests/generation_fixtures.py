"""The real chat model, loaded once per test session, and graph facts built from the real catalog.

Import the fixture into a test module (`from tests.generation_fixtures import chat_model`). The
loader is cached at module level too, so modules that import the fixture share one model. Its
safetensors copy lives in a stable folder under the system temp directory, so only the first
session on a machine pays the ~20 s GGUF dequantization.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from rag.base import AccessFilter
from rag.generation.transformers_backend import TransformersGenerator
from rag.qa import Evidence, QuestionAnalysis, RetrievalResult, Retriever

CATALOG = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "catalog"
MODEL_CACHE = Path(tempfile.gettempdir()) / "llmx-test-models"

# attribute -> (catalog field, sentence); the sentence is how a graph fact reads as evidence
ATTRIBUTES: dict[str, tuple[str, str]] = {
    "context_length": ("max_context_tokens", "{name} has a context length of {value:,} tokens."),
    "release_date": ("release_date", "{name} was released on {value}."),
    "developer": ("organization", "{name} was developed by {value}."),
    "license": ("license", "{name} is released under the {value} licence."),
    "parameters": ("param_count", "{name} has {value:,} parameters."),
}
KEYWORDS = {"context": "context_length", "released": "release_date", "release": "release_date",
            "develop": "developer", "licen": "license", "parameters": "parameters"}  # fmt: skip


@cache
def load_chat_model() -> TransformersGenerator:
    generator = TransformersGenerator(cache_dir=MODEL_CACHE, device="cpu")
    generator.load()
    return generator


@pytest.fixture(scope="session")
def chat_model() -> TransformersGenerator:
    return load_chat_model()


@cache
def catalog_rows() -> dict[str, dict[str, Any]]:
    path = CATALOG / "llm_stats_models_flat.jsonl"
    if not path.is_file():
        pytest.fail(f"The real catalog is expected at {path}.")
    with path.open() as handle:
        return {row["model_id"]: row for row in map(json.loads, handle)}


def fact(model_id: str, attribute: str) -> Evidence:
    """One graph fact about a catalog model, rendered the way `rag.graph_retriever` renders facts."""
    row = catalog_rows()[model_id]
    field, sentence = ATTRIBUTES[attribute]
    value = row[field]
    text = sentence.format(name=row["name"], value=value).rstrip(".") + " (source: llm-stats)."
    return Evidence(
        kind="fact", id=f"fact:{model_id}:{attribute}", text=text,
        title=row["name"], source="llm-stats", value=value, score=1.0,
    )  # fmt: skip


def result_for(question: str, evidence: Sequence[Evidence], family: str = "attribute",
               **slots: Any) -> RetrievalResult:  # fmt: skip
    analysis = QuestionAnalysis(family=family, slots=slots, template="test")  # type: ignore[arg-type]
    return RetrievalResult(question=question, analysis=analysis, evidence=list(evidence))


class CatalogFactRetriever(Retriever):
    """A small real retriever over catalog facts: finds the model named in the question and the
    attribute asked about, and returns that fact first, then the model's other facts."""

    def __init__(self, model_ids: Sequence[str]) -> None:
        rows = catalog_rows()
        self.names = {rows[m]["name"].lower(): m for m in model_ids}
        self.calls = 0

    def search(
        self, question: str, *, k: int = 8, access: AccessFilter, history: Sequence[str] = ()
    ) -> RetrievalResult:
        self.calls += 1
        text = question.lower()
        model = next(
            (m for name, m in sorted(self.names.items(), key=lambda x: -len(x[0])) if name in text), None
        )
        attribute = next((a for word, a in KEYWORDS.items() if word in text), None)
        if model is None or attribute is None:
            return result_for(question, [], family="open")
        row = catalog_rows()[model]
        others = [a for a in ATTRIBUTES if a != attribute and row[ATTRIBUTES[a][0]] is not None]
        wanted = [attribute] if row[ATTRIBUTES[attribute][0]] is not None else []
        evidence = [fact(model, a) for a in [*wanted, *others]][:k]
        return result_for(question, evidence, model_ids=[model], attribute=attribute)
