"""What the QA set is generated from: one read of the graph's facts, typed, dates as ISO strings."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from core.linking import normalise
from kg import eval_queries as eq
from kg.store import GraphStore

MIN_MENTION_CONFIDENCE = 0.5


def iso(value: Any) -> str | None:
    """Graph dates and datetimes (or their strings) as 'YYYY-MM-DD'."""
    if value is None:
        return None
    text = value.iso_format() if hasattr(value, "iso_format") else str(value)
    return text[:10]


def name_key(name: str) -> str:
    """Names compared as the question analyser's linker compares them ('GPT-3.5' = 'gpt35')."""
    return normalise(name)


@dataclass
class ModelFacts:
    id: str
    name: str
    aliases: list[str]
    sources: list[str]
    release_date: str | None
    parameters: int | None
    parameters_status: str | None
    context_length: int | None
    knowledge_cutoff: str | None
    open_weights: bool | None
    input_modalities: list[str]
    org_id: str | None
    org_name: str | None
    org_aliases: list[str]
    license_id: str | None
    license_name: str | None
    bases: list[tuple[str, str, str]] = field(default_factory=list)  # (relation, base id, base name)
    price: float | None = None  # the developer's own input price, $ per 1M tokens, when unambiguous
    eligible: bool = False  # its name names it alone, and more than one source (or llm-stats) knows it

    @property
    def year(self) -> int | None:
        return int(self.release_date[:4]) if self.release_date else None


@dataclass
class Mention:
    article_id: str
    published: str
    model_id: str
    topics: list[str]


@dataclass
class GraphSnapshot:
    models: dict[str, ModelFacts]
    organizations: dict[str, dict[str, Any]]
    scores: dict[str, dict[str, float]]  # benchmark id -> model id -> best score
    benchmark_names: dict[str, str]
    mentions: list[Mention]
    topics: dict[str, str]  # topic id -> name

    def names(self) -> set[str]:
        """Every model name and alias, as `name_key`s: made-up names must avoid all of them."""
        keys = set()
        for m in self.models.values():
            keys |= {name_key(x) for x in [m.name, *m.aliases]}
        return keys


def read_snapshot(store: GraphStore) -> GraphSnapshot:
    models: dict[str, ModelFacts] = {}
    for row in store.read(eq.EVAL_MODELS):
        model = models.get(row["id"]) or _model(row)
        models[row["id"]] = model
        if row["lineage"] and row["base_id"]:
            base = (row["lineage"], row["base_id"], row["base_name"])
            if base not in model.bases:
                model.bases.append(base)
    for row in store.read(eq.EVAL_FIRST_PARTY_PRICES):
        if row["model_id"] in models and row["low"] is not None and row["low"] == row["high"]:
            models[row["model_id"]].price = float(row["low"])
    _mark_eligible(models)
    scores: dict[str, dict[str, float]] = {}
    benchmark_names: dict[str, str] = {}
    for row in store.read(eq.EVAL_SCORES):
        if row["score"] is not None:
            scores.setdefault(row["benchmark_id"], {})[row["model_id"]] = float(row["score"])
            benchmark_names[row["benchmark_id"]] = row["benchmark_name"]
    mentions = [
        Mention(r["article_id"], iso(r["published"]) or "", r["model_id"], sorted(r["topics"] or []))
        for r in store.read(eq.EVAL_MODEL_MENTIONS, min_confidence=MIN_MENTION_CONFIDENCE)
    ]
    return GraphSnapshot(
        models=models,
        organizations={r["id"]: r for r in store.read(eq.EVAL_ORGANIZATIONS)},
        scores=scores,
        benchmark_names=benchmark_names,
        mentions=mentions,
        topics={r["id"]: r["name"] for r in store.read(eq.EVAL_TOPICS)},
    )


def _model(row: dict[str, Any]) -> ModelFacts:
    return ModelFacts(
        id=row["id"], name=row["name"], aliases=list(row["aliases"] or []), sources=list(row["sources"] or []),
        release_date=iso(row["release_date"]), parameters=row["parameters"],
        parameters_status=row["parameters_status"], context_length=row["context_length"],
        knowledge_cutoff=iso(row["knowledge_cutoff"]), open_weights=row["open_weights"],
        input_modalities=sorted(row["input_modalities"] or []), org_id=row["org_id"], org_name=row["org_name"],
        org_aliases=list(row["org_aliases"] or []), license_id=row["license_id"], license_name=row["license_name"],
    )  # fmt: skip


def _mark_eligible(models: dict[str, ModelFacts]) -> None:
    """A question may name a model only if its name is no other model's name or alias."""
    names = Counter(name_key(m.name) for m in models.values())
    aliases: Counter[str] = Counter()
    for m in models.values():
        for alias in {name_key(a) for a in m.aliases} - {name_key(m.name)}:
            aliases[alias] += 1
    for m in models.values():
        key = name_key(m.name)
        unique = names[key] == 1 and aliases[key] == 0 and "/" not in m.name and ":" not in m.name
        known = len(m.sources) >= 2 or "llm-stats" in m.sources
        m.eligible = unique and known and len(key) >= 3
