"""A LlamaIndex retriever over any of our retrievers, for `RetrieverQueryEngine` and friends.

Each evidence item becomes a `TextNode` (id = evidence id, metadata for citing) in a `NodeWithScore`
carrying the fused score.
"""

from __future__ import annotations

from collections.abc import Sequence

from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from core.access import AccessFilter
from rag.adapters import evidence_metadata
from rag.qa import Evidence, Retriever

# Metadata kept on the node for the caller, but not pasted into a prompt or an embedding.
_NOT_FOR_THE_MODEL = ("value", "score", "classification", "tenant")


class EvidenceRetriever(BaseRetriever):
    """Wraps a `rag.qa.Retriever`; the AccessFilter is fixed per instance (one per caller)."""

    def __init__(
        self, retriever: Retriever, access: AccessFilter, *, k: int = 8, history: Sequence[str] = ()
    ) -> None:
        super().__init__()
        self.retriever = retriever
        self.access = access
        self.k = k
        self.history = list(history)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        result = self.retriever.search(
            query_bundle.query_str, k=self.k, access=self.access, history=self.history
        )
        return [NodeWithScore(node=_node(e), score=e.score) for e in result.evidence]


def _node(e: Evidence) -> TextNode:
    return TextNode(
        id_=e.id,
        text=e.text,
        metadata=evidence_metadata(e),
        excluded_llm_metadata_keys=list(_NOT_FOR_THE_MODEL),
        excluded_embed_metadata_keys=list(_NOT_FOR_THE_MODEL),
    )
