"""Cypher for news, topics and chunks (the catalog's statements are in kg/queries.py).

An article's `complete_hash` is written last, after its links, chunks and index entries, so an
article without it (or with a stale one) is simply processed again by the next run.

CREATE where the job knows nothing exists yet, MERGE where something may: a new article and its
chunks are created, one an earlier run stored is merged; an article's MENTIONS and ABOUT links are
created because the job clears them first (CLEAR_ARTICLE_LINKS) when the article was stored before.
On the embedded server MERGE costs a lookup per row that CREATE does not, and a SET after CREATE
writes the record again, so CREATE carries the properties in its pattern (full news corpus: 22 -> 13
CPU-s of graph server work). The unique constraint on `id` turns a wrong CREATE into an error, never
a second node.
"""

from __future__ import annotations

from typing import LiteralString

UPSERT_SOURCES: LiteralString = """
UNWIND $rows AS row
MERGE (s:Source {id: row.id})
ON CREATE SET s.ingested_at = $now
SET s += row.props
"""

UPSERT_TOPICS: LiteralString = """
UNWIND $rows AS row
MERGE (t:Topic {id: row.id})
ON CREATE SET t.ingested_at = $now
SET t += row.props
"""

UPSERT_ARTICLES: LiteralString = """
UNWIND $rows AS row
MERGE (a:Article {id: row.id})
ON CREATE SET a.ingested_at = $now
SET a += row.props, a.updated_at = $now
WITH a, row
MATCH (s:Source {id: row.source})
MERGE (a)-[p:PUBLISHED_BY]->(s)
"""

# A new article: nothing with its id is stored (the job's triage read every stored id).
# The properties are spelled out (the news job's `_article_props`, which a test holds to this list):
# a CREATE with a map writes the record once, a SET after it writes it again.
CREATE_ARTICLES: LiteralString = """
UNWIND $rows AS row
CREATE (a:Article {
  id: row.id, ingested_at: $now, updated_at: $now, title: row.props.title, url: row.props.url,
  permalink: row.props.permalink, published: row.props.published, source: row.props.source,
  source_name: row.props.source_name, source_key: row.props.source_key, summary: row.props.summary,
  text: row.props.text, body: row.props.body, content_hash: row.props.content_hash,
  categories: row.props.categories, gold_models: row.props.gold_models,
  gold_companies: row.props.gold_companies, gold_topics: row.props.gold_topics,
  classification: row.props.classification, sentiment: row.props.sentiment,
  sentiment_label: row.props.sentiment_label, near_of: row.props.near_of,
  near_reason: row.props.near_reason
})
WITH a, row
MATCH (s:Source {id: row.source})
CREATE (a)-[:PUBLISHED_BY]->(s)
"""

# Links are rebuilt for an article that is (re)processed, so a changed text leaves no stale tags
# (and the LINK_ queries below can CREATE).
CLEAR_ARTICLE_LINKS: LiteralString = """
UNWIND $ids AS id
MATCH (a:Article {id: id})-[r:MENTIONS|ABOUT]->()
DELETE r
"""

LINK_MENTIONS_MODEL: LiteralString = """
UNWIND $rows AS row
MATCH (a:Article {id: row.article_id}), (m:Model {id: row.entity_id})
CREATE (a)-[:MENTIONS {count: row.count, confidence: row.confidence,
                     surface_forms: row.surface_forms, source: 'entity-linker'}]->(m)
"""

LINK_MENTIONS_ORG: LiteralString = """
UNWIND $rows AS row
MATCH (a:Article {id: row.article_id}), (o:Organization {id: row.entity_id})
CREATE (a)-[:MENTIONS {count: row.count, confidence: row.confidence,
                     surface_forms: row.surface_forms, source: 'entity-linker'}]->(o)
"""

LINK_ABOUT: LiteralString = """
UNWIND $rows AS row
MATCH (a:Article {id: row.article_id}), (t:Topic {id: row.topic_id})
CREATE (a)-[:ABOUT {score: row.score, source: 'topic-tagger'}]->(t)
"""

LINK_NEAR_DUPLICATES: LiteralString = """
UNWIND $rows AS row
MATCH (a:Article {id: row.article_id}), (b:Article {id: row.duplicate_of})
MERGE (a)-[r:NEAR_DUPLICATE_OF]->(b)
SET r.reason = row.reason
"""

