"""LLM-Stats (llm-leaderboard repo): one record per organizations/*/models/*/model.json.

The tree is normalised like a database: licences, benchmark definitions and provider offerings
live in their own files and are joined here by id. Context length and modalities are not on the
model itself, so they are derived from its provider offerings (largest limit, union of flags).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from catalog.orgs import license_id, org_from_source, org_id, organizations
from catalog.readers.base import (
    Reader,
    ReaderError,
    Row,
    RowError,
    parse_date,
    positive_or_none,
    require,
    summarize,
)
from catalog.records import OfferRecord, OrganizationInfo, Quarantined, ScoreRecord, SourceName

_LINKS = (
    "source_scorecard_blog_link",
    "source_paper",
    "source_weights_link",
    "source_repo_link",
    "source_api_ref",
    "source_playground",
)
_MODALITIES = ("text", "image", "audio", "video")


class LlmStatsReader(Reader):
    """Reads the LLM-Stats data tree rooted at `root` (the folder holding organizations/)."""

    source = SourceName.LLM_STATS

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self._bad: list[Row] = []  # quarantined rows of the side files, yielded with the models

    def read(self) -> Iterator[Row]:
        self.skipped = 0
        self._bad = []
        model_files = self._model_files()
        licenses = self._index("licenses", "license_id")
        benchmarks = self._index("benchmarks", "benchmark_id")
        orgs = self._organizations()
        offers = self._offers()
        yield from self._bad
        for path in model_files:
            raw = self._load(path)
            if isinstance(raw, Quarantined):
                yield raw
                continue
            key = raw.get("model_id") if isinstance(raw, dict) else None
            key = key if isinstance(key, str) and key else path.parent.name
            scores = self._scores(key, path.with_name("benchmarks.json"), benchmarks)
            yield from (s for s in scores if isinstance(s, Quarantined))
            convert = partial(
                self._fields,
                raw,
                orgs,
                licenses,
                [s for s in scores if isinstance(s, ScoreRecord)],
                offers.get(key, []),
            )
            row = self._build(key, raw, convert)
            if row is not None:
                yield row

    # --- files --------------------------------------------------------------------------------

    def _model_files(self) -> list[Path]:
        if not self.root.is_dir():
            raise ReaderError(f"Cannot read LLM-Stats data: {self.root} does not exist or is not a folder.")
        if not (self.root / "organizations").is_dir():
            raise ReaderError(f"Cannot read LLM-Stats data: {self.root} has no organizations/ folder.")
        files = sorted(self.root.glob("organizations/*/models/*/model.json"))
        if not files:
            raise ReaderError(
                f"Cannot read LLM-Stats data: {self.root} holds no organizations/*/models/*/model.json."
            )
        return files

    def _load(self, path: Path) -> Any:
        """The parsed file, or a Quarantined row saying why it cannot be parsed."""
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            key = str(path.relative_to(self.root))
            return self._quarantine(key, f"{key} is not readable JSON ({error})", {"path": key})

    def _index(self, folder: str, id_field: str) -> dict[str, dict[str, Any]]:
        index: dict[str, dict[str, Any]] = {}
        for path in sorted((self.root / folder).glob("*.json")):
            item = self._load(path)
            if isinstance(item, Quarantined):
                self._bad.append(item)
            elif isinstance(item, dict) and item.get(id_field):
                index[item[id_field]] = item
            else:
                self._bad.append(
                    self._quarantine(path.stem, f"no {id_field!r} in {folder}/{path.name}", item)
                )
        return index

    def _organizations(self) -> dict[str, str | None]:
        """Source organisation id -> canonical id; fills `self.organizations` from organization.json."""
        known = organizations()
        mapping: dict[str, str | None] = {}
        for path in sorted(self.root.glob("organizations/*/organization.json")):
            item = self._load(path)
            if not isinstance(item, dict):
                self._bad.append(
                    item
                    if isinstance(item, Quarantined)
                    else self._quarantine(path.parent.name, "not an object", item)
                )
                continue
            source_id = item.get("organization_id") or path.parent.name
            name = item.get("name") or source_id
            canonical = org_id(source_id) or org_id(name) or org_from_source(name)
            mapping[source_id] = canonical
            if canonical is None:
                continue
            info = known.get(canonical) or OrganizationInfo.model_validate(
                {"id": canonical, "name": name, "website": item.get("website") or None}
            )
            info.country = info.country or item.get("country")
            info.aliases = sorted({*info.aliases, source_id, name})
            self.organizations[canonical] = info
        return mapping

    def _offers(self) -> dict[str, list[tuple[OfferRecord, dict[str, Any]]]]:
        """Model id -> (validated offer, raw offering row) over every providers/*/models.json."""
        offers: dict[str, list[tuple[OfferRecord, dict[str, Any]]]] = defaultdict(list)
        for path in sorted(self.root.glob("providers/*/models.json")):
            provider = self._load(path.with_name("provider.json"))
            provider = provider if isinstance(provider, dict) else {}
            rows = self._load(path)
            if not isinstance(rows, list):
                key = str(path.relative_to(self.root))
                self._bad.append(
                    rows if isinstance(rows, Quarantined) else self._quarantine(key, "not a list", rows)
                )
                continue
            for row in rows:
                row_id = row.get("model_provider_id") if isinstance(row, dict) else "?"
                key = f"providers/{path.parent.name}/{row_id}"
                try:
                    offer = OfferRecord(
                        provider_id=require(row, "provider_id"),
                        provider_name=provider.get("name"),
                        provider_model_id=row.get("provider_model_id_used"),
                        input_usd_per_1m=_usd(row.get("input_cents_per_million_tokens")),
                        output_usd_per_1m=_usd(row.get("output_cents_per_million_tokens")),
                        max_input_tokens=positive_or_none(row.get("max_input_tokens")),
                        max_output_tokens=positive_or_none(row.get("max_output_tokens")),
                    )
                    offers[require(row, "model_id")].append((offer, row))
                except ValidationError as error:
                    self._bad.append(self._quarantine(key, f"offer: {summarize(error)}", row))
                except (RowError, TypeError) as error:
                    self._bad.append(self._quarantine(key, f"offer: {error}", row))
        return offers

    def _scores(self, model_id: str, path: Path, benchmarks: dict[str, dict[str, Any]]) -> list[Any]:
        """Validated ScoreRecords, plus Quarantined rows for malformed benchmark results."""
        if not path.is_file():
            return []
        rows = self._load(path)
        if isinstance(rows, Quarantined):
            return [rows]
        out: list[Any] = []
        for row in rows if isinstance(rows, list) else [rows]:
            bench_id = row.get("benchmark_id") if isinstance(row, dict) else None
            try:
                info = benchmarks.get(require(row, "benchmark_id"), {})
                score = {
                    "benchmark_id": bench_id,
                    "benchmark_name": row.get("benchmark_name") or info.get("name") or bench_id,
                    "score": require(row, "score"),
                    "self_reported": row.get("is_self_reported"),
                    "source_url": row.get("self_reported_source_link"),
                    "method": row.get("analysis_method"),
                    "categories": info.get("categories") or [],
                }
                out.append(ScoreRecord.model_validate(score))
            except (ValidationError, RowError, TypeError) as error:
                reason = summarize(error) if isinstance(error, ValidationError) else str(error)
                out.append(self._quarantine(f"{model_id}/benchmarks/{bench_id}", f"score: {reason}", row))
        return out

    # --- one model ----------------------------------------------------------------------------

    def _fields(
        self,
        raw: Any,
        orgs: dict[str, str | None],
        licenses: dict[str, dict[str, Any]],
        scores: list[ScoreRecord],
        offers: list[tuple[OfferRecord, dict[str, Any]]],
    ) -> dict[str, Any]:
        model_id = require(raw, "model_id")
        source_org = raw.get("organization_id")
        organization = orgs.get(source_org) if source_org in orgs else org_from_source(source_org or "")
        source_license = raw.get("license_id")
        license_info = licenses.get(source_license, {}) if source_license else {}
        canonical_license = license_id(source_license)
        proprietary = canonical_license == "proprietary"
        weights = raw.get("source_weights_link")
        params = raw.get("param_count")
        flags = [row for _, row in offers]
        return {
            "model_id": model_id,
            "name": raw.get("name") or model_id,
            "source_url": next((raw[k] for k in _LINKS if raw.get(k)), None),
            "aliases": [
                o.provider_model_id for o, _ in offers if o.provider_model_id not in (None, model_id)
            ],
            "organization": organization,
            "family": raw.get("model_family_id"),
            "release_date": parse_date(raw.get("release_date"), "release_date")
            or parse_date(raw.get("announcement_date"), "announcement_date"),
            "parameters": params,
            "parameters_disclosed": True if params else (False if proprietary or not weights else None),
            "knowledge_cutoff": parse_date(raw.get("knowledge_cutoff"), "knowledge_cutoff"),
            "open_weights": True if weights else (False if proprietary else None),
            "license": canonical_license,
            "license_name": license_info.get("name") if canonical_license else None,
            "license_allows_commercial": license_info.get("allow_commercial") if canonical_license else None,
            "description": raw.get("description") or None,
            "base_model": raw.get("fine_tuned_from_model_id"),
            "base_relation": "FINE_TUNED_FROM" if raw.get("fine_tuned_from_model_id") else None,
            "context_length": max(
                (o.max_input_tokens for o, _ in offers if o.max_input_tokens), default=None
            ),
            "max_output": max((o.max_output_tokens for o, _ in offers if o.max_output_tokens), default=None),
            "input_modalities": [m for m in _MODALITIES if any(r.get(f"input_modality_{m}") for r in flags)],
            "output_modalities": [
                m for m in _MODALITIES if any(r.get(f"output_modality_{m}") for r in flags)
            ],
            "tool_use": any(r.get("feature_function_calling") for r in flags) if flags else None,
            "scores": scores,
            "offers": [o for o, _ in offers],
        }


def _usd(cents: Any) -> float | None:
    """LLM-Stats prices are cents per million tokens; the contract wants USD per million."""
    if cents is None:
        return None
    if isinstance(cents, bool) or not isinstance(cents, int | float):
        raise RowError(f"price {cents!r} is not a number")
    return round(cents / 100, 6)
