"""Prometheus metrics of one app, in its own registry (so tests can build many apps)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "llmx_http_requests", "HTTP requests by route template, method and status.",
            ["route", "method", "status"], registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "llmx_http_request_seconds", "Request latency by route template.", ["route"],
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60), registry=self.registry,
        )  # fmt: skip
        self.denied = Counter(
            "llmx_authz_denied", "Requests the policy refused, by resource.", ["resource"],
            registry=self.registry,
        )  # fmt: skip
        self.auth_failures = Counter(
            "llmx_auth_failures", "Requests with an unknown, expired or revoked key.", registry=self.registry
        )
        self.flags = Counter(
            "llmx_monitor_flags", "Questions and answers flagged by the monitor, by flag.", ["flag"],
            registry=self.registry,
        )  # fmt: skip
