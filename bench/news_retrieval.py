"""Benchmark: retrieval latency of three-part news questions (rag.news_retrieval), warm. Prints JSON.

Runs against an existing data dir with the news ingested (LLMX_DATA_DIR, e.g. the one `llmx demo
--data ../shared/data` built), so the graph and both indexes are the full corpus. Questions name
three publishers, each with a date and a claim (three articles' titles, drawn with a fixed seed),
e.g. "Does OpenAI's article on 2025-08-05 say X, while Hacker News' story on 2025-08-06 says Y,
and AINews's post on 2025-08-07 reports Z?". A warm-up pass first (BM25 matrix, JVM), then the
timed pass, with and without reranking. Target: p95 under 300 ms on 2 cores.

Usage: LLMX_DATA_DIR=... python bench/news_retrieval.py [--questions 60] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time

from core.access import AccessFilter
from core.settings import Settings
from kg.store import GraphStore
from rag.eval.news_multihop import load_articles
from rag.news_retrieval import news_retriever_for
from rag.pipeline import build_hybrid, open_indexes


def _pct(values: list[float], q: float) -> float:
    v = sorted(values)
    return round(v[min(len(v) - 1, int(q * len(v)))], 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    settings = Settings()
    access = AccessFilter.public()
    with GraphStore.connect(settings) as store:
        arts, _ = load_articles(store)
        rng = random.Random(args.seed)
        questions: list[str] = []
        while len(questions) < args.questions:
            trio = rng.sample(arts, 3)
            if len({a.group for a in trio}) < 3:
                continue
            a, b, c = trio
            questions.append(
                f"Does {a.name}'s article on {a.day} say {a.title}, while {b.name}'s story on {b.day} says "
                f"{b.title}, and {c.name}'s post on {c.day} reports {c.title}?"
            )
        started = time.perf_counter()
        hybrid = build_hybrid(store, open_indexes(settings))
        news = news_retriever_for(hybrid)
        assert news is not None
        load_s = time.perf_counter() - started
        for q in questions[:10]:  # warm-up: BM25 matrix, publisher cache, the server's query plans
            news.retrieve(q, access=access)
        out: dict[str, object] = {"questions": len(questions), "load_s": round(load_s, 1)}
        parts = [len(news.analyzer.analyze(q).parts) for q in questions]
        out["parts_mean"] = round(statistics.mean(parts), 2)
        for rerank in (False, True):
            times: list[float] = []
            stages: dict[str, list[float]] = {}
            for q in questions:
                t0 = time.perf_counter()
                result = news.retrieve(q, access=access, k=10, rerank=rerank)
                times.append((time.perf_counter() - t0) * 1000)
                for stage, ms in result.timings_ms.items():
                    stages.setdefault(stage, []).append(ms)
            key = "rerank" if rerank else "no_rerank"
            out[key] = {
                "p50_ms": _pct(times, 0.5),
                "p95_ms": _pct(times, 0.95),
                "max_ms": round(max(times), 1),
                "stages_p95_ms": {s: _pct(v, 0.95) for s, v in stages.items()},
            }
        out["target_p95_ms"] = 300
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
