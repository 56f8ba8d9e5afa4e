"""GET /v1/news carries what the UI's news page shows: each article's sentiment and topics, as the
news job stored them in the graph."""

from __future__ import annotations

from tests.api.conftest import World
from tests.api.test_isolation import get


def test_news_items_carry_sentiment_and_topics_from_the_graph(world: World) -> None:
    items = get(world, "/v1/news?limit=200", "acme", "viewer").json()
    assert items
    stored = {
        r["id"]: r
        for r in world.ctx.store.read(
            "MATCH (a:Article) RETURN a.id AS id, a.sentiment AS sentiment, "
            "[(a)-[:ABOUT]->(t:Topic) | t.name] AS topics"
        )
    }
    for item in items:
        assert item["sentiment"] == stored[item["id"]]["sentiment"]
        assert sorted(item["topics"]) == sorted(stored[item["id"]]["topics"])
    assert any(item["sentiment"] is not None for item in items)
    assert any(item["topics"] for item in items)
