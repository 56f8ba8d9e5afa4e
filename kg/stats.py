"""Counts and field coverage of the graph, for operators (`llmx graph stats`) and for checks."""

from __future__ import annotations

from pydantic import BaseModel, Field

from . import queries
from .store import GraphStore

# An LLM is "complete" for analysts when it has all of these (see the catalog issue).
COMPLETE_FIELDS = ("organization", "release_date", "context_length", "input_modalities", "output_modalities")


class GraphStats(BaseModel):
    backend: str
    database: str
    nodes: dict[str, int]
    relationships: dict[str, int]
    models: int = Field(description="Canonical models: one Model node per real model.")
    listings: int = Field(0, description="Source entries that are not models of their own (Listing nodes).")
    listings_resolved: int = Field(0, description="Listings LISTING_OF a canonical model.")
    listings_unresolved: int = Field(0, description="Listings no model could be given with confidence.")
    aliases: int = Field(0, description="Ids and names of canonical models, searchable in Model.aliases.")
    developer_unknown: int = Field(0, description="Canonical models whose developer no source shows.")
    model_field_coverage: dict[str, int]
    models_complete: int
    models_with_parameters_or_undisclosed: int


def graph_stats(store: GraphStore) -> GraphStats:
    nodes = {r["label"]: r["count"] for r in store.read(queries.NODE_COUNTS)}
    rels = {r["type"]: r["count"] for r in store.read(queries.RELATIONSHIP_COUNTS)}
    identity = store.read(queries.IDENTITY_COUNTS)[0]
    listings = {r["status"]: r["count"] for r in store.read(queries.LISTING_COUNTS)}
    coverage_rows = store.read(queries.MODEL_COVERAGE)
    fields = [k for k in (coverage_rows[0] if coverage_rows else {}) if k != "id"]
    coverage = {f: sum(1 for row in coverage_rows if row[f]) for f in fields}
    complete = sum(
        1
        for row in coverage_rows
        if all(row[f] for f in COMPLETE_FIELDS) and (row["license"] or row["open_weights"])
    )
    return GraphStats(
        backend=store.backend.value,
        database=store.database,
        nodes=nodes,
        relationships=rels,
        models=nodes.get("Model", 0),
        listings=sum(listings.values()),
        listings_resolved=listings.get("resolved", 0),
        listings_unresolved=listings.get("unresolved", 0),
        aliases=identity["aliases"] or 0,
        developer_unknown=identity["developer_unknown"] or 0,
        model_field_coverage=coverage,
        models_complete=complete,
        models_with_parameters_or_undisclosed=coverage.get("parameters_or_undisclosed", 0),
    )
