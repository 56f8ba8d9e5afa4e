"""The shared vocabulary of question answering: evidence, analysed questions, retrieval results, answers.

Retrievers produce `RetrievalResult`s, the answerer turns one into an `Answer`; the evaluation
harness and the CLI/API only speak these types.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from core.access import AccessFilter

from .contracts import EvidenceKind, FactId, Family, GroundingCheck, QuestionAnalysis

__all__ = [
    "Answer", "Citation", "Evidence", "EvidenceKind", "FactId", "Family", "Generator", "QuestionAnalysis",
    "RetrievalResult", "Retriever", "document_key",
]  # fmt: skip


@dataclass(frozen=True)
class Evidence:
    """One item the answer may cite: a graph fact rendered as a sentence, or a chunk."""

    kind: EvidenceKind
    id: str  # str(FactId) for a fact ("fact:gpt-4o:context_length"), else a chunk or article id
    text: str  # the sentence or chunk text shown to the model
    title: str | None = None
    url: str | None = None
    date: str | None = None
    source: str | None = None  # provenance: which source(s) said it
    score: float = 0.0
    value: Any = None  # facts: the exact value, for the grounding check
    classification: str = "public"
    tenant: str | None = None

    @property
    def fact_id(self) -> FactId | None:
        """A fact's typed id; None for chunks and articles."""
        return FactId.parse(self.id) if self.kind == "fact" else None


def document_key(e: Evidence) -> str:
    """Facts by id; chunks (`<doc_id>#<n>`) and articles by their document."""
    return e.id if e.kind == "fact" else e.id.rsplit("#", 1)[0]


@dataclass
class RetrievalResult:
    question: str
    analysis: QuestionAnalysis
    evidence: list[Evidence]  # fused and ranked, best first, already permission-filtered
    timings_ms: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Citation:
    n: int
    kind: EvidenceKind
    id: str
    title: str | None
    url: str | None
    date: str | None = None


@dataclass
class Answer:
    question: str
    answer: str
    citations: list[Citation]
    analysis: QuestionAnalysis  # family, slots, and the template that answered
    refused: bool
    evidence: list[Evidence]
    timings_ms: dict[str, float] = field(default_factory=dict)
    grounding: GroundingCheck | None = None  # the strict check of the model's text (rag.grounding)

    @property
    def family(self) -> Family:
        return self.analysis.family

    @property
    def template(self) -> str | None:
        return self.analysis.template


class Retriever(ABC):
    """Every retriever (graph, vector, keyword, hybrid) has this one public call."""

    @abstractmethod
    def search(
        self, question: str, *, k: int = 8, access: AccessFilter, history: Sequence[str] = ()
    ) -> RetrievalResult: ...


class Generator(ABC):
    """A chat model behind one interface: local transformers, llama.cpp, or an OpenAI-compatible endpoint.

    Decoding is greedy; it ends at `max_new_tokens` or at the first of the `stop` strings, which the
    text leaves out (the OpenAI API's rule): a one-sentence answer stops costing a paragraph of tokens."""

    name: str

    @abstractmethod
    def generate(
        self, messages: Sequence[dict[str, str]], *, max_new_tokens: int = 96, stop: Sequence[str] = ()
    ) -> str: ...

    def generate_batch(
        self,
        conversations: Sequence[Sequence[dict[str, str]]],
        *,
        max_new_tokens: int = 96,
        stop: Sequence[str] = (),
    ) -> list[str]:
        """Each conversation's `generate` text; a backend that decodes several at once overrides it."""
        return [self.generate(m, max_new_tokens=max_new_tokens, stop=stop) for m in conversations]