UPSERT_ARTICLE_CHUNKS: LiteralString = """
UNWIND $rows AS row
MERGE (c:Chunk {id: row.id})
SET c += row.props
WITH c, row
MATCH (a:Article {id: row.props.doc_id})
MERGE (a)-[:HAS_CHUNK]->(c)
"""

# The chunks of a new article (CREATE_ARTICLES): none is stored, so none is stale either. Properties
# spelled out as in CREATE_ARTICLES (catalog.chunking's chunk rows).
CREATE_ARTICLE_CHUNKS: LiteralString = """
UNWIND $rows AS row
CREATE (c:Chunk {
  id: row.id, doc_id: row.props.doc_id, kind: row.props.kind, text: row.props.text,
  classification: row.props.classification, tenant: row.props.tenant, title: row.props.title,
  url: row.props.url, date: row.props.date, content_hash: row.props.content_hash
})
WITH c, row
MATCH (a:Article {id: row.props.doc_id})
CREATE (a)-[:HAS_CHUNK]->(c)
"""

UPSERT_MODEL_CHUNKS: LiteralString = """
UNWIND $rows AS row
MERGE (c:Chunk {id: row.id})
SET c += row.props
WITH c, row
MATCH (m:Model {id: row.props.doc_id})
MERGE (m)-[:HAS_CHUNK]->(c)
"""

# Chunks a document no longer has (its text got shorter).
DELETE_STALE_CHUNKS: LiteralString = """
UNWIND $rows AS row
MATCH (c:Chunk {doc_id: row.doc_id})
WHERE NOT c.id IN row.chunk_ids
DETACH DELETE c
"""

MARK_ARTICLES_COMPLETE: LiteralString = """
UNWIND $rows AS row
MATCH (a:Article {id: row.id})
SET a.complete_hash = row.content_hash
"""

ARTICLES_SEEN: LiteralString = """
MATCH (a:Article)
RETURN a.id AS id, a.url AS url, a.content_hash AS content_hash, a.complete_hash AS complete_hash,
       a.title AS title, a.published AS published, a.body AS body, a.source AS source,
       a.source_key AS source_key, a.permalink AS permalink, a.near_of AS near_of, a.near_reason AS near_reason
"""

LINKABLE_MODELS: LiteralString = """
MATCH (m:Model)
OPTIONAL MATCH (m)-[:DEVELOPED_BY]->(o:Organization)
RETURN m.id AS id, m.name AS name, m.aliases AS aliases, m.family AS family, o.id AS org
"""

LINKABLE_ORGANIZATIONS: LiteralString = """
MATCH (o:Organization)
RETURN o.id AS id, o.name AS name, o.aliases AS aliases
"""

# Card chunks of models that left the catalog.
DELETE_ORPHAN_MODEL_CHUNKS: LiteralString = """
MATCH (c:Chunk {kind: 'model'})
WHERE NOT EXISTS { MATCH (m:Model {id: c.doc_id}) }
DETACH DELETE c
"""

MODEL_CARD_FACTS: LiteralString = """
MATCH (m:Model)
OPTIONAL MATCH (m)-[:DEVELOPED_BY]->(o:Organization)
OPTIONAL MATCH (m)-[:HAS_LICENSE]->(l:License)
RETURN m.id AS id, m.name AS name, o.name AS organization, m.family AS family,
       m.release_date AS release_date, m.parameters AS parameters, m.parameters_status AS parameters_status,
       m.context_length AS context_length, m.max_output AS max_output, m.knowledge_cutoff AS knowledge_cutoff,
       m.open_weights AS open_weights, l.name AS license, m.input_modalities AS input_modalities,
       m.output_modalities AS output_modalities, m.description AS description,
       [(m)-[s:SCORED]->(b:Benchmark) | {benchmark_name: b.name, score: s.score}][0..8] AS scores
"""

CHUNK_HASHES: LiteralString = "MATCH (c:Chunk) RETURN c.id AS id, c.content_hash AS content_hash"

ALL_CHUNKS: LiteralString = """
MATCH (c:Chunk)
RETURN c.id AS id, c.doc_id AS doc_id, c.kind AS kind, c.text AS text, c.classification AS classification,
       c.tenant AS tenant, c.title AS title, c.url AS url, c.date AS date
"""


