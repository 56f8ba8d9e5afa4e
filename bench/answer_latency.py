"""Benchmark: answers as the product serves them, with and without a LoRA adapter. Prints JSON.

Over the hand-written free-phrasing questions (`rag/eval/free_phrasing.jsonl`, a split), each
question is retrieved and answered the way `llmx ask` does by default (the chat model phrases
attribute and comparison answers; the strict grounding check keeps or replaces its text), once per
system: the base model, and the base model with the adapter. Per system: answer latency p50/p95
(retrieval + answer, warm: the model is loaded before the clock starts), the share of the
model-phrased answers that fell back to the composed answer, and the free-phrasing accuracy,
citation precision and refusal correctness of what was served.

Usage: python bench/answer_latency.py [--split test] [--adapter adapters/default] [--limit N]
Runs over the graph and indexes of the configured data dir (LLMX_DATA_DIR); `llmx demo` builds them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from core.access import AccessFilter
from core.settings import get_settings
from finetune.registry import REPO_DEFAULT
from kg.store import GraphStore
from rag.answer import Answerer
from rag.eval import free_phrasing as F
from rag.eval import metrics as M
from rag.generation.transformers_backend import TransformersGenerator
from rag.pipeline import build_hybrid, open_indexes


def _pct(values: list[float], q: float) -> float | None:
    value = M.percentile(values, q)
    return None if value is None else round(value, 1)


def run_system(
    name: str, generator: TransformersGenerator, items: list[F.FreeItem], retriever: Any
) -> dict[str, Any]:
    generator.load()
    system = F.Answering(retriever, Answerer(generator))
    latencies, phrased, fell_back, scored = [], 0, 0, []
    for item in items:
        started = time.perf_counter()
        result, answer, _ = system.run(item)
        latencies.append((time.perf_counter() - started) * 1000)
        scored.append(F.score(item, result, answer))
        if answer.grounding is not None:  # the model phrased this answer
            phrased += 1
            fell_back += int(not answer.grounding.passed)
    mean = lambda key: statistics.fmean(v for r in scored if (v := getattr(r, key)) is not None)  # noqa: E731
    return {
        "system": name,
        "questions": len(items),
        "latency_ms_p50": _pct(latencies, 50),
        "latency_ms_p95": _pct(latencies, 95),
        "model_phrased": phrased,
        "fell_back_to_composed": fell_back,
        "fallback_share": round(fell_back / phrased, 3) if phrased else None,
        "accuracy": round(mean("accuracy"), 3),
        "citation_precision": round(mean("citation_precision"), 3),
        "refusal_correct": round(mean("refusal_correct"), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test", "both"), default="test")
    parser.add_argument("--adapter", type=Path, default=REPO_DEFAULT)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    settings = get_settings()
    items = [i for i in F.load() if args.split in ("both", i.split)][: args.limit]
    out = []
    with GraphStore.connect(settings) as store:
        retriever = build_hybrid(store, open_indexes(settings))
        retriever.search("warm up", k=8, access=AccessFilter.public())
        for name, adapter in (("base", None), ("adapter", args.adapter)):
            generator = TransformersGenerator(
                cache_dir=settings.model_cache_dir, adapter_dir=adapter, device="cpu"
            )
            out.append(run_system(name, generator, items, retriever))
    print(json.dumps({"split": args.split, "adapter": str(args.adapter), "systems": out}, indent=2))


if __name__ == "__main__":
    main()
