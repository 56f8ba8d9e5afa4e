"""A LangChain retriever over any of our retrievers: `EvidenceRetriever(retriever=..., access=...)`.

Use it as any LangChain retriever (`.invoke(question)`, in a chain); each Document's page_content is
the evidence text and its metadata has kind, id, url, date and source for citing.
"""

from __future__ import annotations

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import Field

from core.access import AccessFilter
from rag.adapters import evidence_metadata
from rag.qa import Retriever


class EvidenceRetriever(BaseRetriever):
    """Wraps a `rag.qa.Retriever`; the AccessFilter is fixed per instance (one per caller)."""

    retriever: Retriever
    access: AccessFilter
    k: int = 8
    history: list[str] = Field(default_factory=list)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        result = self.retriever.search(query, k=self.k, access=self.access, history=self.history)
        return [
            Document(page_content=e.text, metadata=evidence_metadata(e), id=e.id) for e in result.evidence
        ]
