"""Every Cypher statement of the project, as named constants. Values are always `$parameters`.

Write statements UNWIND `$rows` so the store can batch them. Catalog writes are split by
area so a job can write nodes first, then relationships, then mark models as complete
(`MARK_MODELS_COMPLETE`), which is what makes a killed job safe to re-run.
"""

from __future__ import annotations

from typing import LiteralString

# -- catalog: nodes -----------------------------------------------------------------------
UPSERT_MODELS: LiteralString = """
UNWIND $rows AS row
MERGE (m:Model {id: row.id})
ON CREATE SET m.ingested_at = $now
SET m += row.props, m.updated_at = $now
"""

# Written last for each batch: a model whose hash is stored has all its facts written.
MARK_MODELS_COMPLETE: LiteralString = """
UNWIND $rows AS row
MATCH (m:Model {id: row.id})
SET m.content_hash = row.content_hash
"""

UPSERT_SOURCE_RECORDS: LiteralString = """
UNWIND $rows AS row
MERGE (r:SourceRecord {id: row.id})
ON CREATE SET r.ingested_at = $now
SET r += row.props
WITH r, row
MATCH (m:Model {id: row.model_id})
MERGE (m)-[d:DESCRIBED_BY]->(r)
SET d.rank = row.rank
"""

UPSERT_ORGANIZATIONS: LiteralString = """
UNWIND $rows AS row
MERGE (o:Organization {id: row.id})
ON CREATE SET o.ingested_at = $now
SET o += row.props
"""

UPSERT_LICENSES: LiteralString = """
UNWIND $rows AS row
MERGE (l:License {id: row.id})
ON CREATE SET l.ingested_at = $now
SET l += row.props
"""

UPSERT_MODALITIES: LiteralString = """
UNWIND $rows AS row
MERGE (x:Modality {id: row.id})
ON CREATE SET x.ingested_at = $now, x.name = row.id
"""

UPSERT_BENCHMARKS: LiteralString = """
UNWIND $rows AS row
MERGE (b:Benchmark {id: row.id})
ON CREATE SET b.ingested_at = $now
SET b += row.props
"""

UPSERT_PROVIDERS: LiteralString = """
UNWIND $rows AS row
MERGE (p:Provider {id: row.id})
ON CREATE SET p.ingested_at = $now
SET p += row.props
"""

UPSERT_QUARANTINE: LiteralString = """
UNWIND $rows AS row
MERGE (q:QuarantinedRow {id: row.id})
ON CREATE SET q.first_seen = $now
SET q += row.props, q.last_seen = $now
"""

# -- catalog: relationships ---------------------------------------------------------------
# A changed model's developer and licence are rewritten: its old edges go first (a model whose
# developer changed between runs, e.g. by a curation decision, must not keep the old one).
UNLINK_MODEL_FACTS: LiteralString = """
UNWIND $rows AS row
MATCH (m:Model {id: row.id})-[e:DEVELOPED_BY|HAS_LICENSE]->()
DELETE e
"""

LINK_DEVELOPED_BY: LiteralString = """
UNWIND $rows AS row
MATCH (m:Model {id: row.model_id}), (o:Organization {id: row.org_id})
MERGE (m)-[e:DEVELOPED_BY]->(o)
ON CREATE SET e.ingested_at = $now
SET e.sources = row.sources, e.source_url = row.source_url
"""

LINK_HAS_LICENSE: LiteralString = """
UNWIND $rows AS row
MATCH (m:Model {id: row.model_id}), (l:License {id: row.license_id})
MERGE (m)-[e:HAS_LICENSE]->(l)
ON CREATE SET e.ingested_at = $now
SET e.sources = row.sources, e.source_url = row.source_url
"""

LINK_SUPPORTS_INPUT: LiteralString = """
UNWIND $rows AS row
MATCH (m:Model {id: row.model_id}), (x:Modality {id: row.modality})
MERGE (m)-[e:SUPPORTS_INPUT]->(x)
ON CREATE SET e.ingested_at = $now
SET e.sources = row.sources
"""

