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

from kg.schema import MODEL_LIST_FIELDS, MODEL_SCALAR_FIELDS

from .identity import UNKNOWN_DEVELOPER
from .names import Casing, display_name
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

# Fields copied from the winning record onto the Model node: the graph schema declares them.
SCALAR_FIELDS = MODEL_SCALAR_FIELDS
LIST_FIELDS = MODEL_LIST_FIELDS


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


def merge(
    cluster_id: str,
    records: Sequence[ModelRecord],
    aliases: Sequence[str],
    *,
    casing: Casing | None = None,
    developer: str | None = None,
    derived_from: str | None = None,
    evidence: str | None = None,
    name_records: Sequence[ModelRecord] | None = None,
) -> MergedModel:
    """Merge the best-first `records` of one canonical model (its own and all its listings').

    `developer` overrides the organisation the records give (a fine-tune's maker from its id, or
    `unknown`); `derived_from` is the canonical model a derivative is FINE_TUNED_FROM when no
    record names a base; `evidence` says why the model is canonical (catalog/identity.py);
    `name_records`, the model's own records (not its listings'), name it when they can.
    """
    name = display_name(name_records or records, casing)
    props: dict[str, Any] = {
        "name": name,
        "aliases": sorted(set(aliases) - {name}),
        "sources": sorted({r.source.value for r in records}),
        "identity_evidence": evidence,
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
    elif derived_from is not None:
        base, relation = _resolution_choice(derived_from, records), "FINE_TUNED_FROM"
    organization = choose(records, "organization")
    if developer == UNKNOWN_DEVELOPER:
        organization = None
    elif developer is not None:
        organization = _resolution_choice(developer, records)
    props["developer_status"] = "known" if organization is not None else "unknown"
    return MergedModel(
        id=cluster_id,
        props=props,
        organization=organization,
        license=choose(records, "license"),
        base_model=base,
        base_relation=relation,
        inputs=choose(records, "input_modalities"),
        outputs=choose(records, "output_modalities"),
        records=list(records),
    )


def _resolution_choice(value: str, records: Sequence[ModelRecord]) -> Choice:
    """A value that model identity inferred from the records' ids (provenance: those records' sources)."""
    best = records[0]
    return Choice(value, "catalog-identity", best.source_url, sorted({r.source.value for r in records}))


def _parameters_status(records: Sequence[ModelRecord], parameters: int | None) -> str:
    """'disclosed', 'undisclosed' (a source says the developer has not published it) or 'unknown'."""
    if parameters is not None:
        return "disclosed"
    if any(r.parameters_disclosed is False for r in records):
        return "undisclosed"
    return "unknown"
