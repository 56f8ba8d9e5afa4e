"""Listings on the real graph: resolved and unresolved, the review, and curation decisions applied
by the next ingestion (a small litellm price list, so each test starts from an empty graph)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalog import resolve
from catalog.curation import Curation, Decision
from catalog.job import CatalogIngestJob
from catalog.readers.litellm import LitellmReader
from catalog.review import review
from kg import queries
from kg.store import GraphStore

CHAT = {"mode": "chat", "max_input_tokens": 128000, "max_output_tokens": 16384}
PRICES = {
    "gpt-4o": CHAT | {"litellm_provider": "openai", "input_cost_per_token": 2.5e-6},
    "zerogpu/gpt-4o-fast": CHAT | {"litellm_provider": "zerogpu", "input_cost_per_token": 1e-6},
    "somehost/gpt-4o-aug": CHAT | {"litellm_provider": "somehost", "max_input_tokens": 64000},
    "somehost/mystery-model": CHAT | {"litellm_provider": "somehost"},
}


def ingest(store: GraphStore, path: Path, curation: Curation | None = None) -> None:
    CatalogIngestJob(store, [LitellmReader(path)], curation=curation or Curation()).run()


def listing(store: GraphStore, alias: str) -> dict[str, object]:
    rows = store.read(
        "MATCH (l:Listing) WHERE $alias IN l.raw_names OPTIONAL MATCH (l)-[:LISTING_OF]->(m:Model) "
        "OPTIONAL MATCH (p:Provider)-[:SERVES]->(l) "
        "RETURN l.id AS id, l.status AS status, m.id AS model, l.candidates AS candidates, count(p) AS offers",
        alias=alias,
    )
    assert len(rows) == 1, rows
    return rows[0]


def test_listings_are_queryable_and_curation_applies_on_the_next_run(
    store: GraphStore, tmp_path: Path
) -> None:
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(PRICES))
    ingest(store, path)
    assert store.read("MATCH (m:Model) RETURN m.id AS id") == [{"id": "gpt-4o"}]
    assert listing(store, "zerogpu/gpt-4o-fast") | {"offers": 0} == {
        "id": "gpt-4o-fast", "status": "resolved", "model": "gpt-4o", "candidates": [], "offers": 0
    }  # fmt: skip
    aug = listing(store, "somehost/gpt-4o-aug")
    assert (aug["status"], aug["model"], aug["candidates"], aug["offers"]) == (
        "unresolved",
        None,
        ["gpt-4o"],
        1,
    )
    assert listing(store, "somehost/mystery-model")["candidates"] == []

    found = review(store, tmp_path / "none.yaml")
    assert [i.listing for i in found.candidate_merges] == [aug["id"]]
    assert found.candidate_merges[0].candidates[0].model == "gpt-4o"
    assert [i.listing for i in found.unresolved] == [listing(store, "somehost/mystery-model")["id"]]

    decisions = Curation(
        decisions=[
            Decision(listing="somehost/gpt-4o-aug", attach="gpt-4o", note="the 2024-08-06 snapshot"),
            Decision(listing="somehost/mystery-model", keep=True),
        ]
    )
    ingest(store, path, decisions)
    assert listing(store, "somehost/gpt-4o-aug")["model"] == "gpt-4o"
    model = store.read("MATCH (m:Model {id: 'gpt-4o'}) RETURN m.aliases AS aliases, m.context_length AS ctx")[
        0
    ]
    assert "somehost/gpt-4o-aug" in model["aliases"] and model["ctx"] == 128000  # first-party still wins
    curation_file = tmp_path / "curation.yaml"
    curation_file.write_text("version: 1\ndecisions:\n  - listing: somehost/mystery-model\n    keep: true\n")
    after = review(store, curation_file)
    assert after.candidate_merges == [] and after.unresolved == [] and after.decisions == 1


def test_a_rerun_after_a_rule_or_data_change_leaves_no_stale_node(
    store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run 1 groups two IBM ids as one model (rule: 'chat' and 'instruct' are noise) and lists an
    old model; run 2 reads 'chat' as a word and the old model is gone: the graph equals a fresh run."""
    prices = PRICES | {
        "watsonx/ibm/granite-13b-chat-v2": CHAT | {"litellm_provider": "watsonx"},
        "watsonx/ibm/granite-13b-instruct-v2": CHAT | {"litellm_provider": "watsonx"},
        "gpt-4o-mini": CHAT | {"litellm_provider": "openai"},
    }
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(prices))
    ingest(store, path)
    first = {r["id"] for r in store.read("MATCH (m:Model) RETURN m.id AS id")}
    assert {"gpt-4o-mini", "granite-13b-v2"} <= first

    monkeypatch.setattr(resolve, "NOISE", resolve.NOISE - {"chat"})
    resolve._analyse.cache_clear()
    del prices["gpt-4o-mini"]
    path.write_text(json.dumps(prices))
    try:
        ingest(store, path)
        after = store.read("MATCH (m:Model) RETURN m.id AS id, m.name AS name ORDER BY id")
        listings = store.read("MATCH (l:Listing) RETURN l.id AS id ORDER BY id")
        store.write(queries.DELETE_ALL)
        ingest(store, path)
        fresh = store.read("MATCH (m:Model) RETURN m.id AS id, m.name AS name ORDER BY id")
        assert after == fresh and listings == store.read("MATCH (l:Listing) RETURN l.id AS id ORDER BY id")
        assert "gpt-4o-mini" not in {r["id"] for r in after}
        assert {"granite-13b-chat-v2", "granite-13b-v2"} <= {r["id"] for r in after}
    finally:
        resolve._analyse.cache_clear()


def test_an_ingestion_of_one_source_leaves_the_other_sources_models(
    store: GraphStore, tmp_path: Path
) -> None:
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(PRICES))
    ingest(store, path)
    store.write("CREATE (:Model {id: 'from-epoch', name: 'From Epoch', sources: ['epoch']})")
    ingest(store, path)
    assert {r["id"] for r in store.read("MATCH (m:Model) RETURN m.id AS id")} == {"gpt-4o", "from-epoch"}
