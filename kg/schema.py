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
    ARTICLE = "Article"
    SOURCE = "Source"
    TOPIC = "Topic"
    CHUNK = "Chunk"


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
