"""The index half of retrieval: chunking, embeddings, a FAISS vector index and a BM25 keyword index.

Chunks go in, ranked chunk ids come out; both indexes carry each chunk's access labels so that
retrieval filters before it ranks. The graph is the source of truth; these indexes are derived from it.
"""
