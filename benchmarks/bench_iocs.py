"""Throughput of `ttpmap.iocs.find_iocs`, side by side with iocextract and ioc-finder, in one run.

Inputs: the 151 TRAM2 report texts (``datasets/tram2/reports.jsonl`` in the data home) and a 1 MB
text made of those reports. Baselines: ``iocextract.extract_iocs(refang=True)`` (super-linear: run on
a subset of reports within a time budget, which the output says) and ioc-finder's ``find_iocs`` with
its defaults. Target: >= 3 million characters/s for ttpmap on one core with all types on. Also prints
strict precision and recall on the labeled corpus in ``tests/data/iocs/reports``.

    python benchmarks/bench_iocs.py [--budget 20] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from collections.abc import Callable
from pathlib import Path

from ttpmap._datahome import require_data_file
from ttpmap.iocs import find_iocs

ROOT = Path(__file__).resolve().parents[1]
TARGET = 3_000_000


def _rate(
    fn: Callable[[str], object], texts: list[str], repeat: int, budget: float
) -> tuple[float, int, float]:
    """Best characters/s over `repeat` passes; stops a pass when `budget` seconds are spent.

    Returns (chars per second, number of texts processed, seconds for those texts).
    """
    best = (0.0, 0, 0.0)
    for _ in range(repeat):
        done, chars = 0, 0
        start = time.perf_counter()
        for text in texts:
            fn(text)
            done += 1
            chars += len(text)
            if time.perf_counter() - start > budget:
                break
        seconds = time.perf_counter() - start
        rate = chars / seconds if seconds else 0.0
        if rate > best[0]:
            best = (rate, done, seconds)
    return best


def _rate_in_child(
    fn: Callable[[str], object], texts: list[str], budget: float
) -> tuple[float, int, float, bool]:
    """Characters/s of `fn` over `texts` in a child process that is stopped after `budget` seconds.

    One call of a super-linear extractor cannot be interrupted from inside, so the child reports its
    progress after each text and the parent kills it at the deadline. Returns (chars per second,
    texts done, seconds, finished).
    """
    ctx = multiprocessing.get_context("fork")
    done = ctx.Value("i", 0)
    chars = ctx.Value("q", 0)
    elapsed = ctx.Value("d", 0.0)

    def work() -> None:
        start = time.perf_counter()
        for text in texts:
            fn(text)
            with done.get_lock():
                done.value += 1
                chars.value += len(text)
                elapsed.value = time.perf_counter() - start
            if time.perf_counter() - start > budget:
                return

    child = ctx.Process(target=work)
    child.start()
    child.join(budget)
    finished = not child.is_alive()
    if not finished:
        child.terminate()
        child.join()
    # when the child was stopped, the time it spent on its unfinished text counts too
    seconds = elapsed.value if finished else budget
    rate = chars.value / seconds if done.value else 0.0
    return rate, done.value, seconds, finished and done.value == len(texts)


def _baselines() -> dict[str, Callable[[str], object]]:
    out: dict[str, Callable[[str], object]] = {}
    try:
        import iocextract

        out["iocextract.extract_iocs(refang=True)"] = lambda t: list(iocextract.extract_iocs(t, refang=True))
    except ImportError:
        print("iocextract not installed: skipped")
    try:
        import ioc_finder

        out["ioc_finder.find_iocs"] = ioc_finder.find_iocs
    except ImportError:
        print("ioc-finder not installed (pip install 'ttpmap[bench]'): skipped")
    return out


def _long_line(texts: list[str]) -> None:
    """Issue 22 item 3: one line of 1 and 4 MB (the reports joined by spaces); 4x input, about 4x time."""
    line = " ".join(t.replace("\n", " ") for t in texts)
    times = {}
    for mb in (1, 4):
        big = (line * (mb * 1_000_000 // len(line) + 1))[: mb * 1_000_000]
        start = time.perf_counter()
        find_iocs(big)
        times[mb] = time.perf_counter() - start
    print(
        f"ttpmap.find_iocs       one long line: 1 MB {times[1]:.2f} s, 4 MB {times[4]:.2f} s, "
        f"ratio {times[4] / times[1]:.1f} (linear: 4)",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=20.0, help="seconds per baseline pass (default 20)")
    parser.add_argument("--repeat", type=int, default=3, help="passes for ttpmap; baselines run once")
    args = parser.parse_args(argv)

    path = require_data_file("datasets/tram2/reports.jsonl")
    with path.open(encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    one_mb = ("\n".join(texts) * 2)[:1_000_000]
    total = sum(map(len, texts))
    print(
        f"TRAM2: {len(texts)} reports, {total:,} characters; big input: {len(one_mb):,} characters",
        flush=True,
    )

    inputs = {"TRAM2 reports": texts, "1 MB text": [one_mb]}
    ours = {name: _rate(find_iocs, data, args.repeat, float("inf")) for name, data in inputs.items()}
    for name, (rate, _, seconds) in ours.items():
        verdict = "meets" if rate >= TARGET else "MISSES"
        print(
            f"ttpmap.find_iocs       {name:14} {rate / 1e6:6.2f} M chars/s "
            f"({seconds:.2f} s)  {verdict} 3 M/s",
            flush=True,
        )

    _long_line(texts)

    for label, fn in _baselines().items():
        for name, data in inputs.items():
            rate, done, seconds, finished = _rate_in_child(fn, data, args.budget)
            if done == 0:
                bound = sum(map(len, data[:1])) / args.budget
                print(
                    f"{label:22} {name:14} < {bound / 1e6:5.3f} M chars/s: "
                    f"first text unfinished after {args.budget:.0f} s"
                )
                continue
            note = (
                "" if finished else f" [stopped at the {args.budget:.0f} s budget: {done}/{len(data)} texts]"
            )
            ratio = ours[name][0] / rate if rate else float("inf")
            print(
                f"{label:22} {name:14} {rate / 1e6:6.3f} M chars/s ({seconds:.2f} s)  "
                f"ttpmap is {ratio:5.1f}x{note}",
                flush=True,
            )

    sys.path.insert(0, str(ROOT / "tests" / "iocs"))
    try:
        from score import score_corpus
    except ImportError:
        print("labeled corpus not found (run from a source checkout): precision/recall skipped")
        return 0
    for name, s in score_corpus().items():
        print(
            f"corpus {name:28} precision {s.precision:.3f}  recall {s.recall:.3f}  "
            f"(tp {s.tp}, fp {s.fp}, fn {s.fn})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