LINK_SUPPORTS_OUTPUT: LiteralString = """
UNWIND $rows AS row
MATCH (m:Model {id: row.model_id}), (x:Modality {id: row.modality})
MERGE (m)-[e:SUPPORTS_OUTPUT]->(x)
ON CREATE SET e.ingested_at = $now
SET e.sources = row.sources
"""

LINK_FINE_TUNED_FROM: LiteralString = """
UNWIND $rows AS row
MATCH (m:Model {id: row.model_id}), (b:Model {id: row.base_id})
MERGE (m)-[e:FINE_TUNED_FROM]->(b)
ON CREATE SET e.ingested_at = $now
SET e.sources = row.sources, e.source_url = row.source_url
"""

LINK_BASED_ON: LiteralString = """
UNWIND $rows AS row
MATCH (m:Model {id: row.model_id}), (b:Model {id: row.base_id})
MERGE (m)-[e:BASED_ON]->(b)
ON CREATE SET e.ingested_at = $now
SET e.sources = row.sources, e.source_url = row.source_url
"""

LINK_SCORED: LiteralString = """
UNWIND $rows AS row
MATCH (m:Model {id: row.model_id}), (b:Benchmark {id: row.benchmark_id})
MERGE (m)-[e:SCORED {source: row.source}]->(b)
ON CREATE SET e.ingested_at = $now
SET e += row.props
"""

LINK_SERVES: LiteralString = """
UNWIND $rows AS row
MATCH (p:Provider {id: row.provider_id}), (m:Model {id: row.model_id})
MERGE (p)-[e:SERVES {source: row.source, provider_model_id: row.provider_model_id}]->(m)
ON CREATE SET e.ingested_at = $now
SET e += row.props
"""

# -- catalog: listings (source entries that are not models of their own) -----------------------
UPSERT_LISTINGS: LiteralString = """
UNWIND $rows AS row
MERGE (l:Listing {id: row.id})
ON CREATE SET l.ingested_at = $now
SET l += row.props, l.updated_at = $now
"""

# A listing's target can change between runs (a curation decision): drop the old edge first.
UNLINK_LISTINGS: LiteralString = """
UNWIND $rows AS row
MATCH (l:Listing {id: row.id})-[e:LISTING_OF]->(m:Model)
WHERE m.id <> coalesce(row.model_id, '')
DELETE e
"""

LINK_LISTING_OF: LiteralString = """
UNWIND $rows AS row
MATCH (l:Listing {id: row.id}), (m:Model {id: row.model_id})
MERGE (l)-[e:LISTING_OF]->(m)
ON CREATE SET e.ingested_at = $now
SET e.evidence = row.evidence
"""

UPSERT_LISTING_RECORDS: LiteralString = """
UNWIND $rows AS row
MERGE (r:SourceRecord {id: row.id})
ON CREATE SET r.ingested_at = $now
SET r += row.props
WITH r, row
MATCH (l:Listing {id: row.listing_id})
MERGE (l)-[d:DESCRIBED_BY]->(r)
SET d.rank = row.rank
"""

# Offerings of an unresolved listing (a resolved listing's offerings SERVE its model).
LINK_LISTING_SERVES: LiteralString = """
UNWIND $rows AS row
MATCH (p:Provider {id: row.provider_id}), (l:Listing {id: row.listing_id})
MERGE (p)-[e:SERVES {source: row.source, provider_model_id: row.provider_model_id}]->(l)
ON CREATE SET e.ingested_at = $now
SET e += row.props
"""

# A node that changed kind (a model that is now a listing, or the reverse) is replaced; a node of an
# earlier run that this run no longer produces (a rule or the data changed) is removed.
DELETE_MODELS: LiteralString = """
UNWIND $ids AS id
MATCH (m:Model {id: id})
DETACH DELETE m
"""

DELETE_LISTINGS: LiteralString = """
UNWIND $ids AS id
MATCH (l:Listing {id: id})
DETACH DELETE l
"""

LISTING_IDS: LiteralString = "MATCH (l:Listing) RETURN l.id AS id"

