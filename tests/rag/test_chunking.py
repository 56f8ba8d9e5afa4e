"""Chunk ids and hashes are stable across runs, change where the text changes, and model cards read well."""

from __future__ import annotations

from catalog.chunking import chunk_text, render_model_card, strip_link_targets
from core.chunks import Chunk
from tests.rag.conftest import story_chunks


def test_chunk_ids_and_hashes_are_stable_across_runs(stories: list[dict[str, str]]) -> None:
    first = [(c.id, c.content_hash) for s in stories for c in story_chunks(s)]
    second = [(c.id, c.content_hash) for s in stories for c in story_chunks(s)]
    assert first == second
    assert len({cid for cid, _ in first}) == len(first)
    story = stories[0]
    assert [c.id for c in story_chunks(story)][0] == f"{story['id']}#0"


def test_long_text_is_split_with_overlap_and_bounded_size(stories: list[dict[str, str]]) -> None:
    text = " ".join(s["text"] for s in stories[:12])  # one long paragraph: split inside it, with overlap
    chunks = chunk_text("issue-1", text, chunk_size=400, chunk_overlap=150)
    assert len(chunks) > 5
    assert all(len(c.text) <= 400 for c in chunks)
    assert [c.id for c in chunks] == [f"issue-1#{i}" for i in range(len(chunks))]
    overlapping = sum(1 for a, b in zip(chunks, chunks[1:], strict=False) if a.text[-30:] in b.text)
    assert overlapping > 0


def test_a_changed_document_changes_only_the_affected_chunk_hashes(stories: list[dict[str, str]]) -> None:
    text = "\n\n".join(s["text"] for s in stories[:12])
    before = chunk_text("issue-1", text)
    after = chunk_text("issue-1", text + "\n\nA new closing paragraph about a brand new model release.")
    assert [c.content_hash for c in after[:-1]] == [c.content_hash for c in before[:-1]]
    assert after[-1].content_hash != before[-1].content_hash


def test_access_labels_change_the_content_hash_but_not_the_text_hash() -> None:
    public = Chunk("d#0", "d", "document", "Quarterly numbers")
    secret = Chunk("d#0", "d", "document", "Quarterly numbers", classification="confidential", tenant="acme")
    assert public.text_hash == secret.text_hash
    assert public.content_hash != secret.content_hash


def test_markdown_link_targets_are_dropped(stories: list[dict[str, str]]) -> None:
    raw = stories[0]["text"]
    assert "https://" in raw
    clean = strip_link_targets(raw)
    assert "https://" not in clean and "Claude 3's human-like response capabilities" in clean


def test_model_card_renders_key_facts() -> None:
    card = render_model_card(
        {
            "name": "Llama 3.1 405B",
            "organization": "Meta",
            "release_date": "2024-07-23",
            "parameters": 405_000_000_000,
            "context_length": 128_000,
            "license_name": "Llama 3.1 Community License",
            "open_weights": True,
            "input_modalities": ["text"],
            "output_modalities": ["text"],
            "scores": [{"benchmark_name": "MMLU", "score": 88.6}, {"benchmark_name": "GPQA", "score": 51.1}],
        }
    )
    for fact in ("Llama 3.1 405B", "Meta", "2024-07-23", "405B", "128K", "Open weights", "MMLU 88.6"):
        assert fact in card
    chunks = chunk_text("model:llama-3.1-405b", card, kind="model")
    assert len(chunks) == 1
