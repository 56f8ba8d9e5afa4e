"""Cypher for the API's catalog, news and document reads and the document writes.

The rules of `kg/qa_queries.py` hold here too: values only as `$parameters`; a `LIMIT` on every
read; every content node is filtered by the caller's access inside the query
(`$classifications`, `$tenants`, `$any_tenant` from `core.access.AccessFilter.query_params`).
A node without a `classification` is public; a node without a `tenant` is shared.
Sort orders cannot be parameters, so each order is its own constant, picked from a fixed table.
"""

from __future__ import annotations

from typing import LiteralString

_M_VISIBLE: LiteralString = "coalesce(m.classification, 'public') IN $classifications"
_A_VISIBLE: LiteralString = (
    "a.classification IN $classifications AND ($any_tenant OR a.tenant IS NULL OR a.tenant IN $tenants)"
)
_X_VISIBLE: LiteralString = (
    "coalesce(x.classification, 'public') IN $classifications"
    " AND ($any_tenant OR x.tenant IS NULL OR x.tenant IN $tenants)"
)

# -- models ---------------------------------------------------------------------------------------
_MODEL_LIST_MATCH: LiteralString = (
    """
MATCH (m:Model)
WHERE """
    + _M_VISIBLE
    + """
  AND ($q IS NULL OR toLower(m.name) CONTAINS $q OR toLower(m.id) CONTAINS $q)
  AND ($open_weights IS NULL OR m.open_weights = $open_weights)
  AND ($min_context IS NULL OR m.context_length >= $min_context)
  AND ($released_after IS NULL OR m.release_date >= $released_after)
  AND ($released_before IS NULL OR m.release_date <= $released_before)
  AND ($org_id IS NULL OR EXISTS { MATCH (m)-[:DEVELOPED_BY]->(:Organization {id: $org_id}) })
OPTIONAL MATCH (m)-[:DEVELOPED_BY]->(o:Organization)
"""
)
_MODEL_LIST_RETURN: LiteralString = """
RETURN m.id AS id, m.name AS name, o.id AS org_id, o.name AS organization, m.family AS family,
       m.release_date AS release_date, m.context_length AS context_length, m.open_weights AS open_weights,
       m.parameters AS parameters
"""
_PAGE: LiteralString = "\nSKIP $offset LIMIT $limit\n"

MODELS_BY_NAME: LiteralString = _MODEL_LIST_MATCH + _MODEL_LIST_RETURN + "ORDER BY name, id" + _PAGE
MODELS_BY_RELEASE: LiteralString = (
    _MODEL_LIST_MATCH + _MODEL_LIST_RETURN + "ORDER BY release_date DESC, id" + _PAGE
)
MODELS_BY_CONTEXT: LiteralString = (
    _MODEL_LIST_MATCH + _MODEL_LIST_RETURN + "ORDER BY context_length DESC, id" + _PAGE
)
MODEL_SORTS: dict[str, LiteralString] = {
    "name": MODELS_BY_NAME,
    "release_date": MODELS_BY_RELEASE,
    "context_length": MODELS_BY_CONTEXT,
}
COUNT_MODELS: LiteralString = _MODEL_LIST_MATCH + "RETURN count(DISTINCT m) AS total LIMIT 1"

MODEL_DETAIL: LiteralString = (
    """
MATCH (m:Model {id: $id})
WHERE """
    + _M_VISIBLE
    + """
OPTIONAL MATCH (m)-[:DEVELOPED_BY]->(o:Organization)
OPTIONAL MATCH (m)-[:HAS_LICENSE]->(l:License)
RETURN properties(m) AS model, o.id AS org_id, o.name AS organization, l.id AS license_id,
       l.name AS license,
       [(m)-[:SUPPORTS_INPUT]->(i:Modality) | i.id] AS input_modalities,
       [(m)-[:SUPPORTS_OUTPUT]->(u:Modality) | u.id] AS output_modalities,
       [(m)-[r:DESCRIBED_BY]->(s:SourceRecord) | {source: s.source, url: s.url, rank: r.rank}] AS records
LIMIT 1
"""
)

MODEL_BENCHMARKS: LiteralString = (
    """
MATCH (m:Model {id: $id})-[s:SCORED]->(b:Benchmark)
WHERE """
    + _M_VISIBLE
    + """
RETURN b.id AS benchmark_id, b.name AS benchmark, s.score AS score, s.source AS source,
       s.self_reported AS self_reported
ORDER BY benchmark_id, source
LIMIT $limit
"""
)

MODEL_PROVIDERS: LiteralString = (
    """
MATCH (p:Provider)-[s:SERVES]->(m:Model {id: $id})
WHERE """
    + _M_VISIBLE
    + """
RETURN p.id AS provider_id, p.name AS provider, s.input_usd_per_1m AS input_usd_per_1m,
       s.output_usd_per_1m AS output_usd_per_1m, s.max_input_tokens AS max_input_tokens, s.source AS source
ORDER BY provider_id, source
LIMIT $limit
"""
)

