"""Benchmark: all news in a folder into an empty embedded graph (with the catalog) and indexes,
then an incremental re-run. Prints JSON.

Usage: python bench/ingest_news.py [--data ../shared/data] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import tempfile
import time
from itertools import islice
from pathlib import Path

from catalog.job import CatalogIngestJob
from catalog.news.inputs import inputs_from_specs
from catalog.sources import readers_for
from core.settings import Settings
from kg.embedded import EmbeddedServer
from kg.store import GraphStore
from rag.embedder import SentenceTransformerEmbedder
from rag.indexes import ChunkIndexes
from services.context import AppContext
from services.ingest import ingest_news


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _news_files(folder: Path, limit: int | None, tmp: Path) -> list[str]:
    files = sorted(folder.glob("*.jsonl"))
    if limit is None:
        return [str(f) for f in files]
    out = []
    for f in files:  # the first `limit` lines of each file, same layouts
        target = tmp / f.name
        with f.open() as src:
            target.write_text("".join(islice(src, limit)))
        out.append(str(target))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--limit", type=int, default=None, help="Items per news file (default: all).")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = Settings(data_dir=root, embedded_bolt_port=_free_port(), embedded_http_port=_free_port())
        server = EmbeddedServer(settings)
        server.ensure_running()
        try:
            with GraphStore.connect(settings) as store:
                store.apply_schema()
                CatalogIngestJob(store, readers_for([], installed=True, data_dir=args.data)).run()
                files = _news_files(args.data / "news", args.limit, root)
                embedder = SentenceTransformerEmbedder(batch_size=settings.embedding_batch_size)
                runs = {}
                for name in ("empty", "rerun"):
                    inputs = inputs_from_specs(files, mapping=None, classification="public", state_dir=root)
                    t0 = time.perf_counter()
                    ctx = AppContext(
                        settings, store=store, indexes=ChunkIndexes(settings.index_dir, embedder)
                    )
                    s = ingest_news(ctx, inputs)
                    seconds = time.perf_counter() - t0
                    runs[name] = {
                        "seconds": round(seconds, 1),
                        "items_read": s.read,
                        "articles_new": s.new,
                        "articles_per_s": round(s.read / seconds, 1),
                        "chunks_embedded": s.chunks_embedded + s.model_cards_embedded,
                        "chunks_embedded_per_s": round(
                            (s.chunks_embedded + s.model_cards_embedded) / seconds, 1
                        ),
                        "duplicates": s.duplicates,
                        "near_duplicates": s.near_duplicates,
                        "quarantined": s.quarantined,
                        "mentions": s.mentions,
                        "chunks_total": s.chunks_total,
                    }
        finally:
            server.stop()
    print(json.dumps({
        "benchmark": "ingest_news", "cpu_count": os.cpu_count(), **runs,
        "client_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
