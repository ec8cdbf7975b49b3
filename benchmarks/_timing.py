"""Timing helpers shared by the benchmark scripts."""

from __future__ import annotations

import gc
import statistics
import subprocess
import sys
import time
from collections.abc import Callable


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of `fn()` over `repeat` calls, in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def best_s(fn: Callable[[], object], repeat: int, *, collect_first: bool = False) -> float:
    """Best wall time of `fn()` over `repeat` calls, in seconds.

    With `collect_first`, garbage is collected (untimed) before each call, so that no call pays for
    a full collection that earlier calls' objects made due; each still pays for its own.
    """
    best = float("inf")
    for _ in range(repeat):
        if collect_first:
            gc.collect()
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def cold_ms(code: str, repeat: int) -> float:
    """Median wall time of a fresh `python -c code` process, in milliseconds."""
    return median_ms(
        lambda: subprocess.run([sys.executable, "-c", code], check=True, capture_output=True), repeat
    )
