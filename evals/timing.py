"""Timing helpers shared by the benchmark scripts."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable
from typing import Any


def p50_p95(values: Iterable[float]) -> tuple[float, float]:
    """Median and 95th percentile (nearest rank); NaN for no values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan"), float("nan")
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def time_each(fn: Callable[[Any], object], items: Iterable[Any]) -> list[float]:
    """Seconds `fn(item)` took, for each item in turn."""
    timings = []
    for item in items:
        started = time.perf_counter()
        fn(item)
        timings.append(time.perf_counter() - started)
    return timings