# -- news questions that span several articles (rag.news_retrieval) -----------------------------
# Every filter is a parameter; a null (or empty list) switches its line off. The access rule is the
# one of kg/qa_queries.py, applied in the same WHERE as the filters, before anything is ranked.
_NEWS_VISIBLE: LiteralString = (
    "a.classification IN $classifications AND ($any_tenant OR a.tenant IS NULL OR a.tenant IN $tenants)"
)
_NEWS_FILTERS: LiteralString = (
    _NEWS_VISIBLE
    + """
  AND ($since IS NULL OR a.published >= $since) AND ($until IS NULL OR a.published < $until)
  AND (size($entity_ids) = 0 OR EXISTS { MATCH (a)-[:MENTIONS]->(x) WHERE x.id IN $entity_ids })"""
)

NEWS_SOURCE_NAMES: LiteralString = """
MATCH (s:Source)
RETURN s.id AS id, s.name AS name, s.aliases AS aliases
ORDER BY s.id
"""


def news_filtered_articles(*, by_source: bool) -> LiteralString:
    """Ids, dates and sources of the visible articles matching a question part's filters, newest first.

    With `by_source` the walk starts from the named `Source` nodes (`$sources`), else from the
    articles' date index. Parameters: sources, since, until (datetimes, `until` exclusive),
    entity_ids (models or organisations the article must mention; empty: any), the access
    parameters (classifications, tenants, any_tenant) and limit.
    """
    if by_source:
        head: LiteralString = """
MATCH (s:Source) WHERE s.id IN $sources
MATCH (a:Article)-[:PUBLISHED_BY]->(s)
WHERE """
    else:
        head = """
MATCH (a:Article)
WHERE ($since IS NOT NULL OR $until IS NOT NULL) AND """
    return (
        head
        + _NEWS_FILTERS
        + """
RETURN a.id AS id, a.published AS published, a.source AS source
ORDER BY a.published DESC, a.id
LIMIT $limit
"""
    )


def news_articles_by_ids() -> LiteralString:
    """Title, date, publisher, sentiment and linked mentions of the given visible articles ($ids).

    Parameters: ids, the access parameters, limit."""
    return (
        """
UNWIND $ids AS article_id
MATCH (a:Article {id: article_id})
WHERE """
        + _NEWS_VISIBLE
        + """
OPTIONAL MATCH (a)-[r:MENTIONS]->(x)
WITH a, collect(CASE WHEN x IS NULL THEN NULL ELSE {id: x.id, name: x.name, count: r.count,
     confidence: r.confidence, kind: CASE WHEN x:Model THEN 'Model' ELSE 'Organization' END} END) AS mentions
RETURN a.id AS id, a.title AS title, a.url AS url, a.published AS published, a.source AS source,
       a.source_name AS source_name, a.sentiment_label AS sentiment, a.sentiment AS sentiment_score,
       a.summary AS summary, a.classification AS classification, a.tenant AS tenant, mentions
LIMIT $limit
"""
    )


# The topics that the news mentioning one model discusses, with how many of those articles each;
# only articles the caller may read count (the access filter of kg/catalog_queries.py).
MODEL_TOPICS: LiteralString = """
MATCH (a:Article)-[:MENTIONS]->(m:Model {id: $id})
WHERE a.classification IN $classifications AND ($any_tenant OR a.tenant IS NULL OR a.tenant IN $tenants)
  AND coalesce(m.classification, 'public') IN $classifications
MATCH (a)-[:ABOUT]->(t:Topic)
RETURN t.id AS id, t.name AS name, t.kind AS kind, count(DISTINCT a) AS articles
ORDER BY articles DESC, id
LIMIT $limit
"""


def news_eval_articles() -> LiteralString:
    """Every dated public article with its source, sentiment and linked mentions: what the news
    multi-hop evaluation set (rag.eval.news_multihop) is generated from. Parameter: limit."""
    return """
MATCH (a:Article)
WHERE a.published IS NOT NULL AND a.classification = 'public' AND a.tenant IS NULL AND a.near_of IS NULL
OPTIONAL MATCH (a)-[r:MENTIONS]->(x)
WITH a, collect(CASE WHEN x IS NULL THEN NULL ELSE {id: x.id, name: x.name, count: r.count,
     confidence: r.confidence, kind: CASE WHEN x:Model THEN 'Model' ELSE 'Organization' END} END) AS mentions
RETURN a.id AS id, a.title AS title, a.source AS source, a.source_name AS source_name,
       a.published AS published, a.sentiment_label AS sentiment, mentions
ORDER BY a.id
LIMIT $limit
"""


def news_articles_per_source() -> LiteralString:
    """Every article's id and source id (no text, no labels: an id list the indexes filter by, and
    they apply the caller's access filter themselves)."""
    return "MATCH (a:Article) RETURN a.id AS id, a.source AS source"
