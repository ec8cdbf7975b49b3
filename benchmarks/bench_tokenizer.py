"""Tokens per second of ttpmap's pure-Python English tokenizer over the TRAM2 reports, next to spaCy's.

    python benchmarks/bench_tokenizer.py [--data-home DIR] [--repeat 5]

Baseline, measured in the same run over the same texts: ``spacy.blank("en").tokenizer`` (Cython), which
ttpmap's tokenizer reproduces token for token. First pass: a fresh spaCy tokenizer, and ttpmap's with
its rules loaded but its chunk cache empty. Steady state: best of ``--repeat`` further passes each, in
turns, each after a garbage collection. Cold start: a fresh process that imports the tokenizer, makes
one and tokenizes a sentence (median of ``--repeat``), next to one that does the same with spaCy.
The import of ttpmap.severity._tokenizer includes the ttpmap and ttpmap.severity packages.
Targets: steady state within 3x of spaCy's time; construct + first call under 80 ms.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _timing import best_s
from bench_startup import compile_bytecode

SENTENCE = "The flaw isn't exploited in the wild yet, CISA said on Feb. 3 :)"
COLD = {
    "ttpmap": (
        "import time\nt0 = time.perf_counter()\nfrom ttpmap.severity._tokenizer import Tokenizer\n"
        f"t1 = time.perf_counter()\nTokenizer()({SENTENCE!r})\n"
        "print(t1 - t0, time.perf_counter() - t1)"
    ),
    "spacy": (
        "import time\nt0 = time.perf_counter()\nimport spacy\nt1 = time.perf_counter()\n"
        f"spacy.blank('en').tokenizer({SENTENCE!r})\nprint(t1 - t0, time.perf_counter() - t1)"
    ),
}
COLD_TARGET_S = 0.080
STEADY_TARGET = 3.0


def _cold_s(code: str, repeat: int) -> tuple[float, float]:
    """Median seconds of a fresh process's import, and of its construct + first call."""
    runs = [
        [
            float(x)
            for x in subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout.split()
        ]
        for _ in range(repeat)
    ]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-home", type=Path, help="data folder (default: $TTPMAP_DATA_HOME or ../shared)"
    )
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    import spacy

    from ttpmap.datasets import load_tram2
    from ttpmap.severity import _tokenizer

    texts = [r.text for r in load_tram2(args.data_home)]
    chars = sum(len(t) for t in texts)
    ours = _tokenizer.Tokenizer()
    ours("warm up: load and compile the rules")
    rules = _tokenizer._load_rules()
    rules.cache.clear()
    rules.old_cache.clear()
    theirs = spacy.blank("en").tokenizer

    def run_ours() -> int:
        return sum(len(ours(text)) for text in texts)

    def run_theirs() -> int:
        return sum(len(theirs(text)) for text in texts)

    start = time.perf_counter()
    tokens = run_ours()
    first_ours = time.perf_counter() - start
    start = time.perf_counter()
    assert run_theirs() == tokens, "the tokenizers disagree: run tests/severity/test_tokenizer.py"
    first_theirs = time.perf_counter() - start
    t_ours = t_theirs = float("inf")
    for _ in range(args.repeat):
        t_theirs = min(t_theirs, best_s(run_theirs, 1, collect_first=True))
        t_ours = min(t_ours, best_s(run_ours, 1, collect_first=True))

    compile_bytecode()
    cold = {name: _cold_s(code, args.repeat) for name, code in COLD.items()}

    n = len(texts)
    print(f"TRAM2: {n} reports, {chars / n / 1000:.1f} k characters and {tokens / n:,.0f} tokens on average")
    print(f"python {platform.python_version()}, {platform.machine()}, spaCy {spacy.__version__}")
    baseline = 'baseline spacy.blank("en").tokenizer'
    print(f"{'tokenizer':40} {'first pass':>11} {'steady':>8} {'k tokens/s':>11} {'time ratio':>10}")
    print(
        f"{baseline:40} {first_theirs:10.2f}s {t_theirs:7.2f}s {tokens / t_theirs / 1000:11.0f} {1.0:10.2f}"
    )
    print(
        f"{'ttpmap severity._tokenizer.Tokenizer':40} {first_ours:10.2f}s {t_ours:7.2f}s "
        f"{tokens / t_ours / 1000:11.0f} {t_ours / t_theirs:10.2f}"
    )
    print(
        f"cold, median of {args.repeat} fresh processes            {'import':>8} {'construct + 1st call':>20}"
    )
    print(
        f"  spacy: import spacy; blank('en').tokenizer(s)  {cold['spacy'][0] * 1000:6.0f} ms {cold['spacy'][1] * 1000:17.1f} ms"
    )
    print(
        f"  ttpmap: import _tokenizer; Tokenizer()(s)      {cold['ttpmap'][0] * 1000:6.0f} ms {cold['ttpmap'][1] * 1000:17.1f} ms"
    )
    ratio = t_ours / t_theirs
    first_call = cold["ttpmap"][1]
    print(
        f"target: steady state within {STEADY_TARGET:.0f}x spaCy's time -> {ratio:.2f}x "
        f"({'met' if ratio <= STEADY_TARGET else 'NOT met'}); construct + first call under "
        f"{COLD_TARGET_S * 1000:.0f} ms -> {first_call * 1000:.0f} ms "
        f"({'met' if first_call < COLD_TARGET_S else 'NOT met'})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
