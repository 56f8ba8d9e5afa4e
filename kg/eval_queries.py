"""Read-only Cypher that the evaluation set is generated from. Values are always `$parameters`."""

from __future__ import annotations

from typing import LiteralString

# One row per model with every fact a catalog question asks about.
EVAL_MODELS: LiteralString = """
MATCH (m:Model)
OPTIONAL MATCH (m)-[:DEVELOPED_BY]->(o:Organization)
OPTIONAL MATCH (m)-[:HAS_LICENSE]->(l:License)
OPTIONAL MATCH (m)-[lin:FINE_TUNED_FROM|BASED_ON]->(b:Model)
RETURN m.id AS id, m.name AS name, m.aliases AS aliases, m.sources AS sources,
       m.release_date AS release_date, m.parameters AS parameters, m.parameters_status AS parameters_status,
       m.context_length AS context_length, m.knowledge_cutoff AS knowledge_cutoff,
       m.open_weights AS open_weights, m.input_modalities AS input_modalities,
       m.output_modalities AS output_modalities,
       o.id AS org_id, o.name AS org_name, o.aliases AS org_aliases,
       l.id AS license_id, l.name AS license_name,
       type(lin) AS lineage, b.id AS base_id, b.name AS base_name
"""

# The developer's own input price (provider id = organisation id): the one price that is not a
# reseller's. Kept apart from EVAL_MODELS: a pattern comprehension there is 100x slower on ArcadeDB.
EVAL_FIRST_PARTY_PRICES: LiteralString = """
MATCH (o:Organization)<-[:DEVELOPED_BY]-(m:Model)<-[s:SERVES]-(p:Provider)
WHERE p.id = o.id
RETURN m.id AS model_id, min(s.input_usd_per_1m) AS low, max(s.input_usd_per_1m) AS high
"""

# Best score per model on each benchmark (a model may be scored by several sources).
EVAL_SCORES: LiteralString = """
MATCH (m:Model)-[s:SCORED]->(b:Benchmark)
RETURN b.id AS benchmark_id, b.name AS benchmark_name, m.id AS model_id, max(s.score) AS score
"""

EVAL_ORGANIZATIONS: LiteralString = """
MATCH (o:Organization)
RETURN o.id AS id, o.name AS name, o.country AS country, o.website AS website, o.aliases AS aliases
"""

# Articles that mention a model, with their date and topics, for news and topic questions.
EVAL_MODEL_MENTIONS: LiteralString = """
MATCH (a:Article)-[r:MENTIONS]->(m:Model)
WHERE a.published IS NOT NULL AND coalesce(a.classification, 'public') = 'public'
  AND coalesce(r.confidence, 1.0) >= $min_confidence
RETURN a.id AS article_id, a.title AS title, a.published AS published, m.id AS model_id,
       [(a)-[:ABOUT]->(t:Topic) | t.id] AS topics
"""

EVAL_TOPICS: LiteralString = "MATCH (t:Topic) RETURN t.id AS id, t.name AS name, t.kind AS kind"
