"""The graph schema, in one place: labels, relationship types, constraints and indexes.

Applying it is idempotent on both backends. The only per-backend difference (which index
DDL each accepts) lives in `backend_statements`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Label(StrEnum):
    MODEL = "Model"
    ORGANIZATION = "Organization"
    LICENSE = "License"
    MODALITY = "Modality"
    BENCHMARK = "Benchmark"
    PROVIDER = "Provider"
    SOURCE_RECORD = "SourceRecord"
    QUARANTINED = "QuarantinedRow"
    LISTING = "Listing"
    ARTICLE = "Article"
    SOURCE = "Source"
    TOPIC = "Topic"
    CHUNK = "Chunk"
    DOCUMENT = "Document"  # a private upload of one tenant (services/documents.py)


class Rel(StrEnum):
    DEVELOPED_BY = "DEVELOPED_BY"
    FINE_TUNED_FROM = "FINE_TUNED_FROM"
    BASED_ON = "BASED_ON"
    HAS_LICENSE = "HAS_LICENSE"
    SUPPORTS_INPUT = "SUPPORTS_INPUT"
    SUPPORTS_OUTPUT = "SUPPORTS_OUTPUT"
    SCORED = "SCORED"
    SERVES = "SERVES"
    DESCRIBED_BY = "DESCRIBED_BY"
    PUBLISHED_BY = "PUBLISHED_BY"
    MENTIONS = "MENTIONS"
    ABOUT = "ABOUT"
    NEAR_DUPLICATE_OF = "NEAR_DUPLICATE_OF"
    HAS_CHUNK = "HAS_CHUNK"
    LISTING_OF = "LISTING_OF"


# -- properties ------------------------------------------------------------------------------
# What the catalog and news jobs write, per label: the text-to-Cypher gate admits only these, and a
# test checks that the catalog's record types write nothing outside them.

# Scalar and list fields merged from the sources onto a Model node (each with a `<field>_source`).
MODEL_SCALAR_FIELDS: tuple[str, ...] = (
    "family", "release_date", "parameters", "context_length", "max_output", "knowledge_cutoff",
    "open_weights", "reasoning", "tool_use", "description",
)  # fmt: skip
MODEL_LIST_FIELDS: tuple[str, ...] = ("input_modalities", "output_modalities")
_MODEL_FIELDS = (*MODEL_SCALAR_FIELDS, *MODEL_LIST_FIELDS)
_COMMON = frozenset({"id", "name", "ingested_at", "updated_at"})
SOURCE_RECORD_FIELDS = frozenset({
    "aliases", "base_model", "base_relation", "context_length", "description", "family", "first_party",
    "input_modalities", "knowledge_cutoff", "license", "license_allows_commercial", "license_name",
    "max_output", "model_id", "name", "open_weights", "organization", "output_modalities", "parameters",
    "parameters_disclosed", "reasoning", "release_date", "source", "source_key", "tool_use", "url",
})  # fmt: skip
SCORE_FIELDS = frozenset(
    {"benchmark_id", "benchmark_name", "categories", "method", "score", "self_reported", "source_url"}
)
OFFER_FIELDS = frozenset({
    "input_usd_per_1m", "max_input_tokens", "max_output_tokens", "output_usd_per_1m", "provider_id",
    "provider_model_id", "provider_name",
})  # fmt: skip
ORGANIZATION_FIELDS = frozenset({"aliases", "country", "id", "kind", "name", "website"})

NODE_PROPERTIES: dict[str, frozenset[str]] = {
    "Model": _COMMON | set(_MODEL_FIELDS) | {f"{f}_source" for f in _MODEL_FIELDS}
             | {"aliases", "sources", "parameters_status", "content_hash", "classification",
                "identity_evidence", "developer_status", "raw_names"},
    # A source listing that is not a model of its own: resolved (LISTING_OF a Model) or unresolved.
    "Listing": _COMMON | {"aliases", "sources", "status", "evidence", "candidates", "model_id", "records", "raw_names"},
    "Organization": _COMMON | ORGANIZATION_FIELDS,
    "License": _COMMON | {"allows_commercial"},
    "Modality": _COMMON,
    "Benchmark": _COMMON | {"categories"},
    "Provider": _COMMON,
    "Source": _COMMON,
    "Topic": _COMMON | {"kind", "description"},
    "SourceRecord": _COMMON | SOURCE_RECORD_FIELDS,
    "Article": _COMMON | {
        "title", "url", "permalink", "published", "source", "source_name", "source_key", "summary", "text", "body",
        "content_hash", "complete_hash", "categories", "gold_models", "gold_companies", "gold_topics",
        "classification", "tenant", "sentiment", "sentiment_label", "near_of", "near_reason"},
    "Document": _COMMON | {"title", "classification", "tenant", "created_at", "created_by", "chars"},
    "Chunk": frozenset({"id", "doc_id", "kind", "text", "classification", "tenant", "title", "url", "date",
                        "content_hash"}),
}  # fmt: skip
RELATIONSHIP_PROPERTIES: frozenset[str] = frozenset(
    {"sources", "source_url", "ingested_at", "rank", "source", "count", "confidence", "surface_forms", "reason", "evidence"}
    | SCORE_FIELDS | OFFER_FIELDS
)  # fmt: skip


class Backend(StrEnum):
    NEO4J = "neo4j"
    ARCADEDB = "arcadedb"


@dataclass(frozen=True)
class Unique:
    label: Label
    prop: str = "id"

    @property
    def name(self) -> str:
        return f"{self.label.value.lower()}_{self.prop}_unique"


@dataclass(frozen=True)
class RangeIndex:
    label: Label
    prop: str

    @property
    def name(self) -> str:
        return f"{self.label.value.lower()}_{self.prop}"


# Every node label is addressed by a unique `id`.
CONSTRAINTS: tuple[Unique, ...] = tuple(Unique(label) for label in Label)

INDEXES: tuple[RangeIndex, ...] = (
    RangeIndex(Label.MODEL, "name"),
    RangeIndex(Label.MODEL, "family"),
    RangeIndex(Label.MODEL, "release_date"),
    RangeIndex(Label.ORGANIZATION, "name"),
    RangeIndex(Label.SOURCE_RECORD, "source"),
    RangeIndex(Label.QUARANTINED, "source"),
    RangeIndex(Label.LISTING, "status"),
    RangeIndex(Label.ARTICLE, "published"),
    RangeIndex(Label.ARTICLE, "url"),
    RangeIndex(Label.ARTICLE, "content_hash"),
    RangeIndex(Label.CHUNK, "doc_id"),
)

# Fields of a Model that operators check for coverage (`llmx graph stats`).
MODEL_CORE_FIELDS: tuple[str, ...] = (
    "release_date",
    "context_length",
    "max_output",
    "knowledge_cutoff",
    "parameters",
    "open_weights",
    "description",
    "family",
)


def constraint_statement(c: Unique) -> str:
    # Labels and property names come from the enums above, never from input.
    return f"CREATE CONSTRAINT {c.name} IF NOT EXISTS FOR (n:{c.label.value}) REQUIRE n.{c.prop} IS UNIQUE"


def index_statement(i: RangeIndex) -> str:
    return f"CREATE INDEX {i.name} IF NOT EXISTS FOR (n:{i.label.value}) ON (n.{i.prop})"


def backend_statements(backend: Backend) -> list[str]:
    """All schema DDL for one backend.

    Neo4j also gets a full-text index over model names; ArcadeDB rejects
    `CREATE FULLTEXT INDEX` through Cypher, so it gets the range indexes only.
    """
    statements = [constraint_statement(c) for c in CONSTRAINTS]
    statements += [index_statement(i) for i in INDEXES]
    if backend is Backend.NEO4J:
        statements.append(
            "CREATE FULLTEXT INDEX model_names IF NOT EXISTS FOR (n:Model) ON EACH [n.name, n.description]"
        )
    return statements
