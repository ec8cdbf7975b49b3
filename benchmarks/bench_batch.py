"""Batch throughput: 1,000 articles (the TRAM2 reports, repeated) with n_jobs=2 against n_jobs=1.

    python benchmarks/bench_batch.py [--articles 1000] [--rounds 4] [--batch-size 8] [--data-home DIR]

Both settings analyze the same 1,000 articles with the same shipped model, in the same process.
The machine is shared, so the work is cut into rounds and the settings alternate (1 then 2, then
2 then 1, ...): load from other processes falls on both alike. Worker processes are started and
have loaded the model before timing (a short warm-up batch), so the figures are steady-state
throughput; the cold start is printed too. Peak memory is the largest resident set, sampled every
50 ms, of this process and of this process plus its workers. CPU time counts this process and its
workers; "cores used" is CPU time over wall time: on a machine that other work keeps busy it shows
how much of the 2 cores the run got (Linux shares CPU between sessions, not processes, when
autogroup scheduling is on, so a second worker gains nothing while other sessions are busy).
The projected speed-up divides the CPU time of n_jobs=1 by that of the busiest process with
n_jobs=2: the wall time it would take with a core each. Target: a measured speed-up >= 1.7x on
2 otherwise idle cores.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import psutil

from ttpmap import Analyzer, Article
from ttpmap._batch import BatchError, analyze_many
from ttpmap._datahome import require_data_file

REPORTS = "datasets/tram2/reports.jsonl"


def tram2_articles(n: int, data_home: str | None) -> Iterator[Article]:
    """`n` articles, the TRAM2 reports repeated, read lazily from the file each time round."""
    path = require_data_file(REPORTS, data_home)

    def once() -> Iterator[Article]:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                doc = json.loads(line)
                yield Article(doc["text"], title=doc["doc_title"].strip(), url=doc.get("url"))

    return itertools.islice(itertools.chain.from_iterable(once() for _ in itertools.count()), n)


class PeakMemory:
    """Samples the resident set of this process, alone and with its child processes."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.own = self.total = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        me = psutil.Process()
        own = me.memory_info().rss
        total = own
        for child in me.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
        self.own, self.total = max(self.own, own), max(self.total, total)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> PeakMemory:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


def cpu_seconds() -> dict[int, float]:
    """User + system CPU time so far of this process and of each live child process (the workers)."""
    me = psutil.Process()
    times = {me.pid: sum(me.cpu_times()[:2])}
    for child in me.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            times[child.pid] = sum(child.cpu_times()[:2])
    return times


def cpu_spent(before: dict[int, float], after: dict[int, float]) -> dict[int, float]:
    return {pid: t - before.get(pid, 0.0) for pid, t in after.items()}


def run(
    analyzer: Analyzer, n: int, skip: int, n_jobs: int, batch_size: int, data_home: str | None
) -> dict[str, Any]:
    techniques = errors = count = 0
    articles = itertools.islice(tram2_articles(skip + n, data_home), skip, None)
    with PeakMemory() as memory:
        cpu = cpu_seconds()
        start = time.perf_counter()
        for result in analyze_many(analyzer, articles, n_jobs=n_jobs, batch_size=batch_size):
            count += 1
            if isinstance(result, BatchError):
                errors += 1
            else:
                techniques += len(result.techniques)
        seconds = time.perf_counter() - start
        spent = cpu_spent(cpu, cpu_seconds())
    return {"n_jobs": n_jobs, "articles": count, "errors": errors, "techniques": techniques,
            "seconds": seconds, "cpu": sum(spent.values()), "busiest": max(spent.values()),
            "peak_own": memory.own, "peak_total": memory.total}  # fmt: skip


def total(runs: list[dict[str, Any]]) -> dict[str, Any]:
    out = dict(runs[0])
    for key in ("articles", "errors", "techniques", "seconds", "cpu", "busiest"):
        out[key] = sum(r[key] for r in runs)
    for key in ("peak_own", "peak_total"):
        out[key] = max(r[key] for r in runs)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--data-home", help="folder holding datasets/tram2/reports.jsonl")
    args = parser.parse_args()

    t0 = time.perf_counter()
    analyzer = Analyzer()
    load = time.perf_counter() - t0
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    print(f"model {analyzer!r} loaded in {load:.2f} s")

    t0 = time.perf_counter()
    warm = list(analyze_many(analyzer, tram2_articles(8, args.data_home), n_jobs=2, batch_size=2))
    print(f"cold start of 2 workers (spawn + model load + 8 articles): {time.perf_counter() - t0:.2f} s")
    assert not any(isinstance(r, BatchError) for r in warm)
    list(analyze_many(analyzer, tram2_articles(8, args.data_home), n_jobs=1))

    per_round = -(-args.articles // args.rounds)
    runs: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
    for i in range(args.rounds):
        skip = i * per_round
        n = min(per_round, args.articles - skip)
        for n_jobs in (1, 2) if i % 2 == 0 else (2, 1):
            runs[n_jobs].append(run(analyzer, n, skip, n_jobs, args.batch_size, args.data_home))
        print(f"round {i + 1}/{args.rounds}: {n} articles, n_jobs=1 {runs[1][-1]['seconds']:.1f} s, "
              f"n_jobs=2 {runs[2][-1]['seconds']:.1f} s, load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    results = [total(runs[1]), total(runs[2])]
    mib = 1024 * 1024
    print(f"{'n_jobs':>6} {'articles':>8} {'errors':>6} {'techniques':>10} {'seconds':>8} {'art/s':>7} "
          f"{'CPU s':>7} {'cores used':>10} {'peak RSS main':>13} {'peak RSS all':>12}")  # fmt: skip
    for r in results:
        print(
            f"{r['n_jobs']:>6} {r['articles']:>8} {r['errors']:>6} {r['techniques']:>10} "
            f"{r['seconds']:>8.2f} {r['articles'] / r['seconds']:>7.1f} "
            f"{r['cpu']:>7.1f} {r['cpu'] / r['seconds']:>10.2f} "
            f"{r['peak_own'] / mib:>10.0f} MiB {r['peak_total'] / mib:>8.0f} MiB"
        )
    one, two = results
    assert one["techniques"] == two["techniques"], "n_jobs=2 must give the same briefs as n_jobs=1"
    speedup = one["seconds"] / two["seconds"]
    print(f"CPU time per article: n_jobs=1 {one['cpu'] / one['articles'] * 1000:.0f} ms, "
          f"n_jobs=2 {two['cpu'] / two['articles'] * 1000:.0f} ms")  # fmt: skip
    projected = one["cpu"] / two["busiest"]
    print(f"projected speed-up on 2 idle cores (n_jobs=1 CPU time / busiest process's CPU time with "
          f"n_jobs=2): {projected:.2f}x")  # fmt: skip
    print(f"speed-up n_jobs=2 vs n_jobs=1: {speedup:.2f}x (target >= 1.7x); "
          f"load average now {os.getloadavg()[0]:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
