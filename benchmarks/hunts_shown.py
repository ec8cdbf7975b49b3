"""How many hunts a brief carries and its Markdown shows, over real reports (issue 20).

    PYTHONPATH=src python benchmarks/hunts_shown.py --out before.json   # any version of ttpmap
    PYTHONPATH=src python benchmarks/hunts_shown.py --out after.json

Reads the 151 TRAM2 reports (``datasets/tram2/reports.jsonl``) and the 70 AnnoCTR train reports
(``datasets/annoctr/train.jsonl``) from the data home, analyzes each with the default `Analyzer`
and counts, per report, the hunts in the brief (JSON) and the hunts in its Markdown (``###``
headings under "Recommended hunts"). Prints the median and maximum of each per corpus; ``--out``
keeps the per-report counts. Works on versions before ``max_hunts`` existed (issue 20), so the same
script measures before and after.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

CORPORA = {"tram2": "datasets/tram2/reports.jsonl", "annoctr-train": "datasets/annoctr/train.jsonl"}


def _shown(markdown: str) -> int:
    section = markdown.split("## Recommended hunts", 1)[-1].split("\n## ", 1)[0]
    return sum(1 for line in section.splitlines() if line.startswith("### "))


def main(argv: list[str] | None = None) -> int:
    from ttpmap import Analyzer
    from ttpmap._datahome import require_data_file

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-home", type=Path)
    parser.add_argument("--out", type=Path, help="write the per-report counts here (JSON)")
    args = parser.parse_args(argv)
    analyzer = Analyzer()
    result: dict[str, dict[str, object]] = {}
    for name, rel in CORPORA.items():
        path = require_data_file(rel, args.data_home)
        texts = [json.loads(line)["text"] for line in path.read_text("utf-8").split("\n") if line.strip()]
        in_brief, shown, left_out = [], [], []
        for text in texts:
            brief = analyzer.analyze(text)
            in_brief.append(len(brief.hunts))
            shown.append(_shown(brief.to_markdown()))
            left_out.append(getattr(brief, "hunts_left_out", 0))  # absent before issue 20
        result[name] = {"reports": len(texts), "in_brief": in_brief, "shown": shown, "left_out": left_out}
        print(
            f"{name}: {len(texts)} reports; hunts in the brief: median {statistics.median(in_brief):g}, "
            f"max {max(in_brief)}; hunts shown in Markdown: median {statistics.median(shown):g}, "
            f"max {max(shown)}; left out: median {statistics.median(left_out):g}, max {max(left_out)}"
        )
    if args.out is not None:
        args.out.write_text(json.dumps(result) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
