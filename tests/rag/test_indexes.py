"""Both indexes on real news with the real MiniLM model: ranking, pre-filtering, persistence, repair."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from catalog.chunking import chunk_text
from core.access import AccessFilter
from core.chunks import Chunk
from rag.embedder import SentenceTransformerEmbedder
from rag.indexes import ChunkIndexes
from tests.rag.conftest import CountingEmbedder, story_chunks

EVERYTHING = AccessFilter.everything()
PUBLIC = AccessFilter.public()


@pytest.fixture
def indexes(tmp_path: Path, counting_embedder: CountingEmbedder, chunks: list[Chunk]) -> ChunkIndexes:
    built = ChunkIndexes(tmp_path / "indexes", counting_embedder)
    built.upsert(chunks)
    return built


def chunk_of(chunks: list[Chunk], headline: str) -> Chunk:
    [found] = [c for c in chunks if c.title == headline]
    return found


def relabel(chunk: Chunk, **labels: str | None) -> Chunk:
    return dataclasses.replace(chunk, **labels)  # type: ignore[arg-type]


def both(indexes: ChunkIndexes, query: str, k: int, access: AccessFilter) -> tuple[list[str], list[str]]:
    vector = [hit.chunk_id for hit in indexes.search_vector(query, k, access)]
    keyword = [hit.chunk_id for hit in indexes.search_keyword(query, k, access)]
    return vector, keyword


def test_embedder_gives_normalised_float32_and_fails_clearly_without_a_model(
    embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    vectors = embedder.embed(["Claude 3 beats GPT-4", "A new open-weights model"])
    assert vectors.dtype == np.float32 and vectors.shape == (2, embedder.dim) == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    with pytest.raises(FileNotFoundError, match="No sentence-transformers model"):
        SentenceTransformerEmbedder(tmp_path / "nowhere")


@pytest.mark.parametrize(
    ("query", "headline"),
    [
        (
            "Canada funding a new AI safety institute",
            "The Canadian AI Safety Institute will be created with $50 million",
        ),
        ("earthquake near Taiwan chip fabs", "Proximity of earthquake to fabs"),
        ("GPT-3.5-Turbo might be an 8x7B mixture of experts", "GPT-3.5-Turbo Model Size Analysis"),
        ("Karpathy training LLMs in plain C", "Andrej Karpathy releases LLMs in pure C"),
    ],
)
def test_a_query_about_a_story_ranks_it_first_in_both(
    indexes: ChunkIndexes, chunks: list[Chunk], query: str, headline: str
) -> None:
    vector, keyword = both(indexes, query, 5, EVERYTHING)
    target = chunk_of(chunks, headline).id
    assert vector[0] == target
    assert keyword[0] == target


def test_incremental_upsert_embeds_only_changed_chunks(
    tmp_path: Path, counting_embedder: CountingEmbedder, stories: list[dict[str, str]], chunks: list[Chunk]
) -> None:
    indexes = ChunkIndexes(tmp_path, counting_embedder)
    first = indexes.upsert(chunks)
    assert first.embedded == counting_embedder.calls == len(chunks) == len(indexes)

    rerun = indexes.upsert([c for s in stories for c in story_chunks(s)])  # chunked again from scratch
    assert (rerun.embedded, rerun.keyword_written, rerun.unchanged) == (0, 0, len(chunks))
    assert counting_embedder.calls == len(chunks)

    changed = {s["id"] for s in stories[10:13]}
    edited = [dict(s, text=s["text"] + " Update: the weights are now public.") for s in stories[10:13]]
    edited_chunks = [c for s in edited for c in story_chunks(s)]
    report = indexes.upsert([c for c in chunks if c.doc_id not in changed] + edited_chunks)
    assert report.embedded == len(edited_chunks) == counting_embedder.calls - len(chunks)
    assert report.keyword_written == len(edited_chunks)

    secret = relabel(chunks[0], classification="confidential")
    report = indexes.upsert([secret])
    assert (report.embedded, report.relabelled, report.keyword_written) == (0, 1, 1)
    assert secret.id not in {hit.chunk_id for hit in indexes.search_vector(secret.text, 5, PUBLIC)}


def test_a_document_that_got_shorter_loses_its_extra_chunks(
    tmp_path: Path, counting_embedder: CountingEmbedder, stories: list[dict[str, str]]
) -> None:
    indexes = ChunkIndexes(tmp_path, counting_embedder)
    issue = " ".join(s["text"] for s in stories[:20])
    long, short = chunk_text("issue-1", issue), chunk_text("issue-1", issue[: len(issue) // 2])
    indexes.upsert(long)
    report = indexes.upsert(short)
    assert report.pruned == len(long) - len(short) > 0
    assert indexes.vectors.ids() == indexes.keywords.ids() == {c.id for c in short}


def test_access_filter_is_applied_before_ranking(indexes: ChunkIndexes, chunks: list[Chunk]) -> None:
    query = "Canada funding a new AI safety institute"
    best = chunk_of(chunks, "The Canadian AI Safety Institute will be created with $50 million")
    indexes.upsert([relabel(best, classification="confidential")])
    vector, keyword = both(indexes, query, 5, PUBLIC)
    assert len(vector) == len(keyword) == 5
    assert best.id not in vector + keyword
    insider = AccessFilter(frozenset({"public", "confidential"}), None)
    assert both(indexes, query, 1, insider) == ([best.id], [best.id])

    # Leave public only chunks that rank 10th-19th for everyone: retrieving the top 5 and then
    # dropping what the caller may not see would return nothing; a pre-filter returns 5 of these.
    vector, keyword = both(indexes, query, 20, EVERYTHING)
    visible = set(vector[10:] + keyword[10:])
    indexes.upsert([c if c.id in visible else relabel(c, classification="internal") for c in chunks])
    vector, keyword = both(indexes, query, 5, PUBLIC)
    assert len(vector) == len(keyword) == 5
    assert set(vector + keyword) <= visible


def test_tenant_labels_restrict_visibility(indexes: ChunkIndexes, chunks: list[Chunk]) -> None:
    target = chunk_of(chunks, "Proximity of earthquake to fabs")
    indexes.upsert([relabel(target, classification="internal", tenant="acme")])
    query = "earthquake near Taiwan chip fabs"
    staff = AccessFilter(frozenset({"public", "internal"}), frozenset({"acme"}))
    other = AccessFilter(frozenset({"public", "internal"}), frozenset({"globex"}))
    assert both(indexes, query, 1, staff) == ([target.id], [target.id])
    for access in (other, PUBLIC):
        vector, keyword = both(indexes, query, 3, access)
        assert target.id not in vector + keyword and len(vector) == 3


def test_save_and_load_give_identical_results(
    indexes: ChunkIndexes, counting_embedder: CountingEmbedder, chunks: list[Chunk]
) -> None:
    queries = ["new open-source model release", "RAG tutorial with LlamaIndex", "Claude 3 vs GPT-4"]
    internal = relabel(chunks[5], classification="internal", tenant="acme")
    indexes.upsert([internal])

    def results(index: ChunkIndexes) -> list[object]:
        return [
            (index.search_vector(q, 10, a), index.search_keyword(q, 10, a))
            for q in queries
            for a in (EVERYTHING, PUBLIC)
        ]

    before = results(indexes)
    indexes.save()
    reloaded = ChunkIndexes(indexes.dir, counting_embedder)
    assert results(reloaded) == before
    current = [internal if c.id == internal.id else c for c in chunks]
    assert reloaded.verify({c.id: c.content_hash for c in current}).ok
    assert [p.name for p in indexes.dir.glob(".*.tmp")] == []
    assert len(list(indexes.dir.glob("vectors-*.faiss"))) == 1


def test_verify_finds_inconsistencies_and_upsert_repairs_them(
    indexes: ChunkIndexes, counting_embedder: CountingEmbedder, chunks: list[Chunk]
) -> None:
    expected = {c.id: c.content_hash for c in chunks}
    assert indexes.verify(expected).ok

    indexes.keywords.remove([chunks[1].id, chunks[2].id])
    stray = Chunk("ghost#0", "ghost", "article", "A chunk the graph never had.")
    indexes.vectors.upsert([stray], counting_embedder.embed([stray.text]))
    indexes.keywords.upsert([dataclasses.replace(chunks[3], text="An older text of this story.")])
    indexes.vectors.set_meta([relabel(chunks[4], classification="confidential")])
    report = indexes.verify(expected)
    assert not report.ok
    assert report.missing == sorted([chunks[1].id, chunks[2].id])
    assert report.extra == ["ghost#0"]
    assert report.stale == sorted([chunks[3].id, chunks[4].id])
    assert (report.vector_count, report.keyword_count) == (len(chunks) + 1, len(chunks) - 2)

    calls = counting_embedder.calls
    repair = indexes.upsert(chunks)
    indexes.remove(report.extra)
    assert indexes.verify(expected).ok
    assert repair.embedded == 0 and counting_embedder.calls == calls  # vectors were intact: no re-embedding


def test_a_crash_between_the_two_saves_is_detected_and_repaired(
    indexes: ChunkIndexes, counting_embedder: CountingEmbedder, chunks: list[Chunk]
) -> None:
    indexes.save()
    edited = dataclasses.replace(chunks[7], text=chunks[7].text + " (corrected)")
    indexes.upsert([edited])
    indexes.vectors.save()  # ...and the process dies before the keyword index is saved

    expected = {c.id: c.content_hash for c in chunks} | {edited.id: edited.content_hash}
    reopened = ChunkIndexes(indexes.dir, counting_embedder)
    assert reopened.verify(expected).stale == [edited.id]
    repair = reopened.upsert([*chunks[:7], edited, *chunks[8:]])
    assert (repair.embedded, repair.keyword_written) == (0, 1)
    reopened.save()
    assert ChunkIndexes(indexes.dir, counting_embedder).verify(expected).ok


def test_an_upsert_embeds_while_another_changes_the_indexes(
    tmp_path: Path, counting_embedder: CountingEmbedder, chunks: list[Chunk]
) -> None:
    """Embedding runs outside the indexes' lock: the first upsert is held inside its embedding until a
    second upsert (other chunks) has finished whole and saved; both then land, as a serial run would."""
    import threading
    from collections.abc import Sequence

    second_done = threading.Event()

    class HeldEmbedder(CountingEmbedder):
        concurrent_calls = 2  # as the ONNX embedder

        def embed(self, texts: Sequence[str]) -> np.ndarray:
            if threading.current_thread().name == "first":
                assert second_done.wait(timeout=20), "the second upsert waited for the first's embedding"
            return super().embed(texts)

    held = HeldEmbedder(counting_embedder.real, counting_embedder.known)
    half = len({c.doc_id for c in chunks}) // 2
    docs = sorted({c.doc_id for c in chunks})
    first = [c for c in chunks if c.doc_id in docs[:half]]
    second = [c for c in chunks if c.doc_id not in docs[:half]]
    indexes = ChunkIndexes(tmp_path / "together", held)
    errors: list[BaseException] = []

    def run_first() -> None:
        try:
            indexes.upsert(first)
        except BaseException as error:  # noqa: BLE001  # surfaced by the assert below
            errors.append(error)

    thread = threading.Thread(target=run_first, name="first")
    thread.start()
    indexes.upsert(second)
    indexes.save()
    second_done.set()
    thread.join(timeout=120)
    assert not errors and not thread.is_alive()
    indexes.save()

    serial = ChunkIndexes(tmp_path / "serial", counting_embedder)
    serial.upsert(first)
    serial.upsert(second)
    expected = {c.id: c.content_hash for c in chunks}
    reloaded = ChunkIndexes(tmp_path / "together", counting_embedder)
    assert reloaded.verify(expected).ok
    query = chunks[0].text[:200]
    assert both(reloaded, query, 5, EVERYTHING) == both(serial, query, 5, EVERYTHING)


@pytest.mark.parametrize("allowed", [1, 2])
def test_upserts_embed_no_more_at_once_than_the_embedder_takes(
    tmp_path: Path, counting_embedder: CountingEmbedder, chunks: list[Chunk], allowed: int
) -> None:
    """Four threads upsert at once (a news batch, model card slices): torch (1) embeds one call at a
    time, as each call already spreads over every core; the ONNX embedder (2) takes two."""
    import threading
    import time
    from collections.abc import Sequence
    from concurrent.futures import ThreadPoolExecutor

    active: list[int] = []
    peak = [0]
    gauge = threading.Lock()

    class GaugedEmbedder(CountingEmbedder):
        concurrent_calls = allowed

        def embed(self, texts: Sequence[str]) -> np.ndarray:
            with gauge:
                active.append(1)
                peak[0] = max(peak[0], len(active))
            time.sleep(0.3)  # long enough for every thread to arrive while this call runs
            with gauge:
                active.pop()
            return super().embed(texts)

    indexes = ChunkIndexes(tmp_path, GaugedEmbedder(counting_embedder.real, counting_embedder.known))
    docs = sorted({c.doc_id for c in chunks})[:4]
    parts = [[c for c in chunks if c.doc_id == doc] for doc in docs]
    with ThreadPoolExecutor(len(parts)) as pool:
        reports = list(pool.map(indexes.upsert, parts))
    assert peak[0] == allowed
    assert [r.embedded for r in reports] == [len(p) for p in parts]
