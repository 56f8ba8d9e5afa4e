"""GET /v1/models filters against the real graph: each filter keeps exactly the models whose values
in the graph satisfy it (the expected set is computed here from one independent read of every
model's values), narrows the catalog, combines with the others, and bad values are 422s."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from .conftest import World

ROLE = ("acme", "admin")  # sees every classification, so the expected sets need no access filter

TRUTH = """
MATCH (m:Model)
OPTIONAL MATCH (m)-[:DEVELOPED_BY]->(o:Organization)
OPTIONAL MATCH (m)-[:HAS_LICENSE]->(l:License)
RETURN m.id AS id, m.name AS name, o.id AS org, l.id AS license, m.open_weights AS open_weights,
       m.context_length AS context, m.parameters AS parameters, m.release_date AS released,
       [(m)-[:SUPPORTS_INPUT]->(i:Modality) | i.id] AS inputs,
       [(m)-[:SUPPORTS_OUTPUT]->(x:Modality) | x.id] AS outputs,
       [(p:Provider)-[s:SERVES]->(m) | s.input_usd_per_1m] AS prices,
       [(m)-[s:SCORED]->(b:Benchmark) | {benchmark: b.id, score: s.score}] AS scores
"""


@pytest.fixture(scope="module")
def truth(world: World) -> dict[str, dict[str, Any]]:
    rows = world.ctx.store.read(TRUTH)
    return {r["id"]: r for r in rows}


def listed(w: World, **params: Any) -> list[dict[str, Any]]:
    """Every model the API lists for these filters, over as many pages as it takes."""
    out: list[dict[str, Any]] = []
    while True:
        response = w.client.get(
            "/v1/models", headers=w.headers(*ROLE), params={**params, "offset": len(out), "limit": 200}
        )
        assert response.status_code == 200, response.text
        page = response.json()
        out += page["items"]
        if len(out) >= page["total"] or not page["items"]:
            assert len(out) == page["total"]
            return out


def _day(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value is not None else None


CASES: list[tuple[str, dict[str, Any], Callable[[dict[str, Any]], bool]]] = [
    ("licence", {"license_id": "apache-2.0"}, lambda r: r["license"] == "apache-2.0"),
    ("open weights", {"open_weights": "true"}, lambda r: r["open_weights"] is True),
    ("closed weights", {"open_weights": "false"}, lambda r: r["open_weights"] is False),
    ("image input", {"input_modalities": ["image"]}, lambda r: "image" in r["inputs"]),
    (
        "image and audio input",
        {"input_modalities": ["image", "audio"]},
        lambda r: {"image", "audio"} <= set(r["inputs"]),
    ),
    (
        "input price",
        {"max_input_price": 0.5},
        lambda r: any(p is not None and p <= 0.5 for p in r["prices"]),
    ),
    ("benchmark", {"benchmark_id": "gpqa"}, lambda r: any(s["benchmark"] == "gpqa" for s in r["scores"])),
    (
        "benchmark with min score",
        {"benchmark_id": "gpqa", "min_score": 0.7},
        lambda r: any(s["benchmark"] == "gpqa" and s["score"] >= 0.7 for s in r["scores"]),
    ),
    (
        "parameters range",
        {"min_parameters": 7e9, "max_parameters": 7e10},
        lambda r: r["parameters"] is not None and 7e9 <= r["parameters"] <= 7e10,
    ),
    (
        "context range",
        {"min_context": 100_000, "max_context": 200_000},
        lambda r: r["context"] is not None and 100_000 <= r["context"] <= 200_000,
    ),
    (
        "release range",
        {"released_after": "2025-01-01", "released_before": "2025-06-30"},
        lambda r: r["released"] is not None and date(2025, 1, 1) <= _day(r["released"]) <= date(2025, 6, 30),  # type: ignore[operator]
    ),
    ("organisation", {"org_id": "meta"}, lambda r: r["org"] == "meta"),
    (
        "combined",
        {"open_weights": "true", "license_id": "apache-2.0", "max_input_price": 1.0, "min_context": 32_000},
        lambda r: (
            r["open_weights"] is True
            and r["license"] == "apache-2.0"
            and any(p is not None and p <= 1.0 for p in r["prices"])
            and r["context"] is not None
            and r["context"] >= 32_000
        ),
    ),
]


@pytest.mark.parametrize(("name", "params", "keep"), CASES, ids=[c[0] for c in CASES])
def test_filter_keeps_exactly_the_matching_models(
    world: World, truth: dict[str, dict[str, Any]], name: str, params: dict[str, Any], keep: Any
) -> None:
    expected = {i for i, row in truth.items() if keep(row)}
    got = {m["id"] for m in listed(world, **params)}
    assert expected, f"{name}: the graph has no model for this filter, so the test would prove nothing"
    assert len(expected) < len(truth), f"{name}: the filter does not narrow the catalog"
    assert got == expected, (
        f"{name}: missing {sorted(expected - got)[:5]}, unexpected {sorted(got - expected)[:5]}"
    )


def test_output_modality_filter(world: World, truth: dict[str, dict[str, Any]]) -> None:
    """Outputs vary less than inputs: test every output modality that some but not all models have."""
    counts: dict[str, int] = {}
    for row in truth.values():
        for modality in set(row["outputs"]):
            counts[modality] = counts.get(modality, 0) + 1
    narrowing = [m for m, n in counts.items() if n < len(truth)]
    assert narrowing, counts
    for modality in narrowing:
        expected = {i for i, row in truth.items() if modality in row["outputs"]}
        assert {m["id"] for m in listed(world, output_modalities=[modality])} == expected, modality


def test_rows_carry_the_graph_values(world: World, truth: dict[str, dict[str, Any]]) -> None:
    for item in listed(world, benchmark_id="gpqa"):
        row = truth[item["id"]]
        prices = [p for p in row["prices"] if p is not None]
        assert item["input_usd_per_1m"] == (min(prices) if prices else None)
        assert item["license_id"] == row["license"]
        assert sorted(item["input_modalities"]) == sorted(row["inputs"])
        assert item["benchmark_score"] == max(s["score"] for s in row["scores"] if s["benchmark"] == "gpqa")


@pytest.mark.parametrize(
    ("sort", "key", "descending"),
    [
        ("input_price", "input_usd_per_1m", False),
        ("parameters", "parameters", True),
        ("benchmark_score", "benchmark_score", True),
        ("context_length", "context_length", True),
    ],
)
def test_sorts_order_known_values_first(world: World, sort: str, key: str, descending: bool) -> None:
    items = listed(world, sort=sort, benchmark_id="gpqa")
    values = [m[key] for m in items]
    known = [v for v in values if v is not None]
    assert len(known) >= 5
    assert values[: len(known)] == known, f"{sort}: models without a value come before those with one"
    assert known == sorted(known, reverse=descending)


@pytest.mark.parametrize(
    "params",
    [
        {"min_context": 200_000, "max_context": 1_000},
        {"min_parameters": 7e10, "max_parameters": 7e9},
        {"released_after": "2025-06-01", "released_before": "2025-01-01"},
        {"min_score": 0.5},
        {"input_modalities": ["smell"]},
        {"max_input_price": -1},
        {"max_input_price": "cheap"},
        {"license_id": "mit' OR 1=1 //"},
        {"org_id": "meta}) MATCH (n) DETACH DELETE n //"},
        {"sort": "m.name; DROP"},
        {"sort": "benchmark_score"},
        {"released_after": "last year"},
        {"benchmark_id": "gpqa", "min_score": 1000},
    ],
    ids=lambda p: ",".join(p),
)
def test_bad_filter_values_are_422(world: World, params: dict[str, Any]) -> None:
    response = world.client.get("/v1/models", headers=world.headers(*ROLE), params=params)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["message"]


def test_text_is_never_cypher(world: World, truth: dict[str, dict[str, Any]]) -> None:
    """A search text with Cypher in it is matched as text: nothing matches, the graph is intact."""
    assert listed(world, q="') OR true //") == []
    assert len(listed(world)) == len(truth)


def test_model_page_counts_the_topics_of_its_news(world: World) -> None:
    """The topics of the news mentioning a model, with how many of those articles discuss each, as
    the graph holds them, most discussed first. The seeded slice has one article per topic and model,
    so a probe topic is put on every article mentioning the most mentioned model and another on one
    of them (both removed after; their ids sort the other way round from their counts)."""
    store = world.ctx.store
    [top] = store.read(
        "MATCH (a:Article)-[:MENTIONS]->(m:Model) WHERE a.classification = 'public' "
        "RETURN m.id AS model, count(DISTINCT a) AS n ORDER BY n DESC, model LIMIT 1"
    )
    assert top["n"] >= 2, top
    model = top["model"]
    store.write(
        "MERGE (t:Topic {id: 'zz-probe-topic'}) SET t.name = 'Probe topic', t.kind = 'probe' WITH t "
        "MATCH (a:Article)-[:MENTIONS]->(:Model {id: $id}) WHERE a.classification = 'public' "
        "MERGE (a)-[:ABOUT]->(t)",
        id=model,
    )
    store.write(  # and a topic of one of them only, whose id sorts first
        "MERGE (t:Topic {id: 'aa-probe-topic'}) SET t.name = 'Probe topic, once', t.kind = 'probe' WITH t "
        "MATCH (a:Article)-[:MENTIONS]->(:Model {id: $id}) WHERE a.classification = 'public' "
        "WITH t, a ORDER BY a.id LIMIT 1 MERGE (a)-[:ABOUT]->(t)",
        id=model,
    )
    try:
        [truth] = store.read(
            "MATCH (a:Article)-[:MENTIONS]->(:Model {id: $id}), (a)-[:ABOUT]->(t:Topic) "
            "WITH t, count(DISTINCT a) AS n RETURN collect([t.id, n]) AS counts",
            id=model,
        )
        detail = world.client.get(f"/v1/models/{model}", headers=world.headers(*ROLE)).json()
    finally:
        store.write("MATCH (t:Topic) WHERE t.id IN ['aa-probe-topic', 'zz-probe-topic'] DETACH DELETE t")
    got = [(t["id"], t["articles"]) for t in detail["topics"]]
    assert dict(got) == {i: n for i, n in truth["counts"]}
    assert dict(got)["zz-probe-topic"] == top["n"] and dict(got)["aa-probe-topic"] == 1
    assert [n for _, n in got] == sorted((n for _, n in got), reverse=True), "most discussed first"
    assert all(t["name"] for t in detail["topics"])
    none = world.client.get("/v1/models/no-such-model", headers=world.headers(*ROLE))
    assert none.status_code == 404


def test_a_page_counts_the_whole_match(world: World, truth: dict[str, dict[str, Any]]) -> None:
    """A short last page is its own count; any other page counts the whole match."""
    for offset, size in ((0, 5), (5, 5), (len(truth) - 2, 5)):
        response = world.client.get(
            "/v1/models", headers=world.headers(*ROLE), params={"offset": offset, "limit": 5}
        )
        page = response.json()
        assert page["total"] == len(truth), (offset, page["total"])
        assert len(page["items"]) == min(size, len(truth) - offset)
