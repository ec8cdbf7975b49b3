"""Cold start: `import ttpmap`, create an `Analyzer`, analyze one sample, in a fresh process.

Baseline, measured in the same run: a fresh process that runs `import sklearn`. Budget: 1.5 s wall.

    python benchmarks/bench_startup.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1] / "datasets" / "samples" / "phishing-to-ransomware.md"
BUDGET_S = 1.5

STEPS = f"""
import time
t0 = time.perf_counter()
import ttpmap
t1 = time.perf_counter()
analyzer = ttpmap.Analyzer()
t2 = time.perf_counter()
analyzer.analyze(ttpmap.Article.from_file({str(SAMPLE)!r}))
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2)
"""


def _wall(code: str) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return time.perf_counter() - start, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    _wall(STEPS)  # warm the OS file cache once, as a user's second run would be
    base, ours, parts = [], [], []
    for _ in range(args.repeat):
        base.append(_wall("import sklearn")[0])
        wall, out = _wall(STEPS)
        ours.append(wall)
        parts.append([float(x) for x in out.split()])
    b, o = statistics.median(base), statistics.median(ours)
    imp, load, first = (statistics.median(p[i] for p in parts) for i in range(3))
    print(f"baseline  python -c 'import sklearn'               {b:6.3f} s (median of {args.repeat})")
    print(f"ttpmap    import + Analyzer() + analyze(1 sample)  {o:6.3f} s  = {o / b:.2f}x baseline")
    print(f"          in-process: import {imp:.3f} s, Analyzer() {load:.3f} s, first analyze {first:.3f} s")
    print(f"budget    {BUDGET_S:.1f} s wall: {'PASS' if o <= BUDGET_S else 'OVER'}")


if __name__ == "__main__":
    main()
