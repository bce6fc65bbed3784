"""The HTTP API's Prometheus metrics (`GET /metrics`, the text exposition format): requests
by route and status, their latency, errors, tool calls and declines. Each app has its own
registry, so two apps in one process (tests) do not share counts; several worker processes
are scraped one by one (a pod's replicas each expose their own)."""

from __future__ import annotations

from typing import Any


class Metrics:
    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = CollectorRegistry()
        self.requests = Counter("mlinfra_http_requests", "HTTP requests by route, method and "
                                "status.", ["route", "method", "status"],
                                registry=self.registry)  # fmt: skip
        self.latency = Histogram(
            "mlinfra_http_request_seconds", "Time to the response's first byte, by route.",
            ["route"], registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )  # fmt: skip
        self.errors = Counter("mlinfra_http_errors", "Responses with a 5xx status, by route.",
                              ["route"], registry=self.registry)  # fmt: skip
        self.tool_calls = Counter("mlinfra_tool_calls", "Decision tool calls, by tool.",
                                  ["tool"], registry=self.registry)  # fmt: skip
        self.declines = Counter("mlinfra_declines", "Questions declined as out of scope.",
                                registry=self.registry)  # fmt: skip
        self.rate_limited = Counter("mlinfra_rate_limited", "Requests refused with 429.",
                                    registry=self.registry)  # fmt: skip

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route).observe(seconds)
        if status >= 500:
            self.errors.labels(route).inc()

    def answered(self, answer: Any) -> None:
        for call in getattr(answer, "tool_calls", []):
            self.tool_calls.labels(call.name).inc()
        if getattr(answer, "abstained", False):
            self.declines.inc()

    def text(self) -> bytes:
        from prometheus_client import generate_latest

        return bytes(generate_latest(self.registry))
