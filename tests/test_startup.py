"""Start-up: analyzing an article loads only what the brief needs (budget: `benchmarks/bench_startup.py`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1] / "datasets" / "samples" / "vulnerability-advisory-exploited.md"
HEAVY = ("spacy", "sklearn", "mitreattack", "stix2", "pandas", "sigma")


def test_import_analyzer_and_analyze_load_no_heavy_package():
    code = (
        "import sys, ttpmap\n"
        f"brief = ttpmap.Analyzer().analyze(ttpmap.Article.from_file({str(SAMPLE)!r}))\n"
        f"print(brief.severity.level, [m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    level, heavy = out.stdout.strip().split(" ", 1)
    assert heavy == "[]", f"the analyze path imported {heavy}"
    assert level in {"HIGH", "CRITICAL"}
