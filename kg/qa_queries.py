"""The vetted Cypher templates behind grounded answers, one named constant per template.

Rules every template here follows (and `tests/rag/test_retrieval.py` checks):
- values only as `$parameters`; labels, relationship types and property names are fixed text;
- a `LIMIT` on every statement, so no question can pull the whole graph;
- an access filter on every content node: `a.classification IN $classifications` plus the tenant
  rule of `rag.base.AccessFilter` (`$any_tenant OR x.tenant IS NULL OR x.tenant IN $tenants`) on
  Articles and Chunks; Models are public unless they carry a `classification` (licensed facts).

Shared filter fragments are module constants joined with `+`, never formatted with input.
"""

from __future__ import annotations

from typing import LiteralString

# -- vocabularies for the question analyser (names and aliases, no content) --------------------
QA_MODEL_NAMES: LiteralString = """
MATCH (m:Model)
OPTIONAL MATCH (m)-[:DEVELOPED_BY]->(o:Organization)
RETURN m.id AS id, m.name AS name, m.aliases AS aliases, o.id AS org,
       size(coalesce(m.sources, [])) AS sources
LIMIT $limit
"""

QA_ORGANIZATION_NAMES: LiteralString = """
MATCH (o:Organization)
RETURN o.id AS id, o.name AS name, o.aliases AS aliases
LIMIT $limit
"""

QA_LICENSE_NAMES: LiteralString = """
MATCH (l:License)
RETURN l.id AS id, l.name AS name
LIMIT $limit
"""

# Benchmarks with more scores first: when two share a name, the better-covered one wins.
QA_BENCHMARK_NAMES: LiteralString = """
MATCH (b:Benchmark)
RETURN b.id AS id, b.name AS name, count { (:Model)-[:SCORED]->(b) } AS scored
ORDER BY scored DESC, b.id
LIMIT $limit
"""

QA_TOPIC_NAMES: LiteralString = """
MATCH (t:Topic)
RETURN t.id AS id, t.name AS name, t.kind AS kind
LIMIT $limit
"""

# -- shared fragments ---------------------------------------------------------------------------
_MODEL_VISIBLE: LiteralString = "coalesce(m.classification, 'public') IN $classifications"
_ARTICLE_VISIBLE: LiteralString = (
    "a.classification IN $classifications AND ($any_tenant OR a.tenant IS NULL OR a.tenant IN $tenants)"
)
_ARTICLE_DATES: LiteralString = (
    "($since IS NULL OR a.published >= $since) AND ($until IS NULL OR a.published < $until)"
)
# Every filter is optional: a null parameter switches its line off.
_MODEL_FILTERS: LiteralString = (
    _MODEL_VISIBLE
    + """
  AND ($open_weights IS NULL OR m.open_weights = $open_weights)
  AND ($reasoning IS NULL OR m.reasoning = $reasoning)
  AND ($min_context IS NULL OR m.context_length >= $min_context)
  AND ($released_after IS NULL OR m.release_date >= $released_after)
  AND ($released_before IS NULL OR m.release_date <= $released_before)
  AND ($org_id IS NULL OR EXISTS { (m)-[:DEVELOPED_BY]->(:Organization {id: $org_id}) })
  AND ($modality IS NULL OR EXISTS { (m)-[:SUPPORTS_INPUT]->(:Modality {id: $modality}) })
  AND ($license_id IS NULL OR EXISTS { (m)-[:HAS_LICENSE]->(:License {id: $license_id}) })
"""
)

