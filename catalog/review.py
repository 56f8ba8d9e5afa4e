"""What entity resolution is unsure about, for an operator to decide (`llmx catalog review`).

Two lists, read from the graph the last ingestion wrote:
- candidate merges: unresolved listings with the canonical models they could be (`candidates`,
  with each one's name and developer) and the evidence;
- unresolved listings: those no canonical model comes near.
A decision is recorded in catalog/curation.yaml (see catalog/curation.py) and applied by the next
`llmx ingest catalog`; a listing decided there leaves the review.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from kg import queries
from kg.store import GraphStore

from .curation import CURATION_FILE, load_curation


class Candidate(BaseModel):
    model: str
    name: str | None = None
    developer: str | None = None


class ReviewItem(BaseModel):
    listing: str = Field(description="The listing id; `listing:` in a curation decision.")
    name: str | None = None
    aliases: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    records: list[str] = Field(default_factory=list, description="SourceRecord ids: source:source_key.")
    evidence: str | None = None
    candidates: list[Candidate] = Field(default_factory=list)


class Review(BaseModel):
    curation_file: str
    decisions: int = Field(description="Decisions recorded in the curation file.")
    candidate_merges: list[ReviewItem]
    unresolved: list[ReviewItem]


def review(store: GraphStore, curation_path: Path | None = None) -> Review:
    """Unresolved listings from the graph, split by whether they have candidate models."""
    path = curation_path or CURATION_FILE
    curation = load_curation(path)
    rows = [r for r in store.read(queries.UNRESOLVED_LISTINGS) if curation.find(_names(r)) is None]
    wanted = sorted({c for r in rows for c in r["candidates"] or []})
    models = {m["id"]: m for m in store.read(queries.MODEL_NAMES, ids=wanted)} if wanted else {}
    items = [_item(r, models) for r in rows]
    return Review(
        curation_file=str(path),
        decisions=len(curation.decisions),
        candidate_merges=[i for i in items if i.candidates],
        unresolved=[i for i in items if not i.candidates],
    )


def _names(row: dict[str, Any]) -> set[str]:
    records = row["records"] or []
    return {row["id"], *(row["aliases"] or []), *records, *(r.split(":", 1)[-1] for r in records)}


def _item(row: dict[str, Any], models: dict[str, dict[str, Any]]) -> ReviewItem:
    candidates = [
        Candidate(model=c, name=models.get(c, {}).get("name"), developer=models.get(c, {}).get("developer"))
        for c in row["candidates"] or []
    ]
    return ReviewItem(
        listing=row["id"],
        name=row["name"],
        aliases=row["aliases"] or [],
        sources=row["sources"] or [],
        records=row["records"] or [],
        evidence=row["evidence"],
        candidates=candidates,
    )


class AuditRow(BaseModel):
    id: str
    name: str | None
    developer: str
    records: list[str]


def audit_sample(store: GraphStore, size: int = 200, seed: int = 10) -> list[AuditRow]:
    """`size` canonical models drawn at random (models sorted by id, `random.Random(seed).sample`),
    the sample of the hand audits in tests/data/model_audit_*.csv (seed 10: the first and second
    passes; seed 11: model_audit_pass3.csv; seeds 11, 12 and 13: model_audit_pass4_seed*.csv)."""
    rows = sorted(store.read(queries.AUDIT_MODELS), key=lambda r: r["id"])
    drawn = random.Random(seed).sample(rows, min(size, len(rows)))
    return [
        AuditRow(
            id=r["id"], name=r["name"], developer=(r["developer"] or ["unknown"])[0], records=r["records"]
        )
        for r in drawn
    ]
