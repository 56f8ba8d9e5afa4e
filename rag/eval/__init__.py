"""Evaluation of question answering: a QA set generated from the graph, metrics, baselines, a harness.

Evaluation imports the retrievers and the answerer; nothing outside `rag.eval` imports it.
"""