# -- attribute / compare: every fact of some models, with provenance ---------------------------
# `records` lists the SourceRecords (source, url, rank) so each `<field>_source` gets its url.
MODEL_FACTS: LiteralString = (
    """
UNWIND $model_ids AS model_id
MATCH (m:Model {id: model_id})
WHERE """
    + _MODEL_VISIBLE
    + """
OPTIONAL MATCH (m)-[d:DEVELOPED_BY]->(o:Organization)
OPTIONAL MATCH (m)-[h:HAS_LICENSE]->(l:License)
RETURN properties(m) AS model,
       o.id AS org_id, o.name AS org_name, d.sources AS org_sources, d.source_url AS org_url,
       l.id AS license_id, l.name AS license_name, l.allows_commercial AS license_commercial,
       h.sources AS license_sources, h.source_url AS license_url,
       [(m)-[r:DESCRIBED_BY]->(s:SourceRecord) | {source: s.source, url: s.url, rank: r.rank}] AS records
LIMIT $limit
"""
)

# Provider prices, the developer's own API first, then cheapest first.
MODEL_PRICES: LiteralString = (
    """
MATCH (p:Provider)-[s:SERVES]->(m:Model)
WHERE m.id IN $model_ids AND """
    + _MODEL_VISIBLE
    + """
  AND (s.input_usd_per_1m IS NOT NULL OR s.output_usd_per_1m IS NOT NULL)
RETURN m.id AS model_id, m.name AS model_name, p.id AS provider_id, p.name AS provider_name,
       s.provider_model_id AS provider_model_id, s.input_usd_per_1m AS input_usd_per_1m,
       s.output_usd_per_1m AS output_usd_per_1m, s.source AS source, s.source_url AS url,
       EXISTS { (m)-[:DEVELOPED_BY]->(:Organization {id: p.id}) } AS first_party
ORDER BY first_party DESC, coalesce(s.input_usd_per_1m, s.output_usd_per_1m) ASC, p.id
LIMIT $limit
"""
)

MODEL_SCORES: LiteralString = (
    """
MATCH (m:Model)-[s:SCORED]->(b:Benchmark)
WHERE m.id IN $model_ids AND ($benchmark_id IS NULL OR b.id = $benchmark_id) AND """
    + _MODEL_VISIBLE
    + """
RETURN m.id AS model_id, m.name AS model_name, b.id AS benchmark_id, b.name AS benchmark_name,
       s.score AS score, s.source AS source, s.source_url AS url, s.self_reported AS self_reported
ORDER BY s.score DESC
LIMIT $limit
"""
)

# -- list / count -------------------------------------------------------------------------------
MODELS_BY_FILTERS: LiteralString = (
    """
MATCH (m:Model)
WHERE """
    + _MODEL_FILTERS
    + """
OPTIONAL MATCH (m)-[:DEVELOPED_BY]->(o:Organization)
RETURN m.id AS id, m.name AS name, o.name AS org_name, m.release_date AS release_date,
       m.context_length AS context_length, m.open_weights AS open_weights, m.parameters AS parameters,
       m.input_modalities AS input_modalities, m.reasoning AS reasoning, m.sources AS sources
ORDER BY CASE WHEN $by_context THEN coalesce(m.context_length, 0) ELSE 0 END DESC,
         m.release_date IS NULL, m.release_date DESC, m.name
LIMIT $limit
"""
)

COUNT_MODELS: LiteralString = (
    """
MATCH (m:Model)
WHERE """
    + _MODEL_FILTERS
    + """
RETURN count(m) AS models
LIMIT 1
"""
)

MODELS_PER_ORGANIZATION: LiteralString = (
    """
MATCH (m:Model)-[:DEVELOPED_BY]->(o:Organization)
WHERE """
    + _MODEL_FILTERS
    + """
RETURN o.id AS org_id, o.name AS org_name, count(m) AS models
ORDER BY models DESC, o.name
LIMIT $limit
"""
)

# -- rank ---------------------------------------------------------------------------------------
RANK_BY_BENCHMARK: LiteralString = (
    """
MATCH (m:Model)-[s:SCORED]->(b:Benchmark {id: $benchmark_id})
WHERE s.score IS NOT NULL AND """
    + _MODEL_FILTERS
    + """
RETURN m.id AS model_id, m.name AS model_name, b.id AS benchmark_id, b.name AS benchmark_name,
       s.score AS score, s.source AS source, s.source_url AS url, s.self_reported AS self_reported
ORDER BY s.score DESC, m.name
LIMIT $limit
"""
)

