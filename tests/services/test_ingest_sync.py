"""`llmx ingest catalog` alone keeps the model cards of both search indexes current."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from catalog.records import ModelRecord, OfferRecord, OrganizationInfo, ScoreRecord
from core.access import AccessFilter
from core.settings import Settings
from kg import news_queries as nq
from kg import schema
from kg.store import GraphStore
from rag.embedder import make_embedder
from rag.indexes import ChunkIndexes
from tests.catalog.test_ingest import cli

LITELLM = "catalog/litellm/model_prices_and_context_window_litellm-1.109.1.json"


def _write_source(path: Path, shared_data: Path, context: int) -> None:
    source = json.loads((shared_data / LITELLM).read_text())
    rows = {name: source[name] for name in ("gpt-4o-mini", "o1")}
    rows["gpt-4o-mini"] = dict(rows["gpt-4o-mini"], max_input_tokens=context)
    path.write_text(json.dumps(rows))


def _ingest(settings: Settings, path: Path) -> dict[str, int]:
    result = cli(settings, "ingest", "catalog", "--no-installed", "--source", f"litellm={path}", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_catalog_ingest_alone_updates_model_cards_in_both_indexes(
    store: GraphStore,
    graph_settings: Settings,
    shared_data: Path,
    tmp_path: Path,
) -> None:
    shutil.rmtree(graph_settings.index_dir, ignore_errors=True)  # other tests' chunks, gone from the graph
    path = tmp_path / "litellm.json"
    _write_source(path, shared_data, 128_000)
    first = _ingest(graph_settings, path)
    assert first["models"] == 2 and first["model_cards_embedded"] >= 2
    [row] = store.read("MATCH (m:Model) WHERE m.context_length = 128000 RETURN m.id AS id")
    card_id = f"{row['id']}#0"

    _write_source(path, shared_data, 256_000)
    second = _ingest(graph_settings, path)
    assert second["updated"] == 1 and second["model_cards_embedded"] == 1  # only the changed card

    # the CLI embedded with the configured path (int8 ONNX by default); search with the same one
    indexes = ChunkIndexes(graph_settings.index_dir, make_embedder(graph_settings))
    expected = {r["id"]: r["content_hash"] for r in store.read(nq.CHUNK_HASHES)}
    assert indexes.verify(expected).ok
    hits = indexes.search_vector("GPT-4o mini context length", 1, AccessFilter.public())
    assert [h.chunk_id for h in hits] == [card_id]
    [card] = store.read("MATCH (c:Chunk {id: $id}) RETURN c.text AS text", id=card_id)
    assert "Context length: 256K tokens." in card["text"]
    keyword = indexes.search_keyword("GPT-4o mini", 2, AccessFilter.public())
    assert card_id in [h.chunk_id for h in keyword]
    assert indexes.keywords.meta(card_id).content_hash == expected[card_id]  # type: ignore[union-attr]


def test_catalog_records_write_only_properties_the_schema_declares() -> None:
    """kg/schema.py owns the property lists (the text-to-Cypher gate reads them); the catalog's
    record types must not write a field the schema does not know."""
    assert set(ModelRecord.model_fields) - {
        "scores",
        "offers",
        "source_url",
    } <= schema.SOURCE_RECORD_FIELDS | {"source_url"}
    assert set(ScoreRecord.model_fields) <= schema.SCORE_FIELDS
    assert set(OfferRecord.model_fields) <= schema.OFFER_FIELDS
    assert set(OrganizationInfo.model_fields) <= schema.ORGANIZATION_FIELDS