# -- catalog: review of what resolution is unsure about ------------------------------------------
UNRESOLVED_LISTINGS: LiteralString = """
MATCH (l:Listing {status: 'unresolved'})
RETURN l.id AS id, l.name AS name, l.aliases AS aliases, l.sources AS sources, l.evidence AS evidence,
       l.candidates AS candidates, l.records AS records
ORDER BY id
"""

# One row per canonical model, for the hand audit of a random sample (catalog/review.py).
AUDIT_MODELS: LiteralString = """
MATCH (m:Model)
OPTIONAL MATCH (m)-[:DEVELOPED_BY]->(o:Organization)
OPTIONAL MATCH (m)-[:DESCRIBED_BY]->(r:SourceRecord)
RETURN m.id AS id, m.name AS name, collect(DISTINCT o.id) AS developer, collect(DISTINCT r.id)[0..6] AS records
"""

MODEL_NAMES: LiteralString = """
MATCH (m:Model) WHERE m.id IN $ids
OPTIONAL MATCH (m)-[:DEVELOPED_BY]->(o:Organization)
RETURN m.id AS id, m.name AS name, o.id AS developer
ORDER BY id
"""

# -- catalog: reads used by ingestion --------------------------------------------------------
MODEL_ANCHORS: LiteralString = """
MATCH (m:Model)
RETURN m.id AS id, m.name AS name, m.aliases AS aliases, m.raw_names AS raw_names,
       m.content_hash AS content_hash, m.sources AS sources
"""

LISTING_ANCHORS: LiteralString = """
MATCH (l:Listing)
RETURN l.id AS id, l.raw_names AS raw_names, l.sources AS sources
"""

# -- operating the graph ---------------------------------------------------------------------
NODE_COUNTS: LiteralString = """
MATCH (n) UNWIND labels(n) AS label
RETURN label, count(*) AS count ORDER BY label
"""

RELATIONSHIP_COUNTS: LiteralString = """
MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS count ORDER BY type
"""

# Canonical models and their aliases; listings by status (README "Models, listings and aliases").
IDENTITY_COUNTS: LiteralString = """
MATCH (m:Model)
RETURN count(m) AS models, sum(size(coalesce(m.aliases, []))) AS aliases,
       sum(CASE WHEN m.developer_status = 'unknown' THEN 1 ELSE 0 END) AS developer_unknown
"""

LISTING_COUNTS: LiteralString = """
MATCH (l:Listing) RETURN l.status AS status, count(*) AS count ORDER BY status
"""

# Coverage of the fields an analyst expects on every LLM. One row per model.
MODEL_COVERAGE: LiteralString = """
MATCH (m:Model)
RETURN m.id AS id,
       m.release_date IS NOT NULL AS release_date,
       m.context_length IS NOT NULL AS context_length,
       m.max_output IS NOT NULL AS max_output,
       m.knowledge_cutoff IS NOT NULL AS knowledge_cutoff,
       coalesce(m.parameters_status IN ['disclosed', 'undisclosed'], false) AS parameters_or_undisclosed,
       m.parameters IS NOT NULL AS parameters,
       m.open_weights IS NOT NULL AS open_weights,
       m.description IS NOT NULL AS description,
       EXISTS { (m)-[:DEVELOPED_BY]->(:Organization) } AS organization,
       EXISTS { (m)-[:HAS_LICENSE]->(:License) } AS license,
       EXISTS { (m)-[:SUPPORTS_INPUT]->(:Modality) } AS input_modalities,
       EXISTS { (m)-[:SUPPORTS_OUTPUT]->(:Modality) } AS output_modalities,
       EXISTS { (m)-[:SCORED]->(:Benchmark) } AS benchmark_scores,
       EXISTS { (m)-[:FINE_TUNED_FROM|BASED_ON]->(:Model) } AS lineage
"""

MODEL_FIELD_CLAIMS: LiteralString = """
MATCH (m:Model {id: $model_id})-[d:DESCRIBED_BY]->(r:SourceRecord)
RETURN r.source AS source, r.source_key AS source_key, r.url AS url, r.ingested_at AS ingested_at,
       r[$field] AS value, d.rank AS rank
ORDER BY d.rank
"""

DELETE_ALL: LiteralString = "MATCH (n) DETACH DELETE n"