# -- lineage: up to three hops in both directions, one row per path ----------------------------
LINEAGE: LiteralString = (
    """
MATCH p = (m:Model)-[:FINE_TUNED_FROM|BASED_ON*1..3]->(x:Model)
WHERE m.id IN $model_ids AND """
    + _MODEL_VISIBLE
    + """
RETURN 'ancestor' AS direction, [n IN nodes(p) | n.id] AS ids, [n IN nodes(p) | n.name] AS names,
       [r IN relationships(p) | type(r)] AS relations, [r IN relationships(p) | r.sources] AS sources,
       [r IN relationships(p) | r.source_url] AS urls
LIMIT $limit
UNION ALL
MATCH p = (x:Model)-[:FINE_TUNED_FROM|BASED_ON*1..3]->(m:Model)
WHERE m.id IN $model_ids AND """
    + _MODEL_VISIBLE
    + """
RETURN 'descendant' AS direction, [n IN nodes(p) | n.id] AS ids, [n IN nodes(p) | n.name] AS names,
       [r IN relationships(p) | type(r)] AS relations, [r IN relationships(p) | r.sources] AS sources,
       [r IN relationships(p) | r.source_url] AS urls
LIMIT $limit
"""
)

# -- organisation -------------------------------------------------------------------------------
ORGANIZATION_FACTS: LiteralString = (
    """
MATCH (o:Organization {id: $org_id})
OPTIONAL MATCH (m:Model)-[:DEVELOPED_BY]->(o)
WHERE """
    + _MODEL_VISIBLE
    + """
RETURN o.id AS org_id, o.name AS name, o.country AS country, o.kind AS kind, o.website AS website,
       o.aliases AS aliases, count(m) AS models,
       sum(CASE WHEN m.open_weights THEN 1 ELSE 0 END) AS open_weight_models,
       max(m.release_date) AS latest_release
LIMIT 1
"""
)

ORGANIZATION_MODELS: LiteralString = (
    """
MATCH (m:Model)-[d:DEVELOPED_BY]->(o:Organization {id: $org_id})
WHERE """
    + _MODEL_VISIBLE
    + """
RETURN m.id AS model_id, m.name AS model_name, o.name AS org_name, m.release_date AS release_date,
       d.sources AS sources, d.source_url AS url
ORDER BY m.release_date IS NULL, m.release_date DESC, m.name
LIMIT $limit
"""
)

# -- news ---------------------------------------------------------------------------------------
# Each template starts from its entities by id and walks to the articles: starting from the
# articles (MATCH (a:Article)-[r:MENTIONS]->(x) WHERE x.id IN ...) scans every mention (10x slower).
NEWS_ABOUT_ENTITIES: LiteralString = (
    """
UNWIND $model_ids + $org_ids AS entity_id
OPTIONAL MATCH (m:Model {id: entity_id})
OPTIONAL MATCH (o:Organization {id: entity_id})
WITH m, coalesce(m, o) AS x
WHERE x IS NOT NULL AND (m IS NULL OR """
    + _MODEL_VISIBLE
    + """)
MATCH (a:Article)-[r:MENTIONS]->(x)
WHERE """
    + _ARTICLE_VISIBLE
    + " AND "
    + _ARTICLE_DATES
    + """
  AND r.confidence >= $min_confidence
  AND ($topic_id IS NULL OR EXISTS { (a)-[:ABOUT]->(:Topic {id: $topic_id}) })
WITH a, collect(DISTINCT x.name) AS entities, max(r.confidence) AS confidence, sum(r.count) AS mentions
RETURN a.id AS id, a.title AS title, a.url AS url, a.published AS published, a.source_name AS source,
       a.summary AS summary, a.body AS body, a.classification AS classification, a.tenant AS tenant,
       entities, confidence, mentions
ORDER BY a.published DESC, confidence DESC, a.id
LIMIT $limit
"""
)

