"""Time and peak memory of hostile input shapes at 1x and 10x their size, and the 10x/1x ratios.

Shapes: one long line of IOC-like tokens (``find_iocs``), repeated explicit IDs and sentence-dense
text (``Analyzer.analyze``), deeply nested HTML (``Article.from_html``), and the refusal of an
endless device and of a FIFO fed without end (``Article.from_file`` with the limit at 1x and 10x).
The baseline of each shape is its own 1x run, measured in the same run. Linear costs give ratios
near 10; the target is at most 11 for time and for memory. Each measurement runs in a fresh process,
after a warm-up that loads the model and its caches: the best CPU time of this process (the machine
is shared, and wall time would count the others) of three calls at 1x and two at 10x (one for
sentence-dense text at 10x, ten for the refusals, which take milliseconds), garbage collected before
each; then the peak of the memory allocated during one more call (tracemalloc, which counts numpy's
arrays too).

    python benchmarks/bench_adversarial.py [--shape NAME ...]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

TARGET = 11.0
# shape -> (input at 1x in characters or bytes, what it is)
SHAPES: dict[str, tuple[int, str]] = {
    "long-line": (100_000, "find_iocs on one line of IOC-like tokens, no line break"),
    "repeated-ids": (70_000, 'analyze("Uses " + "T1059. " * n)'),
    "sentence-dense": (100_000, 'analyze("A b. " * n)'),
    "nested-html": (60_000, "Article.from_html of <div> nested n deep"),
    # limits of 32 MiB and 320 MiB, both read into fresh memory: at the default 10 MiB a refusal
    # takes 3-4 ms of CPU, too little to time against the page faults of the allocations
    "device": (33_554_432, "Article.from_file('/dev/zero') refused at a limit of n bytes"),
    "fifo": (33_554_432, "Article.from_file(FIFO fed without end) refused at a limit of n bytes"),
}


def _job(shape: str, size: int) -> tuple[Callable[[], object], int]:
    """The call to measure and the size of its input in bytes."""
    if shape == "long-line":
        from ttpmap.iocs import find_iocs

        unit = "evil[.]com 10.0.0.1 hxxp://bad[.]site/a.php d41d8cd98f00b204e9800998ecf8427e "
        text = (unit * (size // len(unit) + 1))[:size]
        return lambda: find_iocs(text), len(text)
    if shape in ("repeated-ids", "sentence-dense"):
        from ttpmap import Analyzer

        analyzer = Analyzer(max_bytes=100_000_000)
        analyzer.analyze("The actor ran the tool and then used PowerShell to fetch a payload. " * 3000)
        unit = "T1059. " if shape == "repeated-ids" else "A b. "
        text = "Uses " + unit * (size // len(unit))
        return lambda: analyzer.analyze(text), len(text)
    if shape == "nested-html":
        from ttpmap import Article

        depth = size // 11
        html = (
            "<html><body>" + "<div>" * depth + "The actor ran vssadmin." + "</div>" * depth + "</body></html>"
        )
        return lambda: Article.from_html(html), len(html)
    if shape in ("device", "fifo"):
        return _refusal(shape, size), size
    raise SystemExit(f"unknown shape {shape!r}")


def _refusal(shape: str, limit: int) -> Callable[[], object]:
    from ttpmap import Article, InputError

    def refuse(path: str) -> None:
        try:
            Article.from_file(path, max_bytes=limit)
        except InputError:
            return
        raise AssertionError(f"{path} was not refused")

    if shape == "device":
        return lambda: refuse("/dev/zero")

    def fifo_run() -> None:
        folder = tempfile.mkdtemp()
        path = os.path.join(folder, "article.txt")
        os.mkfifo(path)

        def writer() -> None:
            try:
                with open(path, "wb", buffering=0) as fh:
                    block = b"a" * 65536
                    while True:
                        fh.write(block)
            except OSError:
                pass

        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        refuse(path)
        thread.join(timeout=10)
        os.unlink(path)
        os.rmdir(folder)

    return fifo_run


def _measure(shape: str, scale: int) -> dict[str, float]:
    size = SHAPES[shape][0] * scale
    fn, n_bytes = _job(shape, size)
    quick = shape in ("device", "fifo")  # milliseconds: more tries to see past the noise
    slow = shape == "sentence-dense" and scale > 1
    seconds = _best_cpu_s(fn, 10 if quick else 1 if slow else 3 if scale == 1 else 2)
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"seconds": seconds, "peak": float(peak), "bytes": float(n_bytes)}


def _best_cpu_s(fn: Callable[[], object], repeat: int) -> float:
    """Best CPU time of `fn()` in this process (the machine is shared: wall time counts the others)."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def _in_child(shape: str, scale: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", shape, str(scale)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", action="append", choices=sorted(SHAPES), help="only these shapes")
    parser.add_argument("--child", nargs=2, metavar=("SHAPE", "SCALE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_measure(args.child[0], int(args.child[1]))))
        return 0
    print(f"{'shape':15} {'input 1x':>10} {'cpu 1x':>9} {'cpu 10x':>9} {'ratio':>6}  "
          f"{'peak 1x':>9} {'peak 10x':>9} {'ratio':>6}  {'peak/input 10x':>14}")  # fmt: skip
    worst = 0.0
    for shape in args.shape or list(SHAPES):
        one, ten = _in_child(shape, 1), _in_child(shape, 10)
        t_ratio = ten["seconds"] / max(one["seconds"], 1e-6)
        m_ratio = ten["peak"] / max(one["peak"], 1.0)
        worst = max(worst, t_ratio, m_ratio)
        print(
            f"{shape:15} {one['bytes'] / 1e3:>8.0f}kB {one['seconds']:>8.3f}s {ten['seconds']:>8.3f}s "
            f"{t_ratio:>6.1f}  {one['peak'] / 1e6:>7.1f}MB {ten['peak'] / 1e6:>7.1f}MB {m_ratio:>6.1f}  "
            f"{ten['peak'] / ten['bytes']:>13.1f}x"
        )
    print(f"worst 10x/1x ratio {worst:.1f} (target <= {TARGET:g}): {'ok' if worst <= TARGET else 'OVER'}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    raise SystemExit(main())
