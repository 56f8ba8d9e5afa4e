"""Model fact cards: one short searchable chunk per catalog model, kept in step with the graph.

Built after every catalog and news ingestion (by the service layer), so vector and keyword search
find the current facts of a model, and a model that left the catalog loses its card.
"""

from __future__ import annotations

from core.chunks import Chunk
from kg import news_queries as nq
from kg.store import GraphStore

from .chunking import render_model_card, write_chunks


def write_model_cards(store: GraphStore) -> list[Chunk]:
    """Render every model's card, write the card chunks to the graph, drop cards of gone models."""
    chunks = []
    for facts in store.read(nq.MODEL_CARD_FACTS):
        facts = {k: (v.iso_format() if hasattr(v, "iso_format") else v) for k, v in facts.items()}
        facts["parameters_disclosed"] = False if facts.get("parameters_status") == "undisclosed" else None
        chunks.append(Chunk(id=f"{facts['id']}#0", doc_id=facts["id"], kind="model", text=render_model_card(facts),
                            title=facts["name"], date=facts.get("release_date")))  # fmt: skip
    write_chunks(store, nq.UPSERT_MODEL_CHUNKS, chunks)
    store.write(nq.DELETE_ORPHAN_MODEL_CHUNKS)
    return chunks
