"""The catalog ingestion job: read sources, resolve models, merge facts, write the graph.

Safe to re-run: every write is a MERGE keyed by id; a model whose facts are unchanged is
skipped; and each model's `content_hash` is written only after all its facts, so a job
killed half-way is finished by simply running it again.

A re-run groups the records by the rules alone (as a first run would), never by the grouping the
graph holds: a rule change takes full effect. The Model and Listing nodes of an earlier run that
this run does not produce are deleted, when every source they came from was read this run (an
ingestion of one source leaves the others' models alone).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from core.progress import NullProgress, Progress
from kg import queries
from kg.store import GraphStore

from . import orgs
from .curation import Curation, load_curation
from .identity import CanonicalModel, Identity, Listing, identify
from .merge import MergedModel, merge
from .names import Casing, build_casing, disambiguate, display_name, without_tier
from .readers.base import Reader
from .records import ModelRecord, OfferRecord, OrganizationInfo, Quarantined
from .resolve import ModelResolver, normalize


class IngestSummary(BaseModel):
    """What a run did, printed by `llmx ingest catalog --json` and appended to the run log."""

    sources: dict[str, int]
    records_read: int
    skipped_out_of_scope: int
    quarantined: int
    quarantined_by_reason: dict[str, int]
    models: int
    listings: int
    listings_unresolved: int
    created: int
    updated: int
    unchanged: int
    lineage_unresolved: int
    elapsed_s: float


@dataclass
class _Rows:
    models: list[dict[str, Any]]
    marks: list[dict[str, Any]]
    source_records: list[dict[str, Any]]
    developed_by: list[dict[str, Any]]
    licenses: list[dict[str, Any]]
    inputs: list[dict[str, Any]]
    outputs: list[dict[str, Any]]
    fine_tuned_from: list[dict[str, Any]]
    based_on: list[dict[str, Any]]
    scored: list[dict[str, Any]]
    serves: list[dict[str, Any]]


class CatalogIngestJob:
    def __init__(
        self,
        store: GraphStore,
        readers: Sequence[Reader],
        *,
        progress: Progress | None = None,
        run_log: Path | None = None,
        model_batch: int = 250,
        curation: Curation | None = None,
    ) -> None:
        self.store = store
        self.readers = readers
        self.steps: Progress = progress or NullProgress()
        self.run_log = run_log
        self.model_batch = model_batch
        self.curation = curation if curation is not None else load_curation()

    # -- the run --------------------------------------------------------------------------
    def run(self) -> IngestSummary:
        started = time.perf_counter()
        now = datetime.now(UTC).isoformat(timespec="seconds")
        records, quarantined, per_source, skipped = self._read()
        known_orgs = _known_organizations(self.readers)

        anchors = self.store.read(queries.MODEL_ANCHORS)
        stored_hash = {a["id"]: a["content_hash"] for a in anchors}
        clusters = ModelResolver().resolve(records)
        identity = identify(clusters, self.curation)
        casing = build_casing(records)
        merged = [
            merge(m.id, m.records, m.aliases, casing=casing, developer=m.developer, derived_from=m.base_id,
                  evidence=m.evidence.value, name_records=m.own_records())
            for m in identity.models
        ]  # fmt: skip
        names = disambiguate({m.id: m.props["name"] for m in merged})
        for model, m in zip(identity.models, merged, strict=True):
            m.props["name"] = without_tier(names[m.id]) if model.tiered else names[m.id]
            m.props["raw_names"] = sorted(set(model.own_names))  # the group's own names, before listings
        hashes = {m.id: _content_hash(m) for m in merged}
        changed = [m for m in merged if stored_hash.get(m.id) != hashes[m.id]]
        created = sum(1 for m in changed if m.id not in stored_hash)

        lookup = _alias_lookup(identity.models, anchors)
        rows = _build_rows(changed, hashes, lookup)
        unresolved = [r for x in identity.listings if not x.resolved for r in x.records]
        self._write_reference_nodes(merged, known_orgs, now, unresolved)
        self._write_listing_nodes(identity, casing, now)
        self._write_models(rows, now)
        self._link_listings(identity, now)
        self._write_quarantine(quarantined, now)
        self._delete_stale(identity, anchors, set(per_source))

        summary = IngestSummary(
            sources=per_source,
            records_read=len(records),
            skipped_out_of_scope=skipped,
            quarantined=len(quarantined),
            quarantined_by_reason=dict(Counter(_reason_kind(q.reason) for q in quarantined)),
            models=len(merged),
            listings=len(identity.listings),
            listings_unresolved=sum(1 for x in identity.listings if not x.resolved),
            created=created,
            updated=len(changed) - created,
            unchanged=len(merged) - len(changed),
            lineage_unresolved=sum(1 for m in changed if m.base_model and _base_id(m, lookup) is None),
            elapsed_s=round(time.perf_counter() - started, 2),
        )
        self._log(summary, now)
        return summary

    # -- steps ----------------------------------------------------------------------------
    def _delete_stale(self, identity: Identity, anchors: Sequence[dict[str, Any]], read: set[str]) -> None:
        """Models and listings of an earlier run that this run no longer produces, from sources it read."""
        models, listings = {m.id for m in identity.models}, {x.id for x in identity.listings}

        def stale(row: dict[str, Any], current: set[str]) -> bool:
            return row["id"] not in current and set(row["sources"] or []) <= read

        self.store.write(queries.DELETE_MODELS, ids=sorted(a["id"] for a in anchors if stale(a, models)))
        rows = self.store.read(queries.LISTING_ANCHORS)
        self.store.write(queries.DELETE_LISTINGS, ids=sorted(r["id"] for r in rows if stale(r, listings)))

    def _read(self) -> tuple[list[ModelRecord], list[Quarantined], dict[str, int], int]:
        records: list[ModelRecord] = []
        quarantined: list[Quarantined] = []
        per_source: Counter[str] = Counter()
        skipped = 0
        for reader in self.readers:
            task = self.steps.start(f"read {reader.source.value}")
            for item in reader.read():
                if isinstance(item, Quarantined):
                    quarantined.append(item)
                else:
                    records.append(item)
                    per_source[reader.source.value] += 1
                self.steps.advance(task)
            self.steps.finish(task)
            skipped += reader.skipped
        return records, quarantined, dict(per_source), skipped

    def _write_reference_nodes(
        self,
        merged: Sequence[MergedModel],
        known_orgs: dict[str, OrganizationInfo],
        now: str,
        listing_records: Sequence[ModelRecord] = (),
    ) -> None:
        org_rows, license_rows, benchmark_rows, provider_rows = {}, {}, {}, {}
        for o in (o for r in listing_records for o in r.offers):  # providers of unresolved listings
            provider_rows[o.provider_id] = {
                "id": o.provider_id,
                "props": {"name": o.provider_name or o.provider_id},
            }
        for m in merged:
            if m.organization:  # a maker known only from its ids (a fine-tuner's namespace)
                org_rows[m.organization.value] = _org_row(m.organization.value, known_orgs)
            for r in m.records:
                if r.organization:
                    org_rows[r.organization] = _org_row(r.organization, known_orgs)
                if r.license:
                    license_rows[r.license] = {
                        "id": r.license,
                        "props": {"name": r.license_name or r.license,
                                  "allows_commercial": r.license_allows_commercial},
                    }  # fmt: skip
                for s in r.scores:
                    benchmark_rows[s.benchmark_id] = {
                        "id": s.benchmark_id, "props": {"name": s.benchmark_name, "categories": s.categories}
                    }  # fmt: skip
                for o in r.offers:
                    provider_rows[o.provider_id] = {
                        "id": o.provider_id,
                        "props": {"name": o.provider_name or o.provider_id},
                    }
        modalities = [{"id": x} for x in ("text", "image", "audio", "video", "pdf", "file")]
        self.store.write_rows(queries.UPSERT_ORGANIZATIONS, sorted_rows(org_rows), now=now)
        self.store.write_rows(queries.UPSERT_LICENSES, sorted_rows(license_rows), now=now)
        self.store.write_rows(queries.UPSERT_MODALITIES, modalities, now=now)
        self.store.write_rows(queries.UPSERT_BENCHMARKS, sorted_rows(benchmark_rows), now=now)
        self.store.write_rows(queries.UPSERT_PROVIDERS, sorted_rows(provider_rows), now=now)

    def _write_models(self, rows: _Rows, now: str) -> None:
        # 1. every changed model node exists, so lineage edges between them can be written
        task = self.steps.start("write models", total=len(rows.models) * 2)
        for batch in _chunks(rows.models, self.model_batch):
            self.store.write_rows(queries.UPSERT_MODELS, batch, now=now)
            self.steps.advance(task, len(batch))
        # 2. facts per batch of models, then the batch is marked complete
        by_model = _group_by_model(rows)
        for batch in _chunks(rows.marks, self.model_batch):
            ids = {row["id"] for row in batch}
            self.store.write_rows(queries.UNLINK_MODEL_FACTS, batch)  # before the mark: kill-safe
            for query, key in _LINKS:
                part = [row for mid in sorted(ids) for row in by_model[key].get(mid, [])]
                if part:
                    self.store.write_rows(query, part, now=now)
            self.store.write_rows(queries.MARK_MODELS_COMPLETE, batch)
            self.steps.advance(task, len(batch))

    def _write_listing_nodes(self, identity: Identity, casing: Casing, now: str) -> None:
        """Every listing node, before the models. A node that changed kind (a model that is now a
        listing, or the reverse) is replaced."""
        listing_ids = {x.id for x in identity.listings}
        model_ids = {m.id for m in identity.models}
        self.store.write(queries.DELETE_MODELS, ids=sorted(listing_ids - model_ids))
        stale = {r["id"] for r in self.store.read(queries.LISTING_IDS)} & model_ids
        self.store.write(queries.DELETE_LISTINGS, ids=sorted(stale))
        rows = [_listing_row(x, casing) for x in identity.listings]
        task = self.steps.start("write listings", total=len(rows))
        for batch in _chunks(rows, self.model_batch):
            self.store.write_rows(queries.UPSERT_LISTINGS, batch, now=now)
            self.steps.advance(task, len(batch))

    def _link_listings(self, identity: Identity, now: str) -> None:
        """Each listing's model, source records and (unresolved) offerings."""
        records = [
            {"id": _record_id(r), "listing_id": x.id, "rank": rank, "props": _source_record_props(r)}
            for x in identity.listings
            for rank, r in enumerate(x.records)
        ]
        serves = [
            _serves_row(r, o) | {"listing_id": x.id}
            for x in identity.listings
            if not x.resolved
            for r in x.records
            for o in r.offers
        ]
        links = [
            {"id": x.id, "model_id": x.model_id, "evidence": x.evidence.value} for x in identity.listings
        ]
        self.store.write_rows(queries.UNLINK_LISTINGS, links, now=now)
        self.store.write_rows(queries.LINK_LISTING_OF, [x for x in links if x["model_id"]], now=now)
        self.store.write_rows(queries.UPSERT_LISTING_RECORDS, records, now=now)
        serves = _dedupe(serves, ("listing_id", "provider_id", "source", "provider_model_id"))
        self.store.write_rows(queries.LINK_LISTING_SERVES, serves, now=now)

    def _write_quarantine(self, quarantined: Sequence[Quarantined], now: str) -> None:
        rows = {}
        for q in quarantined:
            raw = json.dumps(q.raw, sort_keys=True, default=str)
            key = hashlib.sha1(f"{q.source.value}|{q.source_key}|{raw}".encode()).hexdigest()
            rows[key] = {"id": key, "props": {"source": q.source.value, "source_key": q.source_key,
                                              "reason": q.reason, "raw": raw}}  # fmt: skip
        self.store.write_rows(queries.UPSERT_QUARANTINE, sorted_rows(rows), now=now)

    def _log(self, summary: IngestSummary, now: str) -> None:
        if self.run_log is None:
            return
        self.run_log.parent.mkdir(parents=True, exist_ok=True)
        with self.run_log.open("a") as handle:
            handle.write(json.dumps({"job": "catalog", "started_at": now, **summary.model_dump()}) + "\n")


