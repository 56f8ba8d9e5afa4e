"""The shared vocabulary of question answering: evidence, analysed questions, retrieval results, answers.

Retrievers produce `RetrievalResult`s, the answerer turns one into an `Answer`; the evaluation
harness and the CLI/API only speak these types.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from rag.base import AccessFilter

EvidenceKind = Literal["fact", "article", "model"]

# The question families users ask about LLMs (see the grounded-answers issue).
Family = Literal[
    "attribute",  # an attribute of one model: developer, release date, parameters, context, licence ...
    "list",  # models matching filters
    "compare",  # two or more models side by side
    "count",  # counts and aggregates
    "rank",  # ranking by a benchmark score
    "lineage",  # fine-tuned from / based on
    "organization",  # about an organisation
    "news",  # news about a model or organisation in a time range
    "topic",  # models discussed with a topic
    "open",  # anything else: vector + keyword evidence only
]


@dataclass(frozen=True)
class Evidence:
    """One item the answer may cite: a graph fact rendered as a sentence, or a chunk."""

    kind: EvidenceKind
    id: str  # fact id such as "fact:gpt-4o:context_length", or a chunk id
    text: str  # the sentence or chunk text shown to the model
    title: str | None = None
    url: str | None = None
    date: str | None = None
    source: str | None = None  # provenance: which source(s) said it
    score: float = 0.0
    value: Any = None  # facts: the exact value, for the grounding check
    classification: str = "public"
    tenant: str | None = None


def document_key(e: Evidence) -> str:
    """Facts by id; chunks (`<doc_id>#<n>`) and articles by their document."""
    return e.id if e.kind == "fact" else e.id.rsplit("#", 1)[0]


@dataclass
class QuestionAnalysis:
    family: Family
    # model_ids, attribute, org_id, filters, benchmark_id ...
    slots: dict[str, Any] = field(default_factory=dict)
    template: str | None = None  # name of the Cypher template used, if any


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
    family: Family
    slots: dict[str, Any]
    template: str | None
    refused: bool
    evidence: list[Evidence]
    timings_ms: dict[str, float] = field(default_factory=dict)


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
