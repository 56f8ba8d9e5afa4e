"""Benchmark: embed N real news stories, build both indexes, time k-NN and BM25 searches. Prints JSON.

Usage: python bench/embed_index.py [N] [--data ../shared/data] [--queries 200] [--k 10] [--device cpu]
         [--embedder onnx-int8|torch] [--onnx-cache DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import tempfile
import time
from collections.abc import Callable
from itertools import islice
from pathlib import Path

import numpy as np

from catalog.chunking import chunk_text
from core.access import AccessFilter
from core.chunks import Chunk
from rag.base import Embedder
from rag.embedder import SentenceTransformerEmbedder
from rag.keyword_index import Bm25Index
from rag.onnx_embedder import OnnxEmbedder
from rag.vector_index import FaissIndex


def _ms(samples: list[float]) -> dict[str, float]:
    values = np.array(samples) * 1000
    return {
        "p50_ms": round(float(np.percentile(values, 50)), 3),
        "p95_ms": round(float(np.percentile(values, 95)), 3),
    }


def _timed(fn: Callable[..., object], *args: object) -> float:
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def _load_chunks(path: Path, n: int) -> list[Chunk]:
    with path.open() as handle:
        stories = [json.loads(line) for line in islice(handle, n)]
    chunks = [
        c
        for s in stories
        for c in chunk_text(s["id"], f"{s['headline']}\n\n{s['text']}", kind="article", title=s["headline"])
    ]
    # Every fifth story confidential, so the filtered searches exercise the pre-filter.
    return [
        dataclasses.replace(c, classification="confidential") if i % 5 == 0 else c
        for i, c in enumerate(chunks)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n", type=int, nargs="?", default=5000, help="number of news stories")
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--device", default=None)
    parser.add_argument("--embedder", choices=["onnx-int8", "torch"], default="torch")
    parser.add_argument("--onnx-cache", type=Path, default=Path(tempfile.gettempdir()) / "llmx-onnx-cache")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    chunks = _load_chunks(args.data / "news" / "ainews_stories.jsonl", args.n)
    embedder: Embedder
    if args.embedder == "torch":
        embedder = SentenceTransformerEmbedder(device=args.device)
    else:
        embedder = OnnxEmbedder(cache_dir=args.onnx_cache)
    t0 = time.perf_counter()
    embedder.embed(["warm up"])
    load_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    vectors = embedder.embed([c.text for c in chunks])
    embed_s = time.perf_counter() - t0

    rng = np.random.default_rng(0)
    picks = rng.choice(len(chunks), size=min(args.queries, len(chunks)), replace=False)
    queries = [chunks[i].title or chunks[i].text[:80] for i in picks]
    query_vectors = embedder.embed(queries)
    public = AccessFilter.public()
    with tempfile.TemporaryDirectory() as tmp:
        faiss_index, bm25 = FaissIndex(Path(tmp), embedder.dim), Bm25Index(Path(tmp))
        t0 = time.perf_counter()
        faiss_index.upsert(chunks, vectors)
        faiss_build_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        bm25.upsert(chunks)
        bm25.rebuild()
        bm25_build_s = time.perf_counter() - t0

        timings: dict[str, list[float]] = {
            name: [] for name in ("vector", "vector_public", "bm25", "bm25_public")
        }
        single: list[float] = []
        everything = AccessFilter.everything()
        for query, vector in zip(queries, query_vectors, strict=True):
            timings["vector"].append(_timed(faiss_index.search, vector, args.k, everything))
            timings["vector_public"].append(_timed(faiss_index.search, vector, args.k, public))
            timings["bm25"].append(_timed(bm25.search, query, args.k, everything))
            timings["bm25_public"].append(_timed(bm25.search, query, args.k, public))
            single.append(_timed(embedder.embed, [query]))

        t0 = time.perf_counter()
        faiss_index.save()
        bm25.save()
        save_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        FaissIndex(Path(tmp), embedder.dim).load()
        Bm25Index(Path(tmp)).load()
        load_index_s = time.perf_counter() - t0

    print(
        json.dumps(
            {
                "stories": args.n,
                "chunks": len(chunks),
                "device": getattr(embedder, "device", "cpu"),
                "embedder": args.embedder,
                "model_load_s": round(load_s, 2),
                "embed_texts_per_s": round(len(chunks) / embed_s, 1),
                "query_embed": _ms(single),
                "faiss_build_s": round(faiss_build_s, 3),
                "bm25_build_s": round(bm25_build_s, 3),
                "save_s": round(save_s, 3),
                "load_s": round(load_index_s, 3),
                "k": args.k,
                "search": {name: _ms(samples) for name, samples in timings.items()},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
