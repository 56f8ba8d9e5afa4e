"""Our retrievers inside other frameworks: LangChain (`langchain.py`) and LlamaIndex (`llamaindex.py`).

Each adapter wraps any `rag.qa.Retriever` together with the caller's AccessFilter, so the framework's
chains and query engines only ever see evidence the caller may see. Import the submodule you need:
neither framework is imported here.
"""

from __future__ import annotations

from typing import Any

from rag.qa import Evidence


def evidence_metadata(e: Evidence) -> dict[str, Any]:
    """What both adapters attach to a document or node: enough to cite it and to check access."""
    return {
        "kind": e.kind,
        "id": e.id,
        "title": e.title,
        "url": e.url,
        "date": e.date,
        "source": e.source,
        "score": e.score,
        "value": e.value,
        "classification": e.classification,
        "tenant": e.tenant,
    }
