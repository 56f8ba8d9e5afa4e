"""Benchmark: question-answering latency on the embedded default. Prints JSON.

Builds its own graph in a temporary data dir on free ports (the installed catalog, the catalog sources
of a data folder, a slice of its news, the indexes), generates the QA set from it, waits until the
graph server has finished its post-ingest work (as a server that answers questions would have), then times
1. retrieval only (the hybrid retriever: analysis, graph templates, vector, keyword, fusion), twice:
   a cold pass (the graph server's JVM still compiling the template queries, which on 2 cores takes
   CPU from the embedder: 7.7 s of server CPU against 3.1-4.3 s warm) and a warm pass, and
2. end to end (retrieval, then the Answerer with the packaged SmolLM2),
over the same questions, all families mixed as the QA set interleaves them.

Usage: python bench/retrieval.py [--data ../shared/data] [--news-limit 300] [--questions 200] [--answers 200] [--no-settle]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import tempfile
import time
from collections import Counter
from itertools import islice
from pathlib import Path

import psutil

from catalog.job import CatalogIngestJob
from catalog.news.inputs import inputs_from_specs
from catalog.sources import readers_for
from core.access import AccessFilter
from core.settings import Settings
from kg.embedded import EmbeddedServer
from kg.store import GraphStore
from rag.answer import Answerer
from rag.embedder import SentenceTransformerEmbedder
from rag.eval.baselines import RetrieverSet
from rag.eval.items import QAItem
from rag.eval.metrics import latency_summary, percentile
from rag.eval.qa_set import build_qa_set
from rag.eval.snapshot import read_snapshot
from rag.generation.transformers_backend import TransformersGenerator
from rag.indexes import ChunkIndexes
from rag.qa import Retriever
from services.context import AppContext
from services.ingest import ingest_news

WARM_UP = 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _news_slice(folder: Path, limit: int, tmp: Path) -> list[str]:
    out = []
    for f in sorted(folder.glob("*.jsonl")):  # the first `limit` lines of each file, same layouts
        with f.open() as src:
            (tmp / f.name).write_text("".join(islice(src, limit)))
        out.append(str(tmp / f.name))
    return out


def _settle(pid: int, *, quiet_pct: float = 10.0, max_s: float = 180.0) -> tuple[float, float]:
    """Wait until the graph server is idle after the bulk ingest, so no background work of its own
    is timed (measured: it already is, at 1 % CPU): (seconds waited, its CPU % at the start)."""
    server = psutil.Process(pid)
    started = time.perf_counter()
    first = busy = server.cpu_percent(interval=2.0)
    while busy > quiet_pct and time.perf_counter() - started < max_s:
        busy = server.cpu_percent(interval=2.0)
    return time.perf_counter() - started, first


def _time_retrieval(
    retriever: Retriever, questions: list[QAItem], k: int, access: AccessFilter, server: psutil.Process | None
) -> tuple[list[float], list[dict[str, float]], float | None]:
    """Per-question retrieval ms, stage timings, and the CPU seconds the graph server spent meanwhile."""

    def cpu_s() -> float:
        return sum(server.cpu_times()[:2]) if server else 0.0

    before = cpu_s()
    latencies, stages = [], []
    for item in questions:
        started = time.perf_counter()
        result = retriever.search(item.question, k=k, access=access)
        latencies.append((time.perf_counter() - started) * 1000)
        stages.append(result.timings_ms)
    return latencies, stages, round(cpu_s() - before, 1) if server else None


def _questions(store: GraphStore, n: int) -> list[QAItem]:
    """Both splits of the QA set, interleaved by family; repeated if the graph yields fewer than n."""
    splits = build_qa_set(read_snapshot(store))
    pool = [i for pair in zip(splits["dev"], splits["test"], strict=False) for i in pair]
    return [pool[i % len(pool)] for i in range(n)] if pool else []


def _ms(values: list[float]) -> dict[str, float | None]:
    return {"p50": _round(percentile(values, 50)), "p95": _round(percentile(values, 95)),
            "mean": _round(sum(values) / len(values) if values else None)}  # fmt: skip


def _round(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--news-limit", type=int, default=300, help="Items per news file.")
    parser.add_argument("--questions", type=int, default=200, help="Questions timed for retrieval.")
    parser.add_argument(
        "--answers", type=int, default=200, help="Of those, how many are answered end to end."
    )
    parser.add_argument("--k", type=int, default=8)
    parser.add_argument("--no-settle", dest="settle", action="store_false",
                        help="Time right after the ingest instead of once the graph server is idle.")  # fmt: skip
    parser.add_argument("--model-cache", type=Path, default=Path("var/models"),
                        help="Where the chat model's safetensors copy is kept between runs.")  # fmt: skip
    args = parser.parse_args()
    access = AccessFilter.public()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = Settings(data_dir=root, embedded_bolt_port=_free_port(), embedded_http_port=_free_port())
        server = EmbeddedServer(settings)
        server.ensure_running()
        try:
            with GraphStore.connect(settings) as store:
                store.apply_schema()
                t0 = time.perf_counter()
                CatalogIngestJob(store, readers_for([], installed=True, data_dir=args.data)).run()
                embedder = SentenceTransformerEmbedder(batch_size=settings.embedding_batch_size)
                indexes = ChunkIndexes(settings.index_dir, embedder)
                files = _news_slice(args.data / "news", args.news_limit, root)
                inputs = inputs_from_specs(files, mapping=None, classification="public", state_dir=root)
                news = ingest_news(AppContext(settings, store=store, indexes=indexes), inputs)
                setup_s = time.perf_counter() - t0
                state = server.state()
                settle_s, busy_pct = _settle(state.pid) if state and args.settle else (0.0, None)

                questions = _questions(store, args.questions)
                retriever = RetrieverSet(store, indexes).get("hybrid")
                for item in questions[:WARM_UP]:  # load MiniLM, fill caches
                    retriever.search(item.question, k=args.k, access=access)
                server_proc = psutil.Process(state.pid) if state else None
                cold, cold_stages, cold_cpu = _time_retrieval(
                    retriever, questions, args.k, access, server_proc
                )
                retrieval, stages, warm_cpu = _time_retrieval(
                    retriever, questions, args.k, access, server_proc
                )

                generator = TransformersGenerator(cache_dir=args.model_cache)
                t1 = time.perf_counter()
                generator.load()
                load_s = time.perf_counter() - t1
                answerer = Answerer(generator)
                end_to_end, answer_stages, refused = [], [], 0
                for item in questions[: args.answers]:
                    started = time.perf_counter()
                    answer = answerer.answer(retriever.search(item.question, k=args.k, access=access))
                    end_to_end.append((time.perf_counter() - started) * 1000)
                    answer_stages.append(answer.timings_ms)
                    refused += answer.refused
        finally:
            server.stop()
    print(json.dumps({
        "benchmark": "retrieval", "cpu_count": os.cpu_count(), "device": embedder.device,
        "setup_s": round(setup_s, 1), "settle_s": round(settle_s, 1), "server_cpu_pct_after_ingest": busy_pct, "articles": news.new, "chunks": news.chunks_total,
        "questions": len(questions), "families": dict(Counter(i.group for i in questions)),
        "retrieval_cold_ms": _ms(cold), "retrieval_cold_stages_ms": latency_summary(cold_stages),
        "server_cpu_s_cold": cold_cpu, "server_cpu_s_warm": warm_cpu,
        "retrieval_ms": _ms(retrieval), "retrieval_stages_ms": latency_summary(stages),
        "answers": len(end_to_end), "chat_model_load_s": round(load_s, 1), "refused": refused,
        "end_to_end_ms": _ms(end_to_end), "answer_stages_ms": latency_summary(answer_stages),
        "client_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
