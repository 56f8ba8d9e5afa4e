"""Catalog ingestion end to end: real sources, real embedded graph over Bolt, real CLI."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from catalog.identity import Evidence
from catalog.job import CatalogIngestJob, IngestSummary
from catalog.merge import LIST_FIELDS, SCALAR_FIELDS
from catalog.review import audit_sample
from catalog.sources import readers_for
from core.settings import Settings
from kg import queries
from kg.stats import graph_stats
from kg.store import GraphStore

ALL_SOURCES = "all sources"
AUDIT_AFTER = Path(__file__).resolve().parents[1] / "data" / "model_audit_after.csv"
AUDIT_BEFORE = Path(__file__).resolve().parents[1] / "data" / "model_audit_before.csv"
# The third pass's audit: a sample (seed 11) of the graph the third pass's rules built (history).
AUDIT_PASS3 = Path(__file__).resolve().parents[1] / "data" / "model_audit_pass3.csv"
# The audits of the graph the current rules build: the same seed (11) as the third pass's; seed 12,
# drawn after the fourth pass's rules (94.5% then, 189/200) and read again after the fifth pass's,
# whose rules were written from its misses; and seed 13, drawn after the fifth pass's rules were
# final (the figure to quote). Verdicts of models already judged in an earlier audit were carried
# over by (id, name, developer); every other row was judged by hand.
AUDIT_PASS4 = {
    11: Path(__file__).resolve().parents[1] / "data" / "model_audit_pass4_seed11.csv",
    12: Path(__file__).resolve().parents[1] / "data" / "model_audit_pass4_seed12.csv",
    13: Path(__file__).resolve().parents[1] / "data" / "model_audit_pass4_seed13.csv",
}
AUDIT_FLOOR = {11: 0.98, 12: 0.98, 13: 0.97}  # measured 98.5% (197/200), 98.0% (196/200), 97.5% (195/200)


def ingest(store: GraphStore, data: Path, installed: bool = True) -> IngestSummary:
    return CatalogIngestJob(store, readers_for([], installed=installed, data_dir=data)).run()


def snapshot(store: GraphStore) -> dict[str, Any]:
    """Everything that defines the graph, without ingestion timestamps."""
    models = store.read(
        "MATCH (m:Model) RETURN m.id AS id, m.content_hash AS h, m.name AS name, m.aliases AS aliases ORDER BY id"
    )
    return {
        "nodes": {r["label"]: r["count"] for r in store.read(queries.NODE_COUNTS)},
        "rels": {r["type"]: r["count"] for r in store.read(queries.RELATIONSHIP_COUNTS)},
        "models": models,
    }


def cli(settings: Settings, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "LLMX_DATA_DIR": str(settings.data_dir),
        "LLMX_EMBEDDED_BOLT_PORT": str(settings.embedded_bolt_port),
        "LLMX_EMBEDDED_HTTP_PORT": str(settings.embedded_http_port),
    }
    env.pop("LLMX_GRAPH_URI", None)
    return subprocess.run(
        [sys.executable, "-m", "llmx", *args], capture_output=True, text=True, env=env, timeout=timeout
    )


@pytest.fixture(scope="module")
def full_graph(session_store: GraphStore, shared_data: Path) -> dict[str, Any]:
    """One full ingestion of every catalog source, shared by the read-only checks below."""
    session_store.write(queries.DELETE_ALL)
    first = ingest(session_store, shared_data)
    return {"summary": first, "snapshot": snapshot(session_store)}


def test_full_ingest_meets_catalog_acceptance(full_graph: dict[str, Any], session_store: GraphStore) -> None:
    summary: IngestSummary = full_graph["summary"]
    assert set(summary.sources) == {"models-dev", "llm-stats", "epoch", "litellm"}
    stats = graph_stats(session_store)
    assert stats.models_complete >= 150, stats.model_field_coverage
    assert stats.models_with_parameters_or_undisclosed >= 150
    assert stats.relationships.get("SCORED", 0) > 1000
    assert stats.relationships.get("FINE_TUNED_FROM", 0) + stats.relationships.get("BASED_ON", 0) > 10
    assert stats.nodes["Model"] > 1000


def test_rerun_changes_nothing(
    full_graph: dict[str, Any], session_store: GraphStore, shared_data: Path
) -> None:
    again = ingest(session_store, shared_data)
    assert (again.created, again.updated) == (0, 0)
    assert again.unchanged == full_graph["summary"].models
    assert snapshot(session_store) == full_graph["snapshot"]


def test_same_model_from_many_sources_is_one_node(
    full_graph: dict[str, Any], session_store: GraphStore
) -> None:
    # LLM-Stats lists the 2024-05-13 and 2024-08-06 snapshots of GPT-4o as two models, so they stay two;
    # every other spelling of each snapshot (dated ids, reseller paths, display names) joins one of them.
    expected = {
        "gpt-4o-2024-08-06": {"models-dev", "llm-stats", "litellm"},
        "azure/gpt-4o-2024-08-06": {"models-dev", "llm-stats", "litellm"},
        "GPT-4o (2024-08-06)": {"models-dev", "llm-stats", "litellm"},
        "gpt-4o": {"models-dev", "litellm"},  # the undated alias: first-party listings and resellers
        "openai/gpt-4o": {"models-dev", "litellm"},
    }
    ids = {}
    for spelling, sources in expected.items():
        rows = session_store.read(
            "MATCH (m:Model) WHERE m.id = $s OR $s IN m.aliases OR m.name = $s "
            "OPTIONAL MATCH (m)-[:DESCRIBED_BY]->(r:SourceRecord) "
            "RETURN m.id AS id, collect(DISTINCT r.source) AS sources",
            s=spelling,
        )
        assert len(rows) == 1, (spelling, rows)
        assert sources <= set(rows[0]["sources"]), (spelling, rows)
        ids[spelling] = rows[0]["id"]
    assert ids["gpt-4o-2024-08-06"] == ids["azure/gpt-4o-2024-08-06"] == ids["GPT-4o (2024-08-06)"]
    assert ids["gpt-4o"] == ids["openai/gpt-4o"]
    sizes = session_store.read(
        "MATCH (m:Model) WHERE m.name IN ['Llama 3.1 8B Instruct', 'Llama 3.1 70B Instruct'] RETURN m.id AS id"
    )
    assert len({r["id"] for r in sizes}) == 2
    minis = session_store.read("MATCH (m:Model) WHERE m.id IN ['o1', 'o1-mini'] OR m.name IN ['o1', 'o1-mini'] "
                               "RETURN DISTINCT m.id AS id")  # fmt: skip
    assert len(minis) == 2, minis


def test_every_fact_carries_provenance(full_graph: dict[str, Any], session_store: GraphStore) -> None:
    missing = session_store.read(
        "MATCH (m:Model) WHERE m.sources IS NULL OR size(m.sources) = 0 OR m.ingested_at IS NULL "
        "OR NOT EXISTS { (m)-[:DESCRIBED_BY]->(:SourceRecord) } RETURN count(m) AS n"
    )
    assert missing == [{"n": 0}]
    for rel in (
        "DEVELOPED_BY",
        "HAS_LICENSE",
        "SUPPORTS_INPUT",
        "SUPPORTS_OUTPUT",
        "FINE_TUNED_FROM",
        "BASED_ON",
    ):
        bad = session_store.read(
            f"MATCH ()-[e:{rel}]->() WHERE e.sources IS NULL OR size(e.sources) = 0 OR e.ingested_at IS NULL "
            "RETURN count(e) AS n"
        )
        assert bad == [{"n": 0}], rel
    for rel in ("SCORED", "SERVES"):
        bad = session_store.read(
            f"MATCH ()-[e:{rel}]->() WHERE e.source IS NULL OR e.ingested_at IS NULL RETURN count(e) AS n"
        )
        assert bad == [{"n": 0}], rel
    records = session_store.read(
        "MATCH (r:SourceRecord) WHERE r.source IS NULL OR r.ingested_at IS NULL RETURN count(r) AS n"
    )
    assert records == [{"n": 0}]
    # each field that has a value names the source it came from
    unsourced = session_store.read(
        "MATCH (m:Model) WHERE (m.release_date IS NOT NULL AND m.release_date_source IS NULL) "
        "OR (m.context_length IS NOT NULL AND m.context_length_source IS NULL) RETURN count(m) AS n"
    )
    assert unsourced == [{"n": 0}]


def test_conflicting_values_are_kept_and_queryable(
    full_graph: dict[str, Any], session_store: GraphStore
) -> None:
    conflicts = session_store.read(
        "MATCH (m:Model)-[:DESCRIBED_BY]->(r:SourceRecord) "
        "WHERE r.context_length IS NOT NULL AND m.context_length IS NOT NULL AND r.context_length <> m.context_length "
        "RETURN m.id AS id, m.context_length AS chosen, m.context_length_source AS by, r.context_length AS lost, "
        "r.source AS source LIMIT 5"
    )
    assert conflicts, "real sources disagree on context lengths; the losing values must stay queryable"
    for row in conflicts:
        assert row["chosen"] != row["lost"] and row["by"]


FACT_FIELDS = (*SCALAR_FIELDS, *LIST_FIELDS)


def test_no_canonical_model_loses_a_fact_of_its_listings(
    full_graph: dict[str, Any], session_store: GraphStore
) -> None:
    """Facts per source before (every record read) and after (records of a canonical model, or of a
    listing no model could be given): nothing dropped, and a field any record of a model has is set."""
    summary: IngestSummary = full_graph["summary"]
    before = {
        (r["source"], f): r[f] for r in _facts(session_store, "MATCH (r:SourceRecord)") for f in FACT_FIELDS
    }
    after_rows = _facts(
        session_store,
        "MATCH (r:SourceRecord) WHERE EXISTS { (:Model)-[:DESCRIBED_BY]->(r) } "
        "OR EXISTS { (:Listing {status: 'unresolved'})-[:DESCRIBED_BY]->(r) }",
    )
    after = {(r["source"], f): r[f] for r in after_rows for f in FACT_FIELDS}
    print({k: v for k, v in before.items() if v})
    assert after == before
    assert sum(r["records"] for r in after_rows) == summary.records_read
    for field in FACT_FIELDS:  # a value any record (its own or a listing's) has is on the model
        stranded = session_store.read(
            f"MATCH (m:Model)-[:DESCRIBED_BY]->(r:SourceRecord) WHERE r.{field} IS NOT NULL AND m.{field} IS NULL "
            "RETURN count(DISTINCT m) AS n"
        )
        assert stranded == [{"n": 0}], field
    for rel, prop in (("HAS_LICENSE", "license"), ("DEVELOPED_BY", "organization")):
        stranded = session_store.read(
            f"MATCH (m:Model)-[:DESCRIBED_BY]->(r:SourceRecord) WHERE r.{prop} IS NOT NULL "
            f"AND NOT EXISTS {{ (m)-[:{rel}]->() }} AND coalesce(m.identity_evidence, '') <> $derivative "
            "RETURN count(DISTINCT m) AS n",
            derivative=Evidence.DERIVATIVE.value,
        )
        assert stranded == [{"n": 0}], rel


def _facts(store: GraphStore, match: str) -> list[dict[str, Any]]:
    counts = ", ".join(f"sum(CASE WHEN r.{f} IS NULL THEN 0 ELSE 1 END) AS {f}" for f in FACT_FIELDS)
    return store.read(f"{match} RETURN r.source AS source, count(r) AS records, {counts} ORDER BY source")


def test_listings_point_to_canonical_models_and_fine_tunes_to_their_makers(
    full_graph: dict[str, Any], session_store: GraphStore
) -> None:
    def one(query: str, **params: Any) -> dict[str, Any]:
        rows = session_store.read(query, **params)
        assert len(rows) == 1, (query, rows)
        return rows[0]

    # a reseller SKU is a listing of the model, not a model
    sku = one(
        "MATCH (l:Listing)-[:LISTING_OF]->(m:Model) WHERE 'zerogpu/llama-3.1-8b-instruct-fast' IN l.aliases "
        "RETURN m.name AS name, l.status AS status"
    )
    assert sku == {"name": "Llama 3.1 8B Instruct", "status": "resolved"}
    assert (
        session_store.read(
            "MATCH (m:Model) WHERE 'zerogpu/llama-3.1-8b-instruct-fast' IN m.raw_names RETURN m.id AS id"
        )
        == []
    )
    # a community fine-tune is not Meta's, and is FINE_TUNED_FROM its base
    tune = one(
        "MATCH (m:Model {id: 'llama-3-3-70b-arliai-rpmax-v2'})-[:FINE_TUNED_FROM]->(b:Model) "
        "RETURN b.name AS base, m.developer_status AS developer, EXISTS { (m)-[:DEVELOPED_BY]->() } AS by"
    )
    assert tune == {"base": "Llama 3.3 70B Instruct", "developer": "unknown", "by": False}
    maker = one(
        "MATCH (m:Model)-[:DEVELOPED_BY]->(o:Organization) "
        "WHERE 'huihui-ai/Llama-3.3-70B-Instruct-abliterated' IN m.aliases RETURN o.id AS org"
    )
    assert maker == {"org": "huihui-ai"}
    # no provider label in a display name; the raw name stays an alias
    labelled = session_store.read(
        "MATCH (m:Model) WHERE m.name STARTS WITH 'Anthropic: ' OR m.name STARTS WITH 'Google: ' "
        "OR m.name STARTS WITH 'OpenAI: ' OR m.name STARTS WITH 'Qwen: ' RETURN m.name AS name"
    )
    assert labelled == []
    renamed = one("MATCH (m:Model) WHERE 'Anthropic: Claude 3.7 Sonnet' IN m.aliases RETURN m.name AS name")
    assert renamed == {"name": "Claude 3.7 Sonnet"}
    # the twins: one node each, holding the facts a sibling held before
    for name, field in (
        ("GPT-3.5 Turbo", "release_date"),
        ("Qwen2.5-Coder 32B Instruct", "open_weights"),
        ("Claude Opus 4.1", "release_date"),
        ("Mistral Small 3.1 24B Instruct", "open_weights"),
    ):
        row = one(
            f"MATCH (m:Model {{name: $name}}) RETURN m.{field} AS value, m.context_length AS ctx", name=name
        )
        assert row["value"] is not None, name
    assert one("MATCH (m:Model {name: 'Claude Opus 4.1'}) RETURN m.context_length AS ctx") == {"ctx": 200000}
    stats = graph_stats(session_store)
    assert stats.models == stats.nodes["Model"] and stats.listings == stats.nodes["Listing"]
    assert stats.listings == stats.listings_resolved + stats.listings_unresolved
    assert stats.listings_resolved == stats.relationships["LISTING_OF"]
    assert stats.aliases > stats.models


def test_audit_fixture_is_the_sample_of_this_graph(
    full_graph: dict[str, Any], session_store: GraphStore
) -> None:
    """The hand audits (tests/data/model_audit_pass4_seed11.csv, _seed12.csv and _seed13.csv)
    judged exactly the models this graph draws with those seeds; when identity changes, the samples
    change and the audits must be redone. Each verdict says whether the node is a distinct real model
    with a clean display name and the right developer ('wrong' with its reason; an unsure one is
    'wrong'). The earlier audits (seed 10: first and second passes; seed 11: third pass) stay for
    the before/after story."""
    rates = {}
    for seed, path in AUDIT_PASS4.items():
        with path.open(newline="") as handle:
            audited = list(csv.DictReader(handle))
        drawn = audit_sample(session_store, seed=seed)
        assert [r["id"] for r in audited] == [r.id for r in drawn], seed
        assert [r["name"] for r in audited] == [r.name for r in drawn], seed
        assert [r["developer"] for r in audited] == [r.developer for r in drawn], seed
        assert len(audited) == 200
        assert all(r["verdict"] in ("ok", "wrong") and (r["verdict"] == "ok" or r["reason"]) for r in audited)
        rates[seed] = sum(r["verdict"] == "ok" for r in audited) / len(audited)
        assert rates[seed] >= AUDIT_FLOOR[seed], (seed, rates[seed])
    earlier = []
    for path in (AUDIT_BEFORE, AUDIT_AFTER, AUDIT_PASS3):
        with path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == 200
        earlier.append(sum(r["verdict"] == "ok" for r in rows) / len(rows))
    print(
        f"audit: first pass {earlier[0]:.1%}, second {earlier[1]:.1%} (seed 10); third {earlier[2]:.1%}"
        f" (seed 11); now {rates[11]:.1%} (seed 11), {rates[12]:.1%} (seed 12),"
        f" {rates[13]:.1%} (seed 13, drawn after the rules)"
    )


def test_review_lists_candidate_merges_and_unresolved_listings(
    full_graph: dict[str, Any], graph_settings: Settings
) -> None:
    result = cli(graph_settings, "catalog", "review", "--json")
    assert result.returncode == 0, result.stderr
    review = json.loads(result.stdout)
    assert review["candidate_merges"] and review["unresolved"]
    merge = review["candidate_merges"][0]
    assert merge["candidates"][0]["model"] and merge["records"] and merge["evidence"]
    assert all(not item["candidates"] for item in review["unresolved"])


def test_kill_and_resume_ends_in_the_clean_graph(
    full_graph: dict[str, Any], session_store: GraphStore, graph_settings: Settings, shared_data: Path
) -> None:
    session_store.write(queries.DELETE_ALL)
    env_args = ("ingest", "catalog", "--data", str(shared_data))
    process = subprocess.Popen(
        [sys.executable, "-m", "llmx", *env_args],
        env=os.environ
        | {
            "LLMX_DATA_DIR": str(graph_settings.data_dir),
            "LLMX_EMBEDDED_BOLT_PORT": str(graph_settings.embedded_bolt_port),
            "LLMX_EMBEDDED_HTTP_PORT": str(graph_settings.embedded_http_port),
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    total = full_graph["snapshot"]["nodes"]["Model"]
    deadline = time.monotonic() + 300
    done = 0
    while time.monotonic() < deadline and process.poll() is None:
        done = session_store.read("MATCH (m:Model) WHERE m.content_hash IS NOT NULL RETURN count(m) AS n")[0][
            "n"
        ]
        if done >= total // 3:
            break
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert 0 < done < total, f"the kill should land half-way ({done} of {total} models complete)"
    resumed = ingest(session_store, shared_data)
    assert resumed.unchanged >= done
    assert snapshot(session_store) == full_graph["snapshot"]


def test_malformed_rows_are_quarantined_and_the_job_finishes(
    store: GraphStore, graph_settings: Settings, tmp_path: Path
) -> None:
    good = {
        "litellm_provider": "openai",
        "mode": "chat",
        "max_input_tokens": 128000,
        "max_output_tokens": 4096,
    }
    data = {
        "gpt-good-1": good,
        "gpt-negative": good | {"max_input_tokens": -5},
        "gpt-wrong-type": good | {"max_input_tokens": "lots"},
        "": good,
        "gpt-good-2": good | {"max_input_tokens": 64000},
    }
    path = tmp_path / "litellm.json"
    path.write_text(json.dumps(data))
    result = cli(
        graph_settings, "ingest", "catalog", "--no-installed", "--source", f"litellm={path}", "--json"
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["records_read"] == 2
    assert summary["quarantined"] == 3
    rows = store.read("MATCH (q:QuarantinedRow) RETURN q.source_key AS key, q.reason AS reason ORDER BY key")
    assert len(rows) == 3 and all(r["reason"] for r in rows)
    again = cli(
        graph_settings, "ingest", "catalog", "--no-installed", "--source", f"litellm={path}", "--json"
    )
    assert json.loads(again.stdout)["quarantined"] == 3
    assert store.read("MATCH (q:QuarantinedRow) RETURN count(q) AS n") == [{"n": 3}]


def test_unreadable_source_is_a_clear_error(graph_settings: Settings, tmp_path: Path) -> None:
    garbage = tmp_path / "broken.json"
    garbage.write_bytes(b"\x00\x01 not json")
    result = cli(graph_settings, "ingest", "catalog", "--no-installed", "--source", f"litellm={garbage}")
    assert result.returncode != 0
    assert "broken.json" in result.stderr
    missing = cli(graph_settings, "ingest", "catalog", "--source", "epoch=/nonexistent/file.csv")
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    unknown = cli(graph_settings, "ingest", "catalog", "--source", "wiki=/tmp")
    assert unknown.returncode == 2 and "Unknown source" in unknown.stderr
