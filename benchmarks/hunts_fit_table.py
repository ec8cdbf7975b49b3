"""The labelled hunt test set as a table: top-3 hit and other-platform hunts in the top 5 (issue 20).

    PYTHONPATH=src python benchmarks/hunts_fit_table.py            # this checkout
    PYTHONPATH=/path/to/other/src python benchmarks/hunts_fit_table.py   # another version, same set
    PYTHONPATH=src python benchmarks/hunts_fit_table.py --model DIR      # another model

For each article of ``datasets/labeled/hunts.jsonl``: whether one of its expected hunts is in the top
3, the top-5 hunts whose rule is for a platform the article does not involve, the number of hunts in
the brief, and the stated techniques the classifier does not find. Rule platforms come from each
rule's Sigma ``logsource`` (this checkout's ``ttpmap.hunts._rank.rule_platform``, so versions without
it can be measured too).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _rule_platform():  # type: ignore[no-untyped-def]
    path = ROOT / "src" / "ttpmap" / "hunts" / "_rank.py"
    spec = importlib.util.spec_from_file_location("_hunts_fit_table_rank", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.rule_platform


def main(argv: list[str] | None = None) -> int:
    import argparse

    from ttpmap import Analyzer
    from ttpmap.hunts._pack import load_pack

    rule_platform = _rule_platform()
    platform_of = {info.label: rule_platform(info.logsource) for info, _ in load_pack()}
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model directory (default: the shipped model)")
    analyzer = Analyzer(model=parser.parse_args(argv).model)
    rows = [
        json.loads(line)
        for line in (ROOT / "datasets/labeled/hunts.jsonl").read_text("utf-8").split("\n")
        if line.strip()
    ]
    print(
        "| article | split | top 3 has an expected hunt | other-platform hunts in top 5 | hunts in brief | stated techniques the model misses |"
    )
    print("|---|---|---|---|---|---|")
    hits = clean = 0
    by_split: dict[str, list[int]] = {}
    for row in rows:
        brief = analyzer.analyze(row["text"])
        ids = [h.id for h in brief.hunts]
        hit = bool(set(ids[:3]) & set(row["expected_hunts"]))
        wrong = [h for h in ids[:5] if platform_of.get(h) not in (None, *row["platforms"])]
        found = {t.id for t in brief.techniques}
        missed = [t for t in row["labels"] if t not in found]
        hits += hit
        clean += not wrong
        tally = by_split.setdefault(row["split"], [0, 0, 0])
        tally[0] += hit
        tally[1] += not wrong
        tally[2] += 1
        print(
            f"| {row['id'].split(':', 1)[1]} | {row['split']} | {'yes' if hit else 'no'} | "
            f"{', '.join(wrong) or '-'} | {len(ids)} | {', '.join(missed) or '-'} |"
        )
    print(
        f"\ntop 3 has an expected hunt: {hits}/{len(rows)}; no other-platform hunt in top 5: {clean}/{len(rows)}"
    )
    for split, (hit_n, clean_n, n) in by_split.items():
        print(
            f"{split}: top 3 has an expected hunt {hit_n}/{n}; no other-platform hunt in top 5 {clean_n}/{n}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
