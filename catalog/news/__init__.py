"""News ingestion, reading half: feeds and news files in, validated and deduplicated article records out.

Graph writes and embeddings live elsewhere; nothing here talks to a database.
"""

from catalog.news.canonical import canonical_url, content_hash
from catalog.news.records import ArticleRecord, NewsSourceError, QuarantinedItem

__all__ = ["ArticleRecord", "NewsSourceError", "QuarantinedItem", "canonical_url", "content_hash"]
