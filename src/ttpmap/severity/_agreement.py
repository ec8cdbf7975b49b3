"""How often severity agrees with analysts: exact and within-one rates, confusion matrices.

``python -m ttpmap.severity._agreement DATA [--split holdout] [--model DIR] [--severity-model FILE]``
prints the rules' (and a severity model's) agreement with the ``severity`` labels of DATA.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ttpmap._results import SEVERITY_LEVELS

__all__ = ["Agreement", "agreement", "split_records"]

HOLDOUT = "holdout"


@dataclass(frozen=True)
class Agreement:
    """Agreement of predicted levels with analysts' levels."""

    n: int
    exact: float
    within_one: float
    confusion: tuple[tuple[int, ...], ...]

    def beats(self, other: Agreement) -> bool:
        """True if strictly better on exact agreement, or equal there and better within one level."""
        return (self.exact, self.within_one) > (other.exact, other.within_one)

    def to_text(self, name: str) -> str:
        head = f"{name}: exact {self.exact:.1%}, within one level {self.within_one:.1%} (n={self.n})"
        width = max(len(lv) for lv in SEVERITY_LEVELS) + 1
        rows = ["analyst \\ predicted".ljust(20) + "".join(lv[:4].rjust(6) for lv in SEVERITY_LEVELS)]
        for level, row in zip(SEVERITY_LEVELS, self.confusion, strict=True):
            rows.append(level.ljust(min(width, 20)).ljust(20) + "".join(str(c).rjust(6) for c in row))
        return "\n".join([head, *rows])


def agreement(truth: Sequence[str], predicted: Sequence[str]) -> Agreement:
    """Exact and within-one agreement and the confusion matrix (rows: analyst, columns: predicted)."""
    if len(truth) != len(predicted) or not truth:
        raise ValueError("pass one predicted level per analyst level, at least one")
    index: dict[str, int] = {lv: i for i, lv in enumerate(SEVERITY_LEVELS)}
    matrix = [[0] * len(SEVERITY_LEVELS) for _ in SEVERITY_LEVELS]
    exact = near = 0
    for t, p in zip(truth, predicted, strict=True):
        i, j = index[t], index[p]
        matrix[i][j] += 1
        exact += i == j
        near += abs(i - j) <= 1
    n = len(truth)
    return Agreement(n, exact / n, near / n, tuple(tuple(r) for r in matrix))


def split_records(
    records: Sequence[Mapping[str, Any]],
) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """The records with a ``severity``, split into (tune, holdout) by their ``split`` field."""
    labeled = [r for r in records if r.get("severity")]
    tune = [r for r in labeled if r.get("split") != HOLDOUT]
    holdout = [r for r in labeled if r.get("split") == HOLDOUT]
    return tune, holdout


def _main(argv: Sequence[str] | None = None) -> int:
    import joblib

    from ttpmap._analyzer import Analyzer
    from ttpmap._article import Article
    from ttpmap.datasets import read_articles

    parser = argparse.ArgumentParser(prog="python -m ttpmap.severity._agreement")
    parser.add_argument("data", type=Path)
    parser.add_argument("--split", choices=("tune", HOLDOUT, "all"), default=HOLDOUT)
    parser.add_argument("--model", help="model directory (default: the default model)")
    parser.add_argument("--severity-model", type=Path, help="a severity.joblib to compare with the rules")
    parser.add_argument("--show", action="store_true", help="list the records the rules get wrong")
    parser.add_argument("--only", metavar="KEY=VALUE", help="keep the records whose field KEY is VALUE")
    args = parser.parse_args(argv)
    records = [r.to_dict() for r in read_articles(args.data)]
    tune, holdout = split_records(records)
    chosen = {"tune": tune, HOLDOUT: holdout, "all": tune + holdout}[args.split]
    if args.only:
        key, _, value = args.only.partition("=")
        chosen = [r for r in chosen if str(r.get(key)) == value]
    analyzer = Analyzer(args.model) if args.model else Analyzer()
    docs = [analyzer._prepare(Article(text=r["text"], title=r.get("title") or None)) for r in chosen]
    truth = [str(r["severity"]) for r in chosen]
    rules = analyzer._severity
    by_rules = [rules.assess(d).level for d in docs]
    print(agreement(truth, by_rules).to_text(f"rules on {args.split}"))
    if args.show:
        for r, got, d in zip(chosen, by_rules, docs, strict=True):
            if got != r["severity"]:
                fired = ", ".join(x.rule for x in rules.assess(d).reasons)
                print(f"  {r.get('id')}: analyst {r['severity']}, rules {got} [{fired}] {r['text'][:90]!r}")
    if args.severity_model:
        model = joblib.load(args.severity_model)
        print(agreement(truth, [str(x) for x in model.predict(docs)]).to_text(f"model on {args.split}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
