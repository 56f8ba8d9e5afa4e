"""Resolving what several sources say about one model into the values the graph shows.

Precedence (documented here, and nowhere else): for each field, the tiers below are tried in
order and the first tier with a value wins; within a tier the most common value wins, ties
broken by the record order the resolver gives (best record first). Values that lose stay in
the graph on the `SourceRecord` nodes linked by `DESCRIBED_BY`, so a conflict is queryable.

Tiers:
- `llm-stats`: curated per-model records with papers and model cards;
- `first-party`: a models.dev or litellm entry served by the model's own developer;
- `epoch`: Epoch AI's research database (strong on parameters and lineage);
- `models-dev` / `litellm`: resellers' listings, many per model, with their own limits.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .records import ModelRecord, SourceName

Tier = str

DEFAULT_TIERS: tuple[Tier, ...] = ("llm-stats", "first-party", "epoch", "models-dev", "litellm")

FIELD_TIERS: dict[str, tuple[Tier, ...]] = {
    # Developers' own API listings know their limits and modalities best.
    "context_length": ("first-party", "llm-stats", "models-dev", "litellm", "epoch"),
    "max_output": ("first-party", "llm-stats", "models-dev", "litellm", "epoch"),
    "input_modalities": ("first-party", "llm-stats", "models-dev", "litellm", "epoch"),
    "output_modalities": ("first-party", "llm-stats", "models-dev", "litellm", "epoch"),
    "reasoning": ("first-party", "models-dev", "litellm", "llm-stats", "epoch"),
    "tool_use": ("first-party", "models-dev", "litellm", "llm-stats", "epoch"),
    # Research databases know sizes and lineage better than API listings.
    "parameters": ("llm-stats", "epoch", "first-party", "models-dev", "litellm"),
    "base_model": ("llm-stats", "epoch", "first-party", "models-dev", "litellm"),
}

# Scalar fields copied from the winning record onto the Model node.
SCALAR_FIELDS: tuple[str, ...] = (
    "family",
    "release_date",
    "parameters",
    "context_length",
    "max_output",
    "knowledge_cutoff",
    "open_weights",
    "reasoning",
    "tool_use",
    "description",
)
LIST_FIELDS: tuple[str, ...] = ("input_modalities", "output_modalities")


def tier(record: ModelRecord) -> Tier:
    if record.source is SourceName.LLM_STATS:
        return "llm-stats"
    if record.first_party:
        return "first-party"
    return record.source.value


@dataclass
class Choice:
    value: Any
    source: str
    source_url: str | None
    sources: list[str]


def choose(records: Sequence[ModelRecord], name: str) -> Choice | None:
    """The winning value of one field across the records of one model, or None if none has it."""
    order = FIELD_TIERS.get(name, DEFAULT_TIERS)
    having = [r for r in records if getattr(r, name) not in (None, [], "")]
    if not having:
        return None
    for t in order:
        in_tier = [r for r in having if tier(r) == t]
        if not in_tier:
            continue
        values = [_hashable(getattr(r, name)) for r in in_tier]
        counts = Counter(values)
        best = max(values, key=lambda v: (counts[v], -values.index(v)))
        winner = in_tier[values.index(best)]
        agreeing = sorted({r.source.value for r in having if _hashable(getattr(r, name)) == best})
        return Choice(getattr(winner, name), winner.source.value, winner.source_url, agreeing)
    return None


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


@dataclass
class MergedModel:
    """The resolved facts of one model, ready to be written."""

    id: str
    props: dict[str, Any]
    organization: Choice | None
    license: Choice | None
    base_model: Choice | None
    base_relation: str | None
    inputs: Choice | None
    outputs: Choice | None
    records: list[ModelRecord] = field(default_factory=list)


def merge(cluster_id: str, records: Sequence[ModelRecord], aliases: Sequence[str]) -> MergedModel:
    """Merge the best-first `records` of one resolved model."""
    name = _display_name(records)
    props: dict[str, Any] = {
        "name": name,
        "aliases": sorted(set(aliases) - {name}),
        "sources": sorted({r.source.value for r in records}),
    }
    for name in SCALAR_FIELDS + LIST_FIELDS:
        choice = choose(records, name)
        props[name] = choice.value if choice else None  # dates stay dates: the graph stores them natively
        props[f"{name}_source"] = choice.source if choice else None
    props["parameters_status"] = _parameters_status(records, props["parameters"])
    base = choose(records, "base_model")
    relation = None
    if base is not None:
        relation = next((r.base_relation for r in records if r.base_model == base.value), None) or "BASED_ON"
    return MergedModel(
        id=cluster_id,
        props=props,
        organization=choose(records, "organization"),
        license=choose(records, "license"),
        base_model=base,
        base_relation=relation,
        inputs=choose(records, "input_modalities"),
        outputs=choose(records, "output_modalities"),
        records=list(records),
    )


def _display_name(records: Sequence[ModelRecord]) -> str:
    """The best record's name, skipping litellm, whose 'names' are routing keys like 'azure/gpt-4o'."""
    named = [r for r in records if r.source is not SourceName.LITELLM] or list(records)
    return named[0].name


def _parameters_status(records: Sequence[ModelRecord], parameters: int | None) -> str:
    """'disclosed', 'undisclosed' (a source says the developer has not published it) or 'unknown'."""
    if parameters is not None:
        return "disclosed"
    if any(r.parameters_disclosed is False for r in records):
        return "undisclosed"
    return "unknown"
