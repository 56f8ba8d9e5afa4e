"""Epoch AI model tables (notable_ai_models / all_ai_models CSV), language models only.

Epoch is the lineage and scale source: parameter counts, base models, accessibility, country.
Given a directory, the Benchmarking Hub runs are attached as scores: a run's model version maps
to an Epoch model name (model_versions.csv), matched to the table's `Model` after normalisation.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from catalog.orgs import normalize, org_from_source, organizations, slugify
from catalog.readers.base import Reader, ReaderError, Row, RowError, load_csv, parse_date, require, summarize
from catalog.records import OrganizationInfo, ScoreRecord, SourceName

_REQUIRED = {"Model", "Organization", "Publication date", "Domain", "Parameters", "Model accessibility"}
_CLOSED = ("API access", "Hosted access", "Unreleased")
_KINDS = {
    "industry": "company",
    "academia": "academic",
    "government": "government",
    "research collective": "community",
}
_COUNTRIES = {
    "United States of America": "US",
    "China": "CN",
    "United Kingdom of Great Britain and Northern Ireland": "GB",
    "Korea (Republic of)": "KR",
    "Canada": "CA",
    "France": "FR",
    "Germany": "DE",
    "Japan": "JP",
    "Israel": "IL",
    "India": "IN",
    "United Arab Emirates": "AE",
    "Saudi Arabia": "SA",
    "Singapore": "SG",
    "Switzerland": "CH",
    "Russia": "RU",
    "Taiwan": "TW",
    "Netherlands": "NL",
    "Finland": "FI",
}


class EpochReader(Reader):
    """Reads one Epoch CSV, or a directory with notable_ai_models_*.csv and the Benchmarking Hub."""

    source = SourceName.EPOCH

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.unmatched_runs = 0  # hub runs whose model is not a language model of the table

    def read(self) -> Iterator[Row]:
        self.skipped = 0
        self.unmatched_runs = 0
        table = self._table_path()
        rows = load_csv(table, "Epoch AI models table", _REQUIRED)
        scores, bad_runs = self._hub_scores() if self.path.is_dir() else ({}, [])
        yield from bad_runs
        matched: set[str] = set()
        seen: set[str] = set()
        known = organizations()
        for number, raw in enumerate(rows, start=2):  # line 1 is the header
            if "Language" not in (raw.get("Domain") or ""):
                self.skipped += 1
                continue
            name = (raw.get("Model") or "").strip()
            key = name or f"{table.name}:{number}"
            if key in seen:
                key = f"{key} ({(raw.get('Publication date') or '').strip() or number})"
            seen.add(key)
            model_scores = scores.get(normalize(name), []) if name else []
            if model_scores:
                matched.add(normalize(name))
            row = self._build(key, raw, partial(self._fields, raw, model_scores, known))
            if row is not None:
                yield row
        self.unmatched_runs = sum(len(v) for k, v in scores.items() if k not in matched)

    def _table_path(self) -> Path:
        if self.path.is_file():
            return self.path
        if not self.path.is_dir():
            raise ReaderError(f"Cannot read Epoch AI data: {self.path} does not exist.")
        tables = sorted(self.path.glob("notable_ai_models_*.csv"))
        if not tables:
            raise ReaderError(
                f"Cannot read Epoch AI data: {self.path} holds no notable_ai_models_*.csv file."
            )
        return tables[-1]

    def _hub_scores(self) -> tuple[dict[str, list[ScoreRecord]], list[Row]]:
        """Normalised Epoch model name -> its Benchmarking Hub scores (empty without hub files)."""
        runs_files = sorted(self.path.glob("benchmarking_hub_benchmarks_runs_*.csv"))
        version_files = sorted(self.path.glob("benchmarking_hub_model_versions_*.csv"))
        if not runs_files or not version_files:
            return {}, []
        versions = {
            v["id"]: v["Model"]
            for v in load_csv(version_files[-1], "Epoch Benchmarking Hub model versions", {"id", "Model"})
        }
        columns = {"id", "task", "model", "Best score (across scorers)"}
        scores: dict[str, list[ScoreRecord]] = defaultdict(list)
        bad: list[Row] = []
        for run in load_csv(runs_files[-1], "Epoch Benchmarking Hub runs", columns):
            key = f"benchmark-run/{run.get('id')}"
            try:
                task, version = require(run, "task").strip(), require(run, "model").strip()
                score = ScoreRecord(
                    benchmark_id=slugify(task),
                    benchmark_name=task,
                    score=require(run, "Best score (across scorers)"),
                    self_reported=False,
                    source_url=(run.get("log viewer") or "").strip() or None,
                    method=version,
                )
            except ValidationError as error:
                bad.append(self._quarantine(key, f"score: {summarize(error)}", run))
                continue
            except RowError as error:
                bad.append(self._quarantine(key, f"score: {error}", run))
                continue
            scores[normalize(versions.get(version) or version)].append(score)
        return scores, bad

    def _fields(
        self, raw: dict[str, str], scores: list[ScoreRecord], known: dict[str, OrganizationInfo]
    ) -> dict[str, Any]:
        name = require(raw, "Model").strip()
        access = (raw.get("Model accessibility") or "").strip()
        params = _parameters(raw.get("Parameters"))
        base = _first(raw.get("Base model"), ",")
        link = _first(raw.get("Link"), None)
        return {
            "model_id": name,
            "name": name,
            "source_url": link,
            "organization": self._organization(raw, known),
            "release_date": parse_date(raw.get("Publication date"), "Publication date"),
            "parameters": params,
            "parameters_disclosed": True if params else (False if access.startswith(_CLOSED) else None),
            "open_weights": True
            if access.startswith("Open weights")
            else (False if access.startswith(_CLOSED) else None),
            "description": (raw.get("Abstract") or "").strip() or None,
            "base_model": base,
            "base_relation": (
                ("FINE_TUNED_FROM" if (raw.get("Finetune compute (FLOP)") or "").strip() else "BASED_ON")
                if base
                else None
            ),
            "scores": scores,
        }

    def _organization(self, raw: dict[str, str], known: dict[str, OrganizationInfo]) -> str | None:
        """First listed organisation; unknown ones are created with Epoch's country and category."""
        name = _first(raw.get("Organization"), ",")
        org = org_from_source(name) if name else None
        if name is None or org is None or org in known or org in self.organizations:
            return org
        country = _first(raw.get("Country (of organization)") or raw.get("Country (from Organization)"), ",")
        category = (_first(raw.get("Organization categorization"), ",") or "").lower()
        self.organizations[org] = OrganizationInfo(
            id=org,
            name=name,
            country=_COUNTRIES.get(country or "", country),
            kind=_KINDS.get(category),
            aliases=[name],
        )
        return org


def _first(value: str | None, separator: str | None) -> str | None:
    """First item of a list-valued cell ('Google,Google Research' -> 'Google'); '' -> None."""
    parts = (value or "").strip().split(separator) if (value or "").strip() else []
    return parts[0].strip() or None if parts else None


def _parameters(value: str | None) -> int | None:
    """'1.76e+12' -> 1760000000000; empty -> None; anything else is a row error."""
    text = (value or "").strip()
    if not text:
        return None
    if not re.fullmatch(r"[-+]?\d+(\.\d*)?([eE][-+]?\d+)?", text):
        raise RowError(f"Parameters: {text!r} is not a number")
    return round(float(text))
