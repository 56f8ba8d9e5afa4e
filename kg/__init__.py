"""The knowledge graph: schema, store, Cypher queries and the embedded server. Only this package speaks Cypher."""