_LINKS: tuple[tuple[Any, str], ...] = (
    (queries.UPSERT_SOURCE_RECORDS, "source_records"),
    (queries.LINK_DEVELOPED_BY, "developed_by"),
    (queries.LINK_HAS_LICENSE, "licenses"),
    (queries.LINK_SUPPORTS_INPUT, "inputs"),
    (queries.LINK_SUPPORTS_OUTPUT, "outputs"),
    (queries.LINK_FINE_TUNED_FROM, "fine_tuned_from"),
    (queries.LINK_BASED_ON, "based_on"),
    (queries.LINK_SCORED, "scored"),
    (queries.LINK_SERVES, "serves"),
)


def sorted_rows(rows: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [rows[k] for k in sorted(rows)]


def _chunks(rows: Sequence[dict[str, Any]], size: int) -> Iterable[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _group_by_model(rows: _Rows) -> dict[str, dict[str, list[dict[str, Any]]]]:
    grouped: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for _, key in _LINKS:
        per: dict[str, list[dict[str, Any]]] = {}
        for row in getattr(rows, key):
            per.setdefault(row["model_id"], []).append(row)
        grouped[key] = per
    return grouped


def _reason_kind(reason: str) -> str:
    """Group quarantine reasons by their first clause ('context_length: ...' -> 'context_length')."""
    return reason.split(":", 1)[0].strip()[:60] or "invalid"


def _content_hash(m: MergedModel) -> str:
    payload = {
        "props": m.props,
        "records": [r.model_dump(mode="json") for r in m.records],
        "org": m.organization.value if m.organization else None,
        "license": m.license.value if m.license else None,
        "base": [m.base_model.value, m.base_relation] if m.base_model else None,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _alias_lookup(models: Sequence[CanonicalModel], anchors: Sequence[dict[str, Any]]) -> dict[str, str]:
    """Normalized name -> canonical model id, to resolve lineage references like 'Llama 3.1 70B'."""
    lookup: dict[str, str] = {}
    canonical = {m.id for m in models}
    for anchor in anchors:
        if anchor["id"] not in canonical:
            continue  # a model of an earlier run that is now a listing
        for name in [anchor["id"], anchor["name"], *(anchor["aliases"] or [])]:
            if name:
                lookup.setdefault(normalize(name), anchor["id"])
    for cluster in models:
        for name in [cluster.id, *cluster.aliases]:
            lookup.setdefault(normalize(name), cluster.id)
    return lookup


def _base_id(m: MergedModel, lookup: dict[str, str]) -> str | None:
    if not m.base_model:
        return None
    base = lookup.get(normalize(str(m.base_model.value)))
    return base if base != m.id else None


def _known_organizations(readers: Sequence[Reader]) -> dict[str, OrganizationInfo]:
    """The curated registry, with gaps (country, website...) filled from the sources' own org records."""
    known = orgs.organizations()
    for reader in readers:
        for org_id, info in reader.organizations.items():
            if org_id not in known:
                known[org_id] = info
                continue
            current = known[org_id].model_dump()
            gaps = {k: v for k, v in info.model_dump().items() if current.get(k) in (None, []) and v}
            known[org_id] = OrganizationInfo(**(current | gaps))
    return known


def _org_row(org_id: str, known: dict[str, OrganizationInfo]) -> dict[str, Any]:
    info = known.get(org_id)
    props = {"name": info.name, "country": info.country, "kind": info.kind, "website": info.website,
             "aliases": info.aliases} if info else {"name": org_id}  # fmt: skip
    return {"id": org_id, "props": props}


def _build_rows(changed: Sequence[MergedModel], hashes: dict[str, str], lookup: dict[str, str]) -> _Rows:
    rows = _Rows([], [], [], [], [], [], [], [], [], [], [])
    for m in changed:
        rows.models.append({"id": m.id, "props": m.props})
        rows.marks.append({"id": m.id, "content_hash": hashes[m.id]})
        for rank, r in enumerate(m.records):
            rows.source_records.append({"id": _record_id(r), "model_id": m.id, "rank": rank,
                                        "props": _source_record_props(r)})  # fmt: skip
        if m.organization:
            rows.developed_by.append(_fact_row(m.id, "org_id", m.organization))
        if m.license:
            rows.licenses.append(_fact_row(m.id, "license_id", m.license))
        for modality in m.inputs.value if m.inputs else []:
            rows.inputs.append({"model_id": m.id, "modality": modality, "sources": m.inputs.sources})  # type: ignore[union-attr]
        for modality in m.outputs.value if m.outputs else []:
            rows.outputs.append({"model_id": m.id, "modality": modality, "sources": m.outputs.sources})  # type: ignore[union-attr]
        base = _base_id(m, lookup)
        if base and m.base_model:
            target = rows.fine_tuned_from if m.base_relation == "FINE_TUNED_FROM" else rows.based_on
            target.append(_fact_row(m.id, "base_id", m.base_model) | {"base_id": base})
        for r in m.records:
            for s in r.scores:
                rows.scored.append({"model_id": m.id, "benchmark_id": s.benchmark_id, "source": r.source.value,
                                    "props": {"score": s.score, "self_reported": s.self_reported,
                                              "source_url": s.source_url, "method": s.method}})  # fmt: skip
            for o in r.offers:
                rows.serves.append(_serves_row(r, o) | {"model_id": m.id})
    rows.scored = _dedupe(rows.scored, ("model_id", "benchmark_id", "source"))
    rows.serves = _dedupe(rows.serves, ("model_id", "provider_id", "source", "provider_model_id"))
    return rows


def _serves_row(r: ModelRecord, o: OfferRecord) -> dict[str, Any]:
    """A provider's offering: its own model id, prices and limits (a `SERVES` edge)."""
    return {
        "provider_id": o.provider_id, "source": r.source.value, "provider_model_id": o.provider_model_id or r.model_id,
        "props": {"input_usd_per_1m": o.input_usd_per_1m, "output_usd_per_1m": o.output_usd_per_1m,
                  "max_input_tokens": o.max_input_tokens, "max_output_tokens": o.max_output_tokens,
                  "source_url": r.source_url},
    }  # fmt: skip


def _record_id(r: ModelRecord) -> str:
    return f"{r.source.value}:{r.source_key}"


def _listing_row(x: Listing, casing: Casing) -> dict[str, Any]:
    name = display_name(x.records, casing)
    return {"id": x.id, "props": {
        "name": name, "aliases": sorted(set(x.aliases) - {name}), "sources": sorted({r.source.value for r in x.records}),
        "status": "resolved" if x.resolved else "unresolved", "evidence": x.evidence.value,
        "candidates": x.candidates, "model_id": x.model_id, "records": [_record_id(r) for r in x.records],
        "raw_names": sorted(set(x.aliases)),
    }}  # fmt: skip


def _dedupe(rows: list[dict[str, Any]], key: tuple[str, ...]) -> list[dict[str, Any]]:
    """Keep the first row per key, so one MERGE target never receives two conflicting writes."""
    seen: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        seen.setdefault(tuple(row[k] for k in key), row)
    return list(seen.values())


def _fact_row(model_id: str, key: str, choice: Any) -> dict[str, Any]:
    return {
        "model_id": model_id,
        key: choice.value,
        "sources": choice.sources,
        "source_url": choice.source_url,
    }


def _source_record_props(r: ModelRecord) -> dict[str, Any]:
    """What this source said, flat, so conflicting values stay queryable."""
    data = r.model_dump(exclude={"scores", "offers"})
    data["url"] = data.pop("source_url")
    data["source"] = r.source.value
    return {k: v for k, v in data.items() if v is not None and v != []}
