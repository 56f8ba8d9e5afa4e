"""Benchmark: the explorer's filtered model list (GET /v1/models' two statements: the page and the
count) against the configured graph, warm. Prints JSON.

For each filter set and sort: the total it matched and the median / max milliseconds of
`services.catalog.list_models` over --repeat runs after one warm-up, as a viewer sees it.

Usage: LLMX_DATA_DIR=var python bench/catalog_filters.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import date
from typing import Any

from core.access import AccessFilter
from core.settings import get_settings
from services.catalog import ModelFilters, Sort, list_models
from services.context import AppContext

CASES: list[tuple[str, dict[str, Any], Sort]] = [
    ("none", {}, "name"),
    ("none by release", {}, "release_date"),
    ("licence + open weights", {"license_id": "apache-2.0", "open_weights": True}, "name"),
    ("image input", {"input_modalities": ["image"]}, "input_price"),
    ("max input price 0.5", {"max_input_price": 0.5}, "input_price"),
    ("gpqa >= 0.7", {"benchmark_id": "gpqa", "min_score": 0.7}, "benchmark_score"),
    ("parameters 7B-70B", {"min_parameters": 7e9, "max_parameters": 7e10}, "parameters"),
    ("context 128K-1M", {"min_context": 128_000, "max_context": 1_000_000}, "context_length"),
    ("released 2025 H1", {"released_after": date(2025, 1, 1), "released_before": date(2025, 6, 30)}, "name"),
    ("organisation meta", {"org_id": "meta"}, "release_date"),
    ("everything", {"open_weights": True, "input_modalities": ["text"], "max_input_price": 1.0,
                    "min_context": 32_000, "released_after": date(2024, 1, 1)}, "input_price"),
]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    ctx = AppContext(get_settings())
    access = AccessFilter.public()
    out = []
    try:
        for name, params, sort in CASES:
            filters = ModelFilters(**params)
            page = list_models(ctx, filters, access=access, sort=sort, limit=50)  # warm-up
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                list_models(ctx, filters, access=access, sort=sort, limit=50)
                times.append(1000 * (time.perf_counter() - started))
            out.append({"case": name, "sort": sort, "total": page.total,
                        "median_ms": round(statistics.median(times), 1), "max_ms": round(max(times), 1)})  # fmt: skip
    finally:
        ctx.close()
    print(json.dumps({"repeat": args.repeat, "cases": out}, indent=2))


if __name__ == "__main__":
    main()
