"""Benchmark: full catalog ingestion into an empty embedded graph, then a re-run. Prints JSON.

Usage: python bench/ingest_catalog.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import resource
import socket
import tempfile
import time
from pathlib import Path

from catalog.job import CatalogIngestJob
from catalog.sources import readers_for
from core.settings import Settings
from kg.embedded import EmbeddedServer
from kg.stats import graph_stats
from kg.store import GraphStore


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    args = parser.parse_args()
    data = args.data if args.data.is_dir() else None

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            data_dir=Path(tmp), embedded_bolt_port=_free_port(), embedded_http_port=_free_port()
        )
        server = EmbeddedServer(settings)
        started = time.perf_counter()
        server.ensure_running()
        server_start_s = time.perf_counter() - started
        try:
            with GraphStore.connect(settings) as store:
                store.apply_schema()
                runs = {}
                for name in ("empty_graph", "rerun"):
                    t0 = time.perf_counter()
                    summary = CatalogIngestJob(store, readers_for([], installed=True, data_dir=data)).run()
                    seconds = time.perf_counter() - t0
                    runs[name] = {
                        "seconds": round(seconds, 2),
                        "records": summary.records_read,
                        "records_per_s": round(summary.records_read / seconds, 1),
                        "models": summary.models,
                        "created": summary.created,
                        "updated": summary.updated,
                        "unchanged": summary.unchanged,
                        "quarantined": summary.quarantined,
                    }
                stats = graph_stats(store)
        finally:
            server.stop()
    print(
        json.dumps(
            {
                "benchmark": "ingest_catalog",
                "sources": sorted(summary.sources),
                "server_start_s": round(server_start_s, 2),
                **runs,
                "nodes": sum(stats.nodes.values()),
                "relationships": sum(stats.relationships.values()),
                "client_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
