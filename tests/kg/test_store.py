"""The store against the real embedded server over Bolt: schema, batched writes, read-only guard."""

from __future__ import annotations

import pytest

from kg import queries
from kg.errors import ReadOnlyViolation
from kg.readonly import check_read_only
from kg.schema import CONSTRAINTS, INDEXES, Backend
from kg.store import GraphStore


def test_backend_is_detected(store: GraphStore) -> None:
    assert store.backend is Backend.ARCADEDB


def test_schema_is_idempotent(store: GraphStore) -> None:
    store.apply_schema()
    first = store.read_only_query("SHOW CONSTRAINTS")
    store.apply_schema()
    second = store.read_only_query("SHOW CONSTRAINTS")
    assert sorted(c["name"] for c in first) == sorted(c["name"] for c in second)
    assert {c.name for c in CONSTRAINTS} <= {c["name"] for c in second}
    index_names = {i["name"] for i in store.read_only_query("SHOW INDEXES")}
    assert {i.name for i in INDEXES} <= index_names


def test_unique_constraint_is_enforced(store: GraphStore) -> None:
    store.write_rows(queries.UPSERT_ORGANIZATIONS, [{"id": "acme", "props": {"name": "Acme"}}], now="t")
    from neo4j.exceptions import ConstraintError

    with pytest.raises(ConstraintError):
        store.write("CREATE (:Organization {id: $id})", id="acme")


def test_batched_writes_cross_batch_boundaries(store: GraphStore) -> None:
    store.batch_size = 300
    rows = [{"id": f"org-{i}", "props": {"name": f"Org {i}"}} for i in range(1001)]
    assert store.write_rows(queries.UPSERT_ORGANIZATIONS, rows, now="t") == 1001
    store.write_rows(queries.UPSERT_ORGANIZATIONS, rows, now="t")
    count = store.read("MATCH (o:Organization) RETURN count(o) AS n")[0]["n"]
    assert count == 1001
    store.batch_size = 1000


def test_values_are_parameters_not_code(store: GraphStore) -> None:
    hostile = "x'}) DETACH DELETE n //"
    store.write_rows(queries.UPSERT_ORGANIZATIONS, [{"id": hostile, "props": {"name": hostile}}], now="t")
    assert store.read("MATCH (o:Organization {id: $id}) RETURN o.name AS name", id=hostile) == [
        {"name": hostile}
    ]


@pytest.mark.parametrize(
    "cypher",
    [
        "CREATE (:Model {id: 'evil'})",
        "MATCH (o:Organization) SET o.name = 'pwned'",
        "match (o:Organization) detach delete o",
        "MATCH (o:Organization) REMOVE o.name",
        "MERGE (o:Organization {id: 'evil'})",
        "MATCH (o) /* sneaky */ DELETE o",
        "LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line",
        "CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'DELETE n', {})",
        "MATCH (o) CALL { WITH o DELETE o } IN TRANSACTIONS",
        "DROP CONSTRAINT organization_id_unique",
        "FOREACH (x IN [1] | CREATE (:Evil))",
    ],
)
def test_read_only_query_refuses_writes(store: GraphStore, cypher: str) -> None:
    store.write_rows(queries.UPSERT_ORGANIZATIONS, [{"id": "acme", "props": {"name": "Acme"}}], now="t")
    with pytest.raises(ReadOnlyViolation):
        store.read_only_query(cypher)
    rows = store.read("MATCH (n) RETURN count(n) AS n, collect(n.name) AS names")
    assert rows == [{"n": 1, "names": ["Acme"]}]


def test_read_only_query_rolls_back_what_slips_past_the_lexer(store: GraphStore, monkeypatch) -> None:
    """Even if the lexical check missed a write, the transaction is rolled back and refused."""
    monkeypatch.setattr("kg.store.check_read_only", lambda cypher: None)
    with pytest.raises(ReadOnlyViolation, match="tried to change"):
        store.read_only_query("CREATE (:Evil {id: 'x'})")
    assert store.read("MATCH (e:Evil) RETURN count(e) AS n") == [{"n": 0}]


def test_read_only_query_returns_rows_with_parameters(store: GraphStore) -> None:
    store.write_rows(
        queries.UPSERT_ORGANIZATIONS, [{"id": f"o{i}", "props": {"name": f"O{i}"}} for i in range(5)], now="t"
    )
    rows = store.read_only_query(
        "MATCH (o:Organization) WHERE o.id IN $ids RETURN o.name AS name ORDER BY name", {"ids": ["o1", "o3"]}
    )
    assert rows == [{"name": "O1"}, {"name": "O3"}]
    assert len(store.read_only_query("MATCH (o:Organization) RETURN o.id AS id", limit=2)) == 2


def test_strings_and_comments_do_not_trigger_the_guard() -> None:
    check_read_only("MATCH (m:Model) WHERE m.description CONTAINS 'we CREATE and DELETE' RETURN m // set")
    check_read_only("MATCH (m:Model) RETURN m.name AS `set`")
    with pytest.raises(ReadOnlyViolation):
        check_read_only("   ")
