"""Typed records that every catalog reader yields. Validation happens here, once, at the edge.

A reader turns one source row into a `ModelRecord` (valid) or a `Quarantined` (invalid, with
the reason and the raw row), so that a bad row is counted and kept, never dropped silently.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class SourceName(StrEnum):
    MODELS_DEV = "models-dev"
    LLM_STATS = "llm-stats"
    EPOCH = "epoch"
    LITELLM = "litellm"


Modality = Literal["text", "image", "audio", "video", "pdf", "file"]


class ScoreRecord(BaseModel):
    """One benchmark result for the model of the enclosing record."""

    model_config = ConfigDict(extra="forbid")

    benchmark_id: str = Field(min_length=1)
    benchmark_name: str = Field(min_length=1)
    score: float
    self_reported: bool | None = None
    source_url: str | None = None
    method: str | None = None
    categories: list[str] = []


class OfferRecord(BaseModel):
    """One inference provider serving the model of the enclosing record."""

    model_config = ConfigDict(extra="forbid")

    provider_id: str = Field(min_length=1)
    provider_name: str | None = None
    provider_model_id: str | None = None
    input_usd_per_1m: float | None = Field(None, ge=0)
    output_usd_per_1m: float | None = Field(None, ge=0)
    max_input_tokens: int | None = Field(None, gt=0)
    max_output_tokens: int | None = Field(None, gt=0)


class ModelRecord(BaseModel):
    """What one source says about one model. Unknown is None, never a made-up default."""

    model_config = ConfigDict(extra="forbid")

    source: SourceName
    source_key: str = Field(
        min_length=1, description="Unique within the source, e.g. 'openrouter/openai/gpt-4o'."
    )
    source_url: str | None = None
    model_id: str = Field(
        min_length=1, description="The source's own id for the model, e.g. 'gpt-4o-2024-08-06'."
    )
    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list, description="Other ids or names the source uses for it.")
    first_party: bool = Field(
        False,
        description="The row comes from the developer itself (e.g. models.dev provider 'openai' for GPT-4o).",
    )

    organization: str | None = Field(None, description="Canonical organisation id (see catalog.orgs).")
    family: str | None = None
    release_date: date | None = None
    parameters: int | None = Field(None, gt=0)
    parameters_disclosed: bool | None = Field(
        None, description="False when the source says the count is undisclosed; None when it says nothing."
    )
    context_length: int | None = Field(None, gt=0)
    max_output: int | None = Field(None, gt=0)
    knowledge_cutoff: date | None = None
    open_weights: bool | None = None
    license: str | None = Field(None, description="Canonical licence id (see catalog.orgs.license_id).")
    license_name: str | None = None
    license_allows_commercial: bool | None = None
    input_modalities: list[Modality] = Field(default_factory=list)
    output_modalities: list[Modality] = Field(default_factory=list)
    reasoning: bool | None = None
    tool_use: bool | None = None
    description: str | None = None

    base_model: str | None = Field(None, description="Id or name of the model this one derives from.")
    base_relation: Literal["FINE_TUNED_FROM", "BASED_ON"] | None = None

    scores: list[ScoreRecord] = Field(default_factory=list)
    offers: list[OfferRecord] = Field(default_factory=list)

    @field_validator("input_modalities", "output_modalities")
    @classmethod
    def _sorted_unique(cls, value: list[str]) -> list[str]:
        return sorted(set(value))

    @field_validator("aliases")
    @classmethod
    def _unique_aliases(cls, value: list[str]) -> list[str]:
        return sorted({v.strip() for v in value if v and v.strip()})


class OrganizationInfo(BaseModel):
    """A canonical organisation, from catalog/organizations.yaml and enriched by sources."""

    id: str
    name: str
    country: str | None = None
    kind: str | None = Field(None, description="company, lab, academic, nonprofit, government, community")
    website: str | None = None
    aliases: list[str] = Field(default_factory=list)


class Quarantined(BaseModel):
    """A source row that failed validation, kept with the reason so an operator can fix and re-run."""

    source: SourceName
    source_key: str
    reason: str
    raw: dict[str, Any]
