"""Token-pattern matching over the TRAM2 reports: ttpmap's TokenMatcher next to spaCy's Matcher.

    python benchmarks/bench_patterns.py [--data-home DIR] [--repeat 5]

Both match the token patterns of the shipped severity rules (`phrases.patterns`) over the same
151 reports, tokenized once by ``spacy.blank("en")``: spaCy's Matcher reads the Docs, TokenMatcher
the Docs' ORTH and NORM tuples (building them is timed apart). Both are timed in the same process,
in turns, best of ``--repeat`` runs each, after a garbage collection. The two must find the same
matches. Targets: TokenMatcher at least 0.5x spaCy's speed, built in under 10 ms.
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from _timing import best_s


def shipped_patterns() -> dict[str, list[Any]]:
    """Rule id -> the token patterns of the shipped rules' `phrases` conditions."""
    from ttpmap.severity import SeverityRules

    return {
        rule["id"]: rule["when"]["phrases"]["patterns"]
        for rule in SeverityRules.default().rules
        if isinstance(rule["when"].get("phrases"), dict) and rule["when"]["phrases"].get("patterns")
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-home", type=Path, help="data folder (default: $TTPMAP_DATA_HOME or ../shared)"
    )
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    from ttpmap.severity._patterns import TokenMatcher

    keys = shipped_patterns()
    t1 = time.perf_counter()
    ours = TokenMatcher()
    for key, patterns in keys.items():
        ours.add(key, patterns)
    first_build = time.perf_counter() - t1

    import spacy
    from spacy.matcher import Matcher

    from ttpmap.datasets import load_tram2

    texts = [r.text for r in load_tram2(args.data_home)]
    nlp = spacy.blank("en")
    docs = list(nlp.pipe(texts))
    start = time.perf_counter()
    seqs = [SimpleNamespace(orth=tuple(t.text for t in d), norm=tuple(t.norm_ for t in d)) for d in docs]
    convert = time.perf_counter() - start
    theirs = Matcher(nlp.vocab)
    for key, patterns in keys.items():
        theirs.add(key, patterns)

    def build() -> TokenMatcher:
        m = TokenMatcher()
        for key, patterns in keys.items():
            m.add(key, patterns)
        return m

    strings = nlp.vocab.strings
    found_theirs = [{(strings[k], s, e) for k, s, e in theirs(d)} for d in docs]
    found_ours = [set(ours(s)) for s in seqs]
    same = sum(a == b for a, b in zip(found_theirs, found_ours, strict=True))

    t_base = t_ours = float("inf")
    for _ in range(args.repeat):
        t_base = min(t_base, best_s(lambda: [theirs(d) for d in docs], 1, collect_first=True))
        t_ours = min(t_ours, best_s(lambda: [ours(s) for s in seqs], 1, collect_first=True))
    t_build = best_s(build, 20)

    n_tokens = sum(len(d) for d in docs)
    n_patterns = sum(len(p) for p in keys.values())
    print(
        f"TRAM2: {len(docs)} reports, {n_tokens / 1000:.0f} k tokens; {n_patterns} patterns under {len(keys)} keys"
    )
    print(f"python {platform.python_version()}, {platform.machine()}, spaCy {spacy.__version__}")
    print(f"same matches as spaCy in {same}/{len(docs)} reports ({sum(map(len, found_theirs))} matches)")
    print(f"{'system':44} {'total s':>8} {'k tokens/s':>11} {'ratio':>7}")
    print(f"{'baseline spaCy Matcher (Docs)':44} {t_base:8.3f} {n_tokens / t_base / 1000:11.0f} {1.0:7.2f}")
    print(
        f"{'ttpmap TokenMatcher (ORTH/NORM tuples)':44} {t_ours:8.3f} {n_tokens / t_ours / 1000:11.0f} "
        f"{t_base / t_ours:7.2f}"
    )
    print(f"(making the tuples from the Docs, not timed above: {convert:.3f} s)")
    print(
        f"TokenMatcher built in {t_build * 1000:.2f} ms (best of 20; the first time: {first_build * 1000:.2f} ms)"
    )
    ratio = t_base / t_ours
    verdict = "met" if ratio >= 0.5 and t_build < 0.010 and same == len(docs) else "NOT met"
    print(f"target: at least 0.5x spaCy's speed, built in < 10 ms, same matches -> {ratio:.2f}x ({verdict})")
    return 0 if same == len(docs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