NEWS_ABOUT_TOPIC: LiteralString = (
    """
MATCH (topic:Topic {id: $topic_id})
MATCH (a:Article)-[t:ABOUT]->(topic)
WHERE """
    + _ARTICLE_VISIBLE
    + " AND "
    + _ARTICLE_DATES
    + """
RETURN a.id AS id, a.title AS title, a.url AS url, a.published AS published, a.source_name AS source,
       a.summary AS summary, a.body AS body, a.classification AS classification, a.tenant AS tenant,
       [] AS entities, t.score AS confidence, 0 AS mentions
ORDER BY a.published DESC, t.score DESC, a.id
LIMIT $limit
"""
)

# -- topic: the models that articles about a topic mention (optionally one organisation's) -------
MODELS_WITH_TOPIC: LiteralString = (
    """
MATCH (t:Topic {id: $topic_id})
MATCH (a:Article)-[:ABOUT]->(t)
WHERE """
    + _ARTICLE_VISIBLE
    + " AND "
    + _ARTICLE_DATES
    + """
MATCH (a)-[r:MENTIONS]->(m:Model)
WHERE """
    + _MODEL_VISIBLE
    + """
  AND r.confidence >= $min_confidence
  AND ($org_id IS NULL OR EXISTS { (m)-[:DEVELOPED_BY]->(:Organization {id: $org_id}) })
WITH m, t, count(DISTINCT a) AS articles, collect(DISTINCT a.id)[0..3] AS article_ids,
     min(a.published) AS first, max(a.published) AS last
RETURN m.id AS model_id, m.name AS model_name, t.id AS topic_id, t.name AS topic_name, articles,
       article_ids, first, last
ORDER BY articles DESC, last DESC, m.name
LIMIT $limit
"""
)

# -- chunks: text and labels of index hits, checked again against the graph's access labels ----
CHUNKS_BY_IDS: LiteralString = """
UNWIND $ids AS chunk_id
MATCH (c:Chunk {id: chunk_id})
WHERE c.classification IN $classifications AND ($any_tenant OR c.tenant IS NULL OR c.tenant IN $tenants)
OPTIONAL MATCH (a:Article)-[:HAS_CHUNK]->(c)
WHERE a.classification IN $classifications
RETURN c.id AS id, c.doc_id AS doc_id, c.kind AS kind, c.text AS text, c.title AS title, c.url AS url,
       c.date AS date, c.classification AS classification, c.tenant AS tenant, a.source_name AS source
LIMIT $limit
"""

# Every retrieval template by the name `QuestionAnalysis.template` carries.
TEMPLATES: dict[str, LiteralString] = {
    "MODEL_FACTS": MODEL_FACTS,
    "MODEL_PRICES": MODEL_PRICES,
    "MODEL_SCORES": MODEL_SCORES,
    "MODELS_BY_FILTERS": MODELS_BY_FILTERS,
    "COUNT_MODELS": COUNT_MODELS,
    "MODELS_PER_ORGANIZATION": MODELS_PER_ORGANIZATION,
    "RANK_BY_BENCHMARK": RANK_BY_BENCHMARK,
    "LINEAGE": LINEAGE,
    "ORGANIZATION_FACTS": ORGANIZATION_FACTS,
    "ORGANIZATION_MODELS": ORGANIZATION_MODELS,
    "NEWS_ABOUT_ENTITIES": NEWS_ABOUT_ENTITIES,
    "NEWS_ABOUT_TOPIC": NEWS_ABOUT_TOPIC,
    "MODELS_WITH_TOPIC": MODELS_WITH_TOPIC,
    "CHUNKS_BY_IDS": CHUNKS_BY_IDS,
}
