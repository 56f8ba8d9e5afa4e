"""The text-to-Cypher gate: what passes, what is refused and why, and that what passes runs read-only."""

from __future__ import annotations

from typing import Any

import pytest

from core.access import AccessFilter
from kg.store import GraphStore
from rag.cypher_validator import CypherValidationError, validate_generated_cypher

PUBLIC = AccessFilter.public()

ACCEPTED = [
    ("MATCH (m:Model) WHERE m.context_length >= $n RETURN m.name AS name ORDER BY m.name LIMIT 10", {"n": 1000}),
    ("MATCH (m:Model {id: $id})-[:DEVELOPED_BY]->(o:Organization) RETURN o.name AS org LIMIT $k", {"id": "x", "k": 5}),
    ("MATCH (a:Article)-[:MENTIONS]->(m:Model {id: $id}) WHERE a.classification IN $classifications "
     "AND a.published >= $since RETURN a.title AS title ORDER BY a.published DESC LIMIT 5", {"id": "x", "since": "2024"}),
    ("MATCH (m:Model)-[:FINE_TUNED_FROM*1..3]->(b:Model) WHERE m.id = $id RETURN b.name AS base LIMIT 5", {"id": "x"}),
    ("MATCH (m:Model)-[s:SCORED]->(b:Benchmark {id: $b}) RETURN m.name AS model, s.score AS score "
     "ORDER BY s.score DESC LIMIT $k", {"b": "mmlu", "k": 5}),
    ("MATCH (o:Organization) OPTIONAL MATCH (m:Model)-[:DEVELOPED_BY]->(o) "
     "RETURN o.name AS org, count(m) AS n ORDER BY n DESC LIMIT 10", {}),
    ("MATCH (m:Model) WHERE EXISTS { (m)-[:DEVELOPED_BY]->(:Organization {id: $o}) } RETURN m {.id, .name} AS m LIMIT 5",
     {"o": "meta"}),
    ("MATCH (c:Chunk)<-[:HAS_CHUNK]-(m:Model {id: $id}) WHERE c.classification IN $classifications "
     "RETURN c.text AS text LIMIT 3", {"id": "x"}),
]  # fmt: skip

REFUSED = [
    ("MATCH (m:Model) SET m.name = $x RETURN m LIMIT 5", {"x": "y"}, "write clause SET"),
    ("MATCH (m:Model) DETACH DELETE m", {}, "write clause DETACH"),
    ("CALL db.labels() YIELD label RETURN label LIMIT 5", {}, "CALL"),
    ("MATCH (m:Model) RETURN m LIMIT 5 UNION MATCH (m:Model) RETURN m LIMIT 5", {}, "UNION"),
    ("MATCH (m:Model) RETURN m LIMIT 5; MATCH (n:Model) RETURN n LIMIT 5", {}, "one statement"),
    ("MATCH (m:Secret) RETURN m LIMIT 5", {}, "unknown or forbidden label"),
    ("MATCH (q:QuarantinedRow) RETURN q.raw LIMIT 5", {}, "forbidden label"),
    ("MATCH (m:Model)-[:OWNS]->(o:Organization) RETURN o LIMIT 5", {}, "unknown relationship type"),
    ("MATCH (m:Model) RETURN m.password LIMIT 5", {}, "unknown property 'password'"),
    ("MATCH (m:Model) RETURN m {.id, .secret} AS m LIMIT 5", {}, "unknown property 'secret'"),
    ("MATCH (m:Model) RETURN apoc.text.join(m.aliases, $s) LIMIT 5", {"s": ","}, "namespaced functions"),
    ("MATCH (m:Model) WHERE m.name = 'GPT-4o' RETURN m LIMIT 5", {}, "string literals"),
    ("MATCH (m:Model) WHERE m.context_length > 100000 RETURN m LIMIT 5", {}, "literal 100000"),
    ("MATCH (m:`Model`) RETURN m LIMIT 5", {}, "quoted"),
    ("MATCH (m:Model) WHERE m.id = $missing RETURN m LIMIT 5", {}, "$missing is used but not given"),
    ("MATCH (m:Model) RETURN m", {}, "needs a LIMIT"),
    ("MATCH (m:Model) RETURN m LIMIT 500", {}, "LIMIT must be an integer from 1 to 100"),
    ("MATCH (m:Model) RETURN m LIMIT $k", {"k": 1000}, "LIMIT must be"),
    ("MATCH (m:Model) WITH m LIMIT 5 RETURN m", {}, "after its RETURN"),
    ("MATCH (m:Model)-[:FINE_TUNED_FROM*]->(b:Model) RETURN b LIMIT 5", {}, "upper bound"),
    ("MATCH (m:Model)-[:FINE_TUNED_FROM*1..9]->(b:Model) RETURN b LIMIT 5", {}, "upper bound"),
    ("MATCH (m:Model)<-[:MENTIONS]-(a) RETURN a.body LIMIT 5", {}, "has no label"),
    ("MATCH (m:Model)<-[:MENTIONS]-() RETURN m LIMIT 5", {}, "has no label"),
    ("MATCH (a:Article) RETURN a.title LIMIT 5", {}, "needs WHERE a.classification"),
    ("MATCH (a:Article) WHERE a.classification IN $classifications OR a.title = $t RETURN a.title LIMIT 5",
     {"t": "x"}, "top-level AND"),
    ("MATCH (c:Chunk) WHERE NOT c.classification IN $classifications RETURN c.text LIMIT 5", {}, "top-level AND"),
    ("MATCH (:Article)-[:MENTIONS]->(m:Model) RETURN m LIMIT 5", {}, "must be named"),
    ("MATCH (m:Model) RETURN [(m)<-[:MENTIONS]-(a:Article) | a.title] AS t LIMIT 5", {}, "must be named and matched"),
    ("MATCH (m:Model) WHERE m.id IN $ids RETURN m LIMIT 5", {"ids": [{"nested": 1}]}, "scalars or lists"),
]  # fmt: skip