MODEL_LINEAGE: LiteralString = (
    """
MATCH (m:Model {id: $id})-[r:FINE_TUNED_FROM|BASED_ON]->(x:Model)
WHERE """
    + _M_VISIBLE
    + " AND "
    + _X_VISIBLE
    + """
RETURN 'parent' AS direction, type(r) AS relation, x.id AS id, x.name AS name
LIMIT $limit
UNION ALL
MATCH (x:Model)-[r:FINE_TUNED_FROM|BASED_ON]->(m:Model {id: $id})
WHERE """
    + _M_VISIBLE
    + " AND "
    + _X_VISIBLE
    + """
RETURN 'child' AS direction, type(r) AS relation, x.id AS id, x.name AS name
LIMIT $limit
"""
)

# -- news -----------------------------------------------------------------------------------------
_NEWS_MATCH: LiteralString = (
    """
MATCH (a:Article)
WHERE """
    + _A_VISIBLE
    + """
  AND ($since IS NULL OR a.published >= $since)
  AND ($until IS NULL OR a.published < $until)
  AND ($model_id IS NULL OR EXISTS { MATCH (a)-[:MENTIONS]->(:Model {id: $model_id}) })
  AND ($org_id IS NULL OR EXISTS { MATCH (a)-[:MENTIONS]->(:Organization {id: $org_id}) })
  AND ($topic_id IS NULL OR EXISTS { MATCH (a)-[:ABOUT]->(:Topic {id: $topic_id}) })
"""
)
NEWS_LIST: LiteralString = (
    _NEWS_MATCH
    + """
RETURN a.id AS id, a.title AS title, a.url AS url, a.published AS published, a.source_name AS source,
       a.summary AS summary, a.classification AS classification, a.tenant AS tenant,
       a.sentiment AS sentiment, a.sentiment_label AS sentiment_label,
       [(a)-[:ABOUT]->(t:Topic) | t.name] AS topics
ORDER BY published DESC, id
SKIP $offset LIMIT $limit
"""
)

# -- neighbourhood of one node, for visualisation --------------------------------------------------
# One constant per kind: the label is fixed text. Chunks and source records are not shown.
_NEIGHBOURS: LiteralString = (
    """
WHERE """
    + _X_VISIBLE
    + """
OPTIONAL MATCH (x)-[r]-(n)
WHERE NOT n:Chunk AND NOT n:SourceRecord AND NOT n:QuarantinedRow
  AND coalesce(n.classification, 'public') IN $classifications
  AND ($any_tenant OR n.tenant IS NULL OR n.tenant IN $tenants)
WITH x, r, n LIMIT $limit
RETURN x.id AS id, labels(x)[0] AS kind, coalesce(x.name, x.title, x.id) AS label,
       collect(CASE WHEN n IS NULL THEN NULL ELSE {id: n.id, kind: labels(n)[0],
               label: coalesce(n.name, n.title, n.id), relation: type(r),
               outgoing: startNode(r) = x} END) AS neighbours
LIMIT 1
"""
)
NEIGHBOURHOOD: dict[str, LiteralString] = {
    "model": "MATCH (x:Model {id: $id})" + _NEIGHBOURS,
    "organization": "MATCH (x:Organization {id: $id})" + _NEIGHBOURS,
    "article": "MATCH (x:Article {id: $id})" + _NEIGHBOURS,
    "topic": "MATCH (x:Topic {id: $id})" + _NEIGHBOURS,
    "license": "MATCH (x:License {id: $id})" + _NEIGHBOURS,
    "benchmark": "MATCH (x:Benchmark {id: $id})" + _NEIGHBOURS,
    "provider": "MATCH (x:Provider {id: $id})" + _NEIGHBOURS,
    "document": "MATCH (x:Document {id: $id})" + _NEIGHBOURS,
}

# -- uploaded documents ----------------------------------------------------------------------------
UPSERT_DOCUMENT: LiteralString = """
MERGE (d:Document {id: $id})
SET d += $props
"""

UPSERT_DOCUMENT_CHUNKS: LiteralString = """
UNWIND $rows AS row
MERGE (c:Chunk {id: row.id})
SET c += row.props
WITH c, row
MATCH (d:Document {id: row.props.doc_id})
MERGE (d)-[:HAS_CHUNK]->(c)
"""

# A document is seen only by its tenant, and only at a classification the caller may read.
_D_VISIBLE: LiteralString = "d.tenant = $tenant AND d.classification IN $classifications"

LIST_DOCUMENTS: LiteralString = (
    """
MATCH (d:Document)
WHERE """
    + _D_VISIBLE
    + """
RETURN d.id AS id, d.title AS title, d.classification AS classification, d.tenant AS tenant,
       d.created_at AS created_at, d.created_by AS created_by, d.chars AS chars
ORDER BY created_at DESC, id
SKIP $offset LIMIT $limit
"""
)

GET_DOCUMENT: LiteralString = (
    """
MATCH (d:Document {id: $id})
WHERE """
    + _D_VISIBLE
    + """
RETURN d.id AS id, d.title AS title, d.classification AS classification, d.tenant AS tenant,
       d.created_at AS created_at, d.created_by AS created_by, d.chars AS chars,
       [(d)-[:HAS_CHUNK]->(c:Chunk) | c.id] AS chunk_ids
LIMIT 1
"""
)

DELETE_DOCUMENT: LiteralString = """
MATCH (d:Document {id: $id})
WHERE d.tenant = $tenant
OPTIONAL MATCH (d)-[:HAS_CHUNK]->(c:Chunk)
DETACH DELETE c, d
"""
