"""Benchmarks: they print figures and assert nothing (tests never time anything)."""

from __future__ import annotations

import resource
from collections.abc import Sequence

from eval.metrics import percentile


def peak_memory_mb() -> float:
    """This process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def latency_line(name: str, seconds: Sequence[float]) -> str:
    milliseconds = [s * 1000 for s in seconds]
    p50, p95 = percentile(milliseconds, 50), percentile(milliseconds, 95)
    return f"{name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms over {len(milliseconds)}"
