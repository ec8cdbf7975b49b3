"""Benchmark the hunt library against analyze(), measured in the same run.

    python benchmarks/bench_hunts.py                 # built-in pack: share of analyze() time
    python benchmarks/bench_hunts.py --sigmahq       # also SigmaHQ: index, first/warm hunts_for
    python benchmarks/bench_hunts.py --coverage      # also SigmaHQ coverage (converts ~3,300 rules x 3)

Baseline: ``Analyzer.analyze()`` on TRAM2 reports (the whole pipeline, hunts included). Reported:
``hunts_for`` on each brief's techniques, and ``recommend`` (ranking by fit to the article, which
analyze also runs), as a share of that analyze time (the target is at most 10 %), ``HuntLibrary.default()`` against ``Analyzer()`` construction, and the cached pack against
converting the same rules with pySigma at load time (what the cache saves).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from _timing import median_ms


def _reports(data_home: Path | None, n: int) -> list[str]:
    from ttpmap._datahome import require_data_file

    path = require_data_file("datasets/tram2/reports.jsonl", data_home)
    texts = [json.loads(line)["text"] for line in path.read_text("utf-8").split("\n") if line.strip()]
    return [t for t in texts if len(t) > 2000][:n]


def main(argv: list[str] | None = None) -> int:
    from ttpmap import Analyzer
    from ttpmap._datahome import get_data_home
    from ttpmap.hunts import HuntLibrary
    from ttpmap.hunts._convert import convert_rule
    from ttpmap.hunts._pack import read_pack_rule, rules_dir

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=30)
    parser.add_argument("--data-home", type=Path)
    parser.add_argument("--sigmahq", action="store_true", help="also benchmark the SigmaHQ corpus")
    parser.add_argument("--coverage", action="store_true", help="also time SigmaHQ coverage (slow)")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    analyzer = Analyzer()
    analyzer_ms = (time.perf_counter() - start) * 1000
    catalog = analyzer._catalog
    texts = _reports(args.data_home, args.articles)
    analyzer.analyze(texts[0])  # warm-up

    library = HuntLibrary.default(catalog)
    analyze_ms: list[float] = []
    hunts_ms: list[float] = []
    rank_ms: list[float] = []
    n_techniques: list[int] = []
    for text in texts:
        start = time.perf_counter()
        brief = analyzer.analyze(text)
        analyze_ms.append((time.perf_counter() - start) * 1000)
        techniques = list(brief.techniques)
        n_techniques.append(len(techniques))
        hunts_ms.append(median_ms(lambda t=techniques: library.hunts_for(t), 20))  # type: ignore[misc]
        rank_ms.append(
            median_ms(lambda t=techniques, x=text: library.recommend(t, x), 20)  # type: ignore[misc]
        )
    total_analyze, total_hunts = sum(analyze_ms), sum(hunts_ms)
    print(
        f"TRAM2 reports: {len(texts)} (median {statistics.median(len(t) for t in texts):,.0f} chars), "
        f"median {statistics.median(n_techniques):.0f} techniques per brief"
    )
    print(f"analyze() median {statistics.median(analyze_ms):8.2f} ms   (baseline)")
    print(
        f"hunts_for median {statistics.median(hunts_ms):8.3f} ms   share of analyze time: "
        f"{100 * total_hunts / total_analyze:.2f} %  (target <= 10 %)"
    )

    from ttpmap.hunts._pack import load_pack

    load_pack.cache_clear()
    start = time.perf_counter()
    HuntLibrary.default(catalog)
    first_ms = (time.perf_counter() - start) * 1000
    default_ms = median_ms(lambda: HuntLibrary.default(catalog), 20)
    total_rank = sum(rank_ms)
    print(
        f"recommend median {statistics.median(rank_ms):8.3f} ms   share of analyze time: "
        f"{100 * total_rank / total_analyze:.2f} %; with hunts_for (both run in analyze): "
        f"{100 * (total_hunts + total_rank) / total_analyze:.2f} %  (target <= 10 %)"
    )
    print(f"Analyzer()      {analyzer_ms:8.1f} ms   (baseline)")
    print(
        f"HuntLibrary.default() first {first_ms:.2f} ms "
        f"(= {100 * first_ms / analyzer_ms:.2f} % of Analyzer()), then {default_ms:.2f} ms (cached)"
    )

    paths = sorted(rules_dir().glob("*.yml"))
    start = time.perf_counter()
    for p in paths:
        convert_rule(read_pack_rule(p)[1])
    live_ms = (time.perf_counter() - start) * 1000
    print(
        f"pack converted live with pySigma: {live_ms:8.1f} ms for {len(paths)} rules "
        f"= {live_ms / first_ms:.0f}x the first cached load"
    )

    if args.sigmahq or args.coverage:
        _sigmahq(get_data_home(args.data_home), catalog, analyzer, texts, args.coverage)
    return 0


def _sigmahq(home: Path, catalog: Any, analyzer: Any, texts: list[str], coverage: bool) -> None:
    from ttpmap.hunts import HuntLibrary

    corpus = home / "sigma" / "sigmahq-rules-8eaafff.tar.gz"
    if not corpus.is_file():
        print(f"SigmaHQ: {corpus} absent, skipped")
        return
    start = time.perf_counter()
    library = HuntLibrary.from_directory(corpus, catalog)
    index_s = time.perf_counter() - start
    print(f"SigmaHQ from_directory: {index_s:.2f} s for {len(library)} rules")
    briefs = [analyzer.analyze(t) for t in texts[:10]]
    start = time.perf_counter()
    for brief in briefs:
        library.hunts_for(list(brief.techniques))
    cold_ms = (time.perf_counter() - start) * 1000 / len(briefs)
    warm_ms = statistics.median(
        median_ms(lambda b=b: library.hunts_for(list(b.techniques)), 10)
        for b in briefs  # type: ignore[misc]
    )
    print(
        f"SigmaHQ hunts_for: first call {cold_ms:.0f} ms per brief (converts the chosen rules), "
        f"then {warm_ms:.3f} ms"
    )
    if coverage:
        cov = library.coverage()
        print(
            f"SigmaHQ coverage: {cov['seconds']:.1f} s; techniques {cov['techniques']} of "
            f"{cov['techniques_total']}; rules converted {cov['rules_converted']} of "
            f"{cov['rules_with_techniques']}; failures {cov['failures']}"
        )


if __name__ == "__main__":
    sys.exit(main())
