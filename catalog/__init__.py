"""Catalog ingestion: one reader per source format, entity resolution, precedence merge, the job."""
