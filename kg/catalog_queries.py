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
# Every filter is a parameter that is NULL (or an empty list) when unused, so one statement serves
# every combination. Prices are USD per 1M input tokens on any provider's offer (SERVES); a
# benchmark filter keeps models with a score on that benchmark, at least `$min_score` if given.
_MODEL_LIST_MATCH: LiteralString = (
    """
MATCH (m:Model)
WHERE """
    + _M_VISIBLE
    + """
  AND ($q IS NULL OR toLower(m.name) CONTAINS $q OR toLower(m.id) CONTAINS $q)
  AND ($open_weights IS NULL OR m.open_weights = $open_weights)
  AND ($min_context IS NULL OR m.context_length >= $min_context)
  AND ($max_context IS NULL OR m.context_length <= $max_context)
  AND ($min_parameters IS NULL OR m.parameters >= $min_parameters)
  AND ($max_parameters IS NULL OR m.parameters <= $max_parameters)
  AND ($released_after IS NULL OR m.release_date >= $released_after)
  AND ($released_before IS NULL OR m.release_date <= $released_before)
  AND ($org_id IS NULL OR EXISTS { MATCH (m)-[:DEVELOPED_BY]->(:Organization {id: $org_id}) })
  AND ($license_id IS NULL OR EXISTS { MATCH (m)-[:HAS_LICENSE]->(:License {id: $license_id}) })
  AND all(x IN $input_modalities WHERE EXISTS { MATCH (m)-[:SUPPORTS_INPUT]->(:Modality {id: x}) })
  AND all(x IN $output_modalities WHERE EXISTS { MATCH (m)-[:SUPPORTS_OUTPUT]->(:Modality {id: x}) })
  AND ($max_input_price IS NULL
       OR EXISTS { MATCH (:Provider)-[s:SERVES]->(m) WHERE s.input_usd_per_1m <= $max_input_price })
  AND ($benchmark_id IS NULL
       OR EXISTS { MATCH (m)-[s:SCORED]->(:Benchmark {id: $benchmark_id})
                   WHERE $min_score IS NULL OR s.score >= $min_score })
"""
)
# The cheapest offer and the best score on the filtered benchmark are aggregated for every match
# (sortable), then the page is cut, and only the page's rows get their organisation, licence and
# modalities (pattern comprehensions over every match cost seconds on ArcadeDB).
_MODEL_LIST_RANK: LiteralString = """
OPTIONAL MATCH (:Provider)-[s:SERVES]->(m)
WITH m, min(s.input_usd_per_1m) AS price
OPTIONAL MATCH (m)-[b:SCORED]->(:Benchmark {id: $benchmark_id})
WITH m, price, max(b.score) AS best
"""
_MODEL_LIST_RETURN: LiteralString = """
SKIP $offset LIMIT $limit
OPTIONAL MATCH (m)-[:DEVELOPED_BY]->(o:Organization)
OPTIONAL MATCH (m)-[:HAS_LICENSE]->(l:License)
OPTIONAL MATCH (m)-[:SUPPORTS_INPUT]->(i:Modality)
WITH m, price, best, o, l, collect(i.id) AS inputs
RETURN m.id AS id, m.name AS name, o.id AS org_id, o.name AS organization, m.family AS family,
       m.release_date AS release_date, m.context_length AS context_length, m.open_weights AS open_weights,
       m.parameters AS parameters, l.id AS license_id, price AS input_usd_per_1m, inputs AS input_modalities,
       best AS benchmark_score
"""


def _sorted(before_page: LiteralString, after_return: LiteralString) -> LiteralString:
    return (
        _MODEL_LIST_MATCH + _MODEL_LIST_RANK + "ORDER BY " + before_page + _MODEL_LIST_RETURN
        + "ORDER BY " + after_return + "\nLIMIT $limit\n"
    )  # fmt: skip


# Sort orders cannot be parameters: one statement per whitelisted key (ordered again after the
# page's rows are gathered, since aggregation does not keep an order).
MODEL_SORTS: dict[str, LiteralString] = {
    "name": _sorted("m.name, m.id", "name, id"),
    "release_date": _sorted(
        "m.release_date IS NULL, m.release_date DESC, m.id", "release_date IS NULL, release_date DESC, id"
    ),
    "context_length": _sorted(
        "m.context_length IS NULL, m.context_length DESC, m.id",
        "context_length IS NULL, context_length DESC, id",
    ),
    "parameters": _sorted(
        "m.parameters IS NULL, m.parameters DESC, m.id", "parameters IS NULL, parameters DESC, id"
    ),
    "input_price": _sorted("price IS NULL, price, m.id", "input_usd_per_1m IS NULL, input_usd_per_1m, id"),
    "benchmark_score": _sorted(
        "best IS NULL, best DESC, m.id", "benchmark_score IS NULL, benchmark_score DESC, id"
    ),
}
MODELS_BY_NAME: LiteralString = MODEL_SORTS["name"]
# Every filter parameter of the model list, unset: a caller adds only the ones it uses.
MODEL_FILTERS_UNSET: dict[str, object] = {
    "q": None, "org_id": None, "open_weights": None, "min_context": None, "max_context": None,
    "min_parameters": None, "max_parameters": None, "released_after": None, "released_before": None,
    "license_id": None, "input_modalities": [], "output_modalities": [], "max_input_price": None,
    "benchmark_id": None, "min_score": None,
}  # fmt: skip
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

# -- quarantined rows of the ingestion jobs -------------------------------------------------------
# Written by catalog/job.py and catalog/news/job.py with `last_seen` = the run's start (ISO text);
# news rows have a source starting with 'news:'.
_QUARANTINE_MATCH: LiteralString = """
MATCH (q:QuarantinedRow)
WHERE ($news IS NULL OR (q.source STARTS WITH 'news:') = $news)
  AND ($since IS NULL OR q.last_seen >= $since)
  AND ($until IS NULL OR q.last_seen <= $until)
"""
QUARANTINE_ROWS: LiteralString = (
    _QUARANTINE_MATCH
    + """
RETURN q.id AS id, q.source AS source, q.source_key AS key, q.reason AS reason,
       q.first_seen AS first_seen, q.last_seen AS last_seen
ORDER BY last_seen DESC, source, key, id
SKIP $offset LIMIT $limit
"""
)
COUNT_QUARANTINE: LiteralString = _QUARANTINE_MATCH + "RETURN count(q) AS total LIMIT 1"

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
