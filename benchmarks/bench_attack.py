"""Benchmark the ATT&CK catalog: load time of the shipped catalog against baselines from the same run.

    python benchmarks/bench_attack.py            # load: in-process and cold (fresh interpreter)
    python benchmarks/bench_attack.py --build    # also build from the v18.1 bundle in the data home (~12 s)

Baselines: ``gzip + json.loads`` of the same file (the floor of any JSON catalog) in process, and
``python -c 'import sklearn'`` for a cold start.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from pathlib import Path

from _timing import cold_ms, median_ms


def main(argv: list[str] | None = None) -> int:
    from ttpmap._datahome import get_data_home
    from ttpmap.attack import build_catalog, load_catalog
    from ttpmap.attack._cli import default_catalog_path

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--catalog", type=Path, default=default_catalog_path())
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--build", action="store_true", help="also time build_catalog on the v18.1 bundle")
    args = parser.parse_args(argv)

    path: Path = args.catalog
    raw = path.read_bytes()
    print(f"catalog {path}: {len(raw):,} bytes gzip, {len(gzip.decompress(raw)):,} bytes JSON")

    floor = median_ms(lambda: json.loads(gzip.decompress(path.read_bytes())), args.repeat)
    load = median_ms(lambda: load_catalog(path), args.repeat)
    full = median_ms(lambda: load_catalog(path).procedures, args.repeat)
    print(f"gzip+json.loads (baseline)        {floor:7.1f} ms")
    print(f"load_catalog                      {load:7.1f} ms  ({load / floor:.2f}x baseline)")
    print(f"load_catalog + all procedures     {full:7.1f} ms  ({full / floor:.2f}x baseline)")

    cold_repeat = max(3, args.repeat // 3)
    sklearn = cold_ms("import sklearn", cold_repeat)
    cold = cold_ms(f"from ttpmap.attack import load_catalog; load_catalog({str(path)!r})", cold_repeat)
    print(f"cold: python -c 'import sklearn'  {sklearn:7.1f} ms")
    print(f"cold: import + load_catalog       {cold:7.1f} ms  ({cold / sklearn:.2f}x import sklearn)")

    if args.build:
        bundle = get_data_home() / "attack" / "enterprise-attack-18.1.json.gz"
        start = time.perf_counter()
        catalog = build_catalog(bundle)
        build = time.perf_counter() - start
        print(f"build_catalog({bundle.name})  {build:7.1f} s   ({build * 1000 / load:.0f}x load_catalog)")
        print(f"  {len(catalog.active_techniques())} active techniques, {len(catalog.procedures)} procedures")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
