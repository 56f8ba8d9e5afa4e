"""Benchmark: N concurrent API clients on loopback for a fixed time. Prints JSON.

Runs against a server that is already up (`llmx serve`), so that what is measured is the API as
deployed: authentication, Casbin, the rate limiter, the graph and both indexes (start it with
`LLMX_API_RATE_LIMIT_PER_MINUTE` above what the clients send, or the run measures the 429s).
Each client is a thread with its own HTTP connection that sends the next request as soon as the
previous one is answered; questions cycle through a fixed list. For each route: requests, requests/s,
latency p50/p95/p99 in ms, and errors (any status other than 200, or a connection error). With
`--server-pid` (a server on this machine) also the server's CPU ms per request, the number that
decides the p95 on a small machine: N clients queue behind (N x CPU per request / cores).

Usage: python bench/api_load.py --url http://127.0.0.1:8000 --key-file var/api/admin.key \
           [--clients 20] [--seconds 30] [--route search] [--route chat]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time
from pathlib import Path
from typing import Any

import httpx

QUERIES = (
    "context length of GPT-4o mini",
    "open weights models from Meta",
    "Claude 3 Opus release date",
    "which models support image input",
    "Mistral Large licence",
    "Gemini 1.5 Pro price per million tokens",
    "models fine-tuned from Llama 3",
    "best MMLU score",
)
ROUTES: dict[str, tuple[str, str]] = {"search": ("/v1/search", "query"), "chat": ("/v1/chat", "question")}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def drive(url: str, key: str, route: str, clients: int, seconds: float) -> dict[str, Any]:
    path, field = ROUTES[route]
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(n: int) -> None:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=300) as http:
            i = n
            while time.monotonic() < stop_at:
                body = {field: QUERIES[i % len(QUERIES)]}
                i += 1
                started = time.perf_counter()
                try:
                    response = http.post(path, json=body)
                    status = str(response.status_code)
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    if status == "200":
                        latencies.append(elapsed)
                    else:
                        errors.append(status)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return {
        "route": path, "clients": clients, "seconds": round(wall, 1), "requests": len(latencies) + len(errors),
        "rps": round((len(latencies) + len(errors)) / wall, 2),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 0.95), 1), "p99_ms": round(percentile(latencies, 0.99), 1),
        "errors": len(errors), "error_kinds": {e: errors.count(e) for e in sorted(set(errors))},
    }  # fmt: skip


def server_cpu_s(pid: int) -> float:
    """User + system CPU seconds of process `pid` (all its threads) from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--key", help="An API key allowed to search and chat.")
    parser.add_argument("--key-file", type=Path, default=Path("var/api/admin.key"))
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--route", action="append", choices=sorted(ROUTES))
    parser.add_argument("--warmup", type=int, default=3, help="Requests per route before timing.")
    parser.add_argument(
        "--server-pid",
        type=int,
        action="append",
        help="A server process on this machine (the API; again for the graph server): also report "
        "its CPU ms per request.",
    )
    args = parser.parse_args()
    key = args.key or args.key_file.read_text().strip()
    routes = args.route or ["search"]
    with httpx.Client(base_url=args.url, headers={"Authorization": f"Bearer {key}"}, timeout=300) as http:
        for route in routes:
            path, field = ROUTES[route]
            for i in range(args.warmup):
                http.post(path, json={field: QUERIES[i % len(QUERIES)]}).raise_for_status()
    load_before = os.getloadavg()
    results = []
    for route in routes:
        pids = args.server_pid or []
        cpu_before = [server_cpu_s(pid) for pid in pids]
        result = drive(args.url, key, route, args.clients, args.seconds)
        if pids and result["requests"]:
            result["server_cpu_ms_per_request"] = {
                str(pid): round((server_cpu_s(pid) - before) * 1000 / result["requests"], 2)
                for pid, before in zip(pids, cpu_before, strict=True)
            }
        results.append(result)
    # The machine's load around the run: on a shared 2-core box the numbers mean little without it.
    load = {"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in os.getloadavg()],
            "cpus": os.cpu_count()}  # fmt: skip
    print(json.dumps({"url": args.url, "load_average": load, "results": results}, indent=2))


if __name__ == "__main__":
    main()
