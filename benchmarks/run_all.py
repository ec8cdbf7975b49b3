"""One table: cold start, analyze throughput against two baselines, IOC speed, peak memory, model size.

    python benchmarks/run_all.py [--budget 45] [--data-home DIR]

Baselines are measured in the same run on the same TRAM2 reports: ``iocextract.extract_iocs``
alone (in a child process stopped after the budget: it is super-linear on some reports, so its
rate is over the reports it finished) and rcATT's TF-IDF + LinearSVC (``TfidfSvcBaseline``, the
baseline ``ttpmap evaluate`` scores) fitted on TRAM2 in-run.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_batch import tram2_articles
from bench_iocs import _rate, _rate_in_child
from bench_startup import BASELINE, STEPS, _run, compile_bytecode
from ttpmap import Analyzer
from ttpmap._model import default_model_dir
from ttpmap.iocs import find_iocs


def _articles_per_s(fn: object, texts: list[str], budget: float) -> tuple[float, int]:
    start = time.perf_counter()
    done = 0
    for text in texts:
        fn(text)  # type: ignore[operator]
        done += 1
        if time.perf_counter() - start > budget:
            break
    return done / (time.perf_counter() - start), done


def _tfidf_svc(data_home: str | None, texts: list[str], budget: float) -> tuple[float, int, float]:
    from ttpmap.classify import TfidfSvcBaseline
    from ttpmap.datasets import load_tram2

    train = load_tram2(data_home)
    start = time.perf_counter()
    model = TfidfSvcBaseline().fit([a.text for a in train], [a.labels for a in train])
    fit_s = time.perf_counter() - start
    rate, done = _articles_per_s(lambda t: model.predict([t]), texts, budget)
    return rate, done, fit_s


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=45.0, help="seconds per throughput measurement")
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes per cold-start figure")
    parser.add_argument("--data-home", default=None)
    args = parser.parse_args(argv)

    compile_bytecode()
    _run(STEPS)  # warm the OS file cache once
    base = statistics.median(_run(BASELINE)[0] for _ in range(args.repeat))
    cold = statistics.median(_run(STEPS)[0] for _ in range(args.repeat))

    texts = [a.text for a in tram2_articles(151, args.data_home)]
    n_chars = sum(map(len, texts))
    analyzer = Analyzer()
    analyzer.analyze(texts[0])
    ours, ours_n = _articles_per_s(analyzer.analyze, texts, args.budget)

    import iocextract

    ioc_rate, ioc_n, ioc_s, _ = _rate_in_child(
        lambda t: list(iocextract.extract_iocs(t, refang=True)), texts, args.budget
    )
    ioc_aps = ioc_n / ioc_s if ioc_s else 0.0
    svc, svc_n, svc_fit = _tfidf_svc(args.data_home, texts, args.budget)
    find_rate, _, _ = _rate(find_iocs, texts, repeat=2, budget=args.budget / 2)

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    model_dir = default_model_dir()
    files = sorted(p for p in model_dir.iterdir() if p.is_file())
    size_mb = sum(p.stat().st_size for p in files) / 1e6
    has_clf = (model_dir / "classifier.joblib").is_file()

    rows = [
        ("cold start: import + Analyzer() + analyze 1 sample (until the brief is ready)", f"{cold:.2f} s",
         f"import sklearn {base:.2f} s", f"{cold / base:.2f}x"),
        (f"analyze, TRAM2 reports ({'classifier' if has_clf else 'ID mentions only'})",
         f"{ours:.2f} art/s ({ours_n})", "", ""),
        ("  vs iocextract.extract_iocs alone", "", f"{ioc_aps:.2f} art/s ({ioc_n})", f"{ours / ioc_aps:.2f}x"
         if ioc_aps else "n/a"),
        (f"  vs TF-IDF + LinearSVC (fit {svc_fit:.1f} s)", "", f"{svc:.2f} art/s ({svc_n})",
         f"{ours / svc:.3f}x"),
        ("IOC extraction: find_iocs", f"{find_rate / 1e6:.2f} MB/s",
         f"iocextract {ioc_rate / 1e6:.3f} MB/s", f"{find_rate / ioc_rate:.1f}x" if ioc_rate else "n/a"),
        ("peak memory (maxrss, this process)", f"{peak_mb:.0f} MB", "", ""),
        (f"model size on disk ({len(files)} files)", f"{size_mb:.1f} MB", "", ""),
    ]  # fmt: skip
    when = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"ttpmap benchmarks, {when}, Python {platform.python_version()}, {len(texts)} TRAM2 reports "
          f"({n_chars / 1e6:.2f} MB), budget {args.budget:.0f} s per rate")  # fmt: skip
    header = ("measure", "ttpmap", "baseline", "ttpmap/baseline")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    line = "  ".join("-" * w for w in widths)
    print(line)
    for row in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if row is header:
            print(line)
    print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
