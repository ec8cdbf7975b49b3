"""Strict precision and recall of `find_iocs` on the labeled reports in ``tests/data/iocs/reports``.

Each ``<name>.txt`` has a ``<name>.json`` truth file: ``url`` (the publisher's page), ``iocs`` (every
``[type, value]`` that belongs in a blocklist) and ``traps`` (``[type, value, why]``: observables that
must not be reported as high fidelity). A high-fidelity IOC that is not in ``iocs`` is a false
positive, whether or not it is a listed trap; type and value must both match.

    python tests/iocs/score.py [--verbose] [DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ttpmap.iocs import find_iocs

REPORTS = Path(__file__).resolve().parents[1] / "data" / "iocs" / "reports"


@dataclass
class Score:
    """Counts for one report or a whole corpus."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    false_positives: list[tuple[str, str]] = field(default_factory=list)
    false_negatives: list[tuple[str, str]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def add(self, other: Score) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn
        self.false_positives += other.false_positives
        self.false_negatives += other.false_negatives


def load_truth(path: Path) -> tuple[str, str | None, set[tuple[str, str]], set[tuple[str, str]]]:
    """Text, publisher URL, IOCs and traps of one labeled report."""
    truth = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    iocs = {(t, v) for t, v in truth["iocs"]}
    traps = {(t, v) for t, v, *_ in truth["traps"]}
    return path.read_text(encoding="utf-8"), truth.get("url"), iocs, traps


def score_report(path: Path) -> Score:
    text, url, truth, _ = load_truth(path)
    found = {(i.type, i.value) for i in find_iocs(text, url=url) if i.fidelity == "high"}
    return Score(
        tp=len(found & truth),
        fp=len(found - truth),
        fn=len(truth - found),
        false_positives=sorted(found - truth),
        false_negatives=sorted(truth - found),
    )


def score_corpus(directory: Path = REPORTS) -> dict[str, Score]:
    """Scores by report name, plus ``"total"``."""
    scores: dict[str, Score] = {}
    total = Score()
    for path in sorted(directory.glob("*.txt")):
        s = score_report(path)
        scores[path.stem] = s
        total.add(s)
    scores["total"] = total
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", type=Path, default=REPORTS)
    parser.add_argument("--verbose", action="store_true", help="list false positives and negatives")
    args = parser.parse_args(argv)
    for name, s in score_corpus(args.directory).items():
        print(
            f"{name:32} precision {s.precision:.3f}  recall {s.recall:.3f}  (tp {s.tp}, fp {s.fp}, fn {s.fn})"
        )
        if args.verbose and name != "total":
            for t, v in s.false_positives:
                print(f"    FP {t} {v}")
            for t, v in s.false_negatives:
                print(f"    FN {t} {v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
