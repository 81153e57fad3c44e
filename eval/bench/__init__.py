"""Benchmarks: they print figures and assert nothing (tests never time anything)."""

from __future__ import annotations

import resource
from collections.abc import Sequence
from pathlib import Path

from eval.metrics import percentile


def peak_memory_mb() -> float:
    """This process's peak resident memory so far.

    Linux's VmHWM, which starts again at exec; getrusage's ru_maxrss does not, so a process
    started by a large parent (the bench that built the index) would report the parent's peak.
    """
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
        return int(status.split("VmHWM:")[1].split()[0]) / 1024
    except (OSError, IndexError, ValueError):  # not Linux
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def latency_line(name: str, seconds: Sequence[float]) -> str:
    milliseconds = [s * 1000 for s in seconds]
    p50, p95 = percentile(milliseconds, 50), percentile(milliseconds, 95)
    return f"{name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms over {len(milliseconds)}"