@pytest.mark.parametrize(("cypher", "params"), ACCEPTED)
def test_safe_queries_pass(cypher: str, params: dict[str, Any]) -> None:
    validated = validate_generated_cypher(cypher, params, access=PUBLIC)
    assert validated.params["classifications"] == ["public"]
    assert 1 <= validated.limit <= 100


@pytest.mark.parametrize(("cypher", "params", "reason"), REFUSED)
def test_unsafe_queries_are_refused_with_the_rule(cypher: str, params: dict[str, Any], reason: str) -> None:
    with pytest.raises(CypherValidationError, match="Refused") as refused:
        validate_generated_cypher(cypher, params, access=PUBLIC)
    assert reason in str(refused.value)


def test_the_callers_classifications_replace_whatever_the_generator_passed() -> None:
    cypher = "MATCH (a:Article) WHERE a.classification IN $classifications RETURN a.title AS t LIMIT 5"
    widened = {"classifications": ["public", "internal", "confidential"]}
    assert validate_generated_cypher(cypher, widened, access=PUBLIC).params["classifications"] == ["public"]
    with pytest.raises(CypherValidationError, match="parameter \\$classifications"):
        validate_generated_cypher(cypher, {})  # no caller filter and none given
    with pytest.raises(CypherValidationError, match="known classifications"):
        validate_generated_cypher(cypher, {"classifications": ["secret"]})


def test_a_validated_query_runs_read_only_and_sees_only_allowed_articles(store: GraphStore) -> None:
    store.write(
        "UNWIND $rows AS row CREATE (a:Article {id: row.id, title: row.id, classification: row.c})",
        rows=[{"id": "open-1", "c": "public"}, {"id": "memo-1", "c": "confidential"}],
    )
    cypher = (
        "MATCH (a:Article) WHERE a.classification IN $classifications AND a.title STARTS WITH $p "
        "RETURN a.id AS id ORDER BY a.id LIMIT 10"
    )
    query = validate_generated_cypher(cypher, {"p": ""}, access=PUBLIC)
    assert store.read_only_query(query.cypher, query.params) == [{"id": "open-1"}]
    everything = validate_generated_cypher(cypher, {"p": ""}, access=AccessFilter.everything())
    assert [r["id"] for r in store.read_only_query(everything.cypher, everything.params)] == [
        "memo-1",
        "open-1",
    ]
