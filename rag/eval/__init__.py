"""Evaluation of question answering: a QA set generated from the graph, metrics, baselines, a harness.

Evaluation imports the retrievers and the answerer; nothing outside `rag.eval` imports it.
"""

# The systems `llmx eval` compares: the project's hybrid retriever, each of its parts alone, and a
# plain LangChain vector-store RAG (`rag.eval.baselines`).
SYSTEMS = ("hybrid", "vector", "bm25", "graph", "langchain")
SPLITS = ("dev", "test")
