"""Cold start: `import ttpmap`, create an `Analyzer`, analyze one sample, in a fresh process.

Baseline, measured in the same run: a fresh process that runs `import sklearn`. Budget: 1.5 s wall
from starting Python until the brief is ready.

Each child prints the clock (`time.perf_counter`, one clock for all processes) when its steps are
done, so the time until the brief is ready and the time until the process has exited are both
shown; the interpreter's teardown at exit is not one of the steps (it cost 0.2-0.45 s after
`import sklearn`). ttpmap's bytecode is compiled first, as pip does when it installs a
package: an editable install under PYTHONDONTWRITEBYTECODE would otherwise recompile ttpmap in every
process.

    python benchmarks/bench_startup.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import compileall
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
print(t1 - t0, t2 - t1, t3 - t2, t3)
"""
BASELINE = "import time\nimport sklearn\nprint(time.perf_counter())"


def compile_bytecode() -> None:
    """Compile ttpmap's bytecode, as pip does when it installs a package."""
    import ttpmap

    compileall.compile_dir(Path(ttpmap.__file__).parent, quiet=1)


def _run(code: str) -> tuple[float, float, list[float]]:
    """Seconds until the child's steps were done and until it exited, and what it printed."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    exited = time.perf_counter() - start
    printed = [float(x) for x in proc.stdout.split()]
    return printed[-1] - start, exited, printed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    compile_bytecode()
    _run(STEPS)  # warm the OS file cache once, as a user's second run would be
    runs: dict[str, list[tuple[float, float, list[float]]]] = {"baseline": [], "ttpmap": []}
    for _ in range(args.repeat):
        runs["baseline"].append(_run(BASELINE))
        runs["ttpmap"].append(_run(STEPS))
    ready = {k: statistics.median(r[0] for r in v) for k, v in runs.items()}
    exited = {k: statistics.median(r[1] for r in v) for k, v in runs.items()}
    imp, load, first = (statistics.median(r[2][i] for r in runs["ttpmap"]) for i in range(3))
    print(f"median of {args.repeat} fresh processes each   {'ready':>8} {'exited':>8}")
    print(
        f"baseline  python -c 'import sklearn'          {ready['baseline']:7.3f}s {exited['baseline']:7.3f}s"
    )
    print(f"ttpmap    import + Analyzer() + analyze(1)    {ready['ttpmap']:7.3f}s {exited['ttpmap']:7.3f}s")
    print(
        f"ratio     ttpmap / baseline                   {ready['ttpmap'] / ready['baseline']:7.2f}x "
        f"{exited['ttpmap'] / exited['baseline']:7.2f}x"
    )
    print(f"          in-process: import {imp:.3f} s, Analyzer() {load:.3f} s, first analyze {first:.3f} s")
    verdict = "PASS" if ready["ttpmap"] <= BUDGET_S else "OVER"
    print(f"budget    brief ready within {BUDGET_S:.1f} s: {verdict}")


if __name__ == "__main__":
    main()
