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
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from core import attributes as registry
from core.access import AccessFilter
from rag.contracts import Slots
from rag.generation.transformers_backend import TransformersGenerator
from rag.graph_retriever import model_fact
from rag.qa import Evidence, QuestionAnalysis, RetrievalResult, Retriever

CATALOG = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "catalog"
MODEL_CACHE = Path(tempfile.gettempdir()) / "llmx-test-models"
SOURCE = "llm-stats"


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


def graph_row(model_id: str) -> dict[str, Any]:
    """A catalog export row shaped like a MODEL_FACTS row of the graph: each registered attribute's
    value read from the row's fields (`core.attributes`), with llm-stats as its source."""
    flat = catalog_rows()[model_id]
    model: dict[str, Any] = {**flat, "id": model_id}
    row: dict[str, Any] = {"model": model, "records": []}
    for a in registry.graph_facts():
        value = a.read(flat)
        if a.relation:
            row |= {f"{a.relation}_name": value, f"{a.relation}_sources": [SOURCE], f"{a.relation}_url": None}
        elif a.graph_property and a.value is None:
            model |= {a.graph_property: value, f"{a.graph_property}_source": SOURCE}
        elif a.graph_property:
            model[f"{a.graph_property}_source"] = SOURCE
            model.setdefault(a.graph_property, value)
    return row


def fact(model_id: str, attribute: str) -> Evidence:
    """One graph fact about a catalog model, rendered by `rag.graph_retriever.model_fact` itself."""
    evidence = model_fact(graph_row(model_id), attribute)
    if evidence is None:
        raise KeyError(f"{attribute!r} is no graph fact attribute")
    return replace(evidence, title=catalog_rows()[model_id]["name"], score=1.0)


def known(model_id: str) -> list[str]:
    """The registered graph fact attributes the catalog row has a value for, in registry order."""
    flat = catalog_rows()[model_id]
    return [a.name for a in registry.graph_facts() if a.read(flat) not in (None, [], "")]


def asked(question: str) -> str | None:
    """The attribute whose cue comes first in the question, as question analysis reads it."""
    found = [
        (m.start(), a.name) for a in registry.all_attributes() if a.cue and (m := a.cue.search(question))
    ]
    return min(found)[1] if found else None


def result_for(question: str, evidence: Sequence[Evidence], family: str = "attribute",
               **slots: Any) -> RetrievalResult:  # fmt: skip
    analysis = QuestionAnalysis(family=family, slots=Slots(**slots), template="test")  # type: ignore[arg-type]
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
        attribute = asked(question)
        if model is None or attribute is None:
            return result_for(question, [], family="open")
        have = known(model)
        wanted = [attribute] if attribute in have else []
        evidence = [fact(model, a) for a in [*wanted, *(a for a in have if a != attribute)]][:k]
        return result_for(question, evidence, model_ids=[model], attribute=attribute)
