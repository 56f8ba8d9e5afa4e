"""The search path's one chunk lookup: the vector and keyword lists' chunks are read from the graph
in ONE query, with the caller's access filter inside it (a chunk the index still holds but the graph
no longer allows the caller never reaches the fusion)."""

from __future__ import annotations

from typing import Any

import pytest

from kg import qa_queries as Q
from tests.api.conftest import World


@pytest.fixture
def chunk_reads(world: World, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The parameters of every CHUNKS_BY_IDS read (the real store still answers them)."""
    store = world.ctx.store
    real = store.read
    seen: list[dict[str, Any]] = []

    def spy(query: Any, **params: Any) -> Any:
        if query == Q.CHUNKS_BY_IDS:
            seen.append(params)
        return real(query, **params)

    monkeypatch.setattr(store, "read", spy)
    return seen


def test_one_chunk_query_per_search(world: World, chunk_reads: list[dict[str, Any]]) -> None:
    response = world.client.post(
        "/v1/search",
        headers=world.headers("acme", "analyst"),
        json={"query": "open weights models from Meta"},
    )
    assert response.status_code == 200 and response.json()["hits"]
    assert len(chunk_reads) == 1
    [params] = chunk_reads
    assert len(params["ids"]) == len(set(params["ids"])) > 0  # the union of both lists, once each
    assert set(params["classifications"]) == {"public", "internal"}  # the analyst's filter, in the query


def test_a_chunk_relabelled_in_the_graph_is_left_out(world: World) -> None:
    """The index still allows the chunk (not rebuilt); the graph's label, read in the same query,
    keeps it from a viewer."""
    store = world.ctx.store
    query = "open weights models from Meta"
    viewer = world.headers("acme", "viewer")
    rule = {"kind": "p", "values": ["viewer", "acme", "search", "query"]}
    admin = world.headers("acme", "admin")
    assert world.client.post("/v1/admin/policies", headers=admin, json=rule).status_code == 201
    try:
        hits = world.client.post("/v1/search", headers=viewer, json={"query": query, "k": 50}).json()["hits"]
        ids = [h["id"] for h in hits]
        chunks = store.read("MATCH (c:Chunk) WHERE c.id IN $ids RETURN c.id AS id", ids=ids)
        assert chunks, f"no chunk among the viewer's hits: {ids}"
        chunk = chunks[0]["id"]
        store.write("MATCH (c:Chunk {id: $id}) SET c.classification = 'confidential'", id=chunk)
        try:
            again = world.client.post("/v1/search", headers=viewer, json={"query": query, "k": 50}).json()[
                "hits"
            ]
            assert chunk not in {h["id"] for h in again}
        finally:
            store.write("MATCH (c:Chunk {id: $id}) SET c.classification = 'public'", id=chunk)
    finally:
        world.client.post("/v1/admin/policies/remove", headers=admin, json=rule)
