"""Prometheus metrics (SPEC 9), one registry per app so tests never share counters."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "tasksync_http_requests",
            "HTTP requests by route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "tasksync_http_request_duration_seconds",
            "Time from request to response.",
            ["route"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
        )
        self.pushes = Counter(
            "tasksync_pushes",
            "Task-sync pushes by result (created, updated, unchanged, stale, invalid).",
            ["result"],
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "tasksync_rate_limited",
            "Task-sync requests refused with 429.",
            registry=self.registry,
        )
        self.auth_failures = Counter(
            "tasksync_task_sync_auth_failures",
            "Task-sync requests answered with the generic 401.",
            registry=self.registry,
        )
        self.commit_batch = Histogram(
            "tasksync_commit_batch_size",
            "Writes carried by one database commit (group commit).",
            registry=self.registry,
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
