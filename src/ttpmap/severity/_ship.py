"""Fit the severity model on the tune records, compare it with the rules on the held-out ones, ship the winner.

``ttpmap train --severity`` calls `fit_and_compare` with the model directory whose pipeline
(techniques, phases, hunts, IOCs) feeds the features, then `add_severity_model` if the model beat
the rules on the held-out records. The manifest records the comparison and which one decides.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ttpmap._exceptions import InputError, ModelError
from ttpmap._results import SEVERITY_LEVELS
from ttpmap.severity._agreement import Agreement, agreement, split_records

__all__ = ["Comparison", "add_severity_model", "fit_and_compare"]


@dataclass(frozen=True)
class Comparison:
    """The fitted model and how it and the rules agree with analysts on the held-out records."""

    model: Any
    n_tune: int
    rules: Agreement
    learned: Agreement

    @property
    def decided_by(self) -> str:
        """``"model"`` if the learned model beat the rules on the held-out records, else ``"rules"``."""
        return "model" if self.learned.beats(self.rules) else "rules"

    def to_dict(self) -> dict[str, Any]:
        def summary(a: Agreement) -> dict[str, Any]:
            return {
                "exact": round(a.exact, 4),
                "within_one": round(a.within_one, 4),
                "confusion": [list(r) for r in a.confusion],
            }

        return {
            "n_tune": self.n_tune,
            "n_holdout": self.rules.n,
            "rules": summary(self.rules),
            "model": summary(self.learned),
            "decided_by": self.decided_by,
        }


def fit_and_compare(records: Sequence[Mapping[str, Any]], model_dir: str | Path, **params: Any) -> Comparison:
    """Fit a `SeverityClassifier` on the ``tune`` records and score it and the rules on the ``holdout`` ones.

    Every record is run through the pipeline of `model_dir` (all stages before severity), so the
    model sees the evidence it will see when it predicts. `params` go to `SeverityClassifier`.
    """
    from ttpmap._analyzer import Analyzer
    from ttpmap._article import Article
    from ttpmap.severity._learn import train_severity

    tune, holdout = split_records(records)
    if not holdout:
        raise InputError(
            'no record has "split": "holdout"; mark about a third of the labeled records as holdout '
            "so that the severity model can be compared with the rules on text it did not see"
        )
    analyzer = Analyzer(str(model_dir))

    def prepare(record: Mapping[str, Any]) -> Any:
        return analyzer._prepare(Article(text=record["text"], title=record.get("title") or None))

    model = train_severity(tune, prepare=prepare, **params)
    docs = [prepare(r) for r in holdout]
    truth = [str(r["severity"]).strip().upper() for r in holdout]
    by_rules = agreement(truth, [analyzer._severity.assess(d).level for d in docs])
    by_model = agreement(truth, [str(x) for x in model.predict(docs)])
    return Comparison(model, len(tune), by_rules, by_model)


def add_severity_model(model_dir: str | Path, comparison: Comparison, *, overwrite: bool = False) -> Path:
    """Write ``severity.joblib`` into a model directory and list it (SHA-256, comparison) in its manifest."""
    import joblib

    from ttpmap._atomic import atomic_open, atomic_write
    from ttpmap._model import CARD_FILE, MANIFEST_FILE, SEVERITY_FILE, sha256_file

    root = Path(model_dir)
    manifest_path = root / MANIFEST_FILE
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{manifest_path}: cannot read the model's manifest ({exc})") from None
    target = root / SEVERITY_FILE
    if target.exists() and not overwrite:
        raise ModelError(f"{target} exists; pass --force to replace it")
    with atomic_open(target, "wb") as fh:
        joblib.dump(comparison.model, fh, compress=("xz", 3))
    manifest.setdefault("files", {})[SEVERITY_FILE] = sha256_file(target)
    manifest["files"] = dict(sorted(manifest["files"].items()))
    manifest["severity_model"] = comparison.to_dict()
    atomic_write(manifest_path, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8"))
    card = root / CARD_FILE
    if card.exists():
        text = card.read_text(encoding="utf-8").split(_CARD_HEADING, 1)[0].rstrip("\n")
        section = card_section(comparison, manifest["files"][SEVERITY_FILE])
        atomic_write(card, (text + "\n\n" + section).encode("utf-8"))
    return target


_CARD_HEADING = "## Severity model"


def card_section(comparison: Comparison, sha256: str) -> str:
    """The model card's section on the shipped severity model: data, both confusion matrices, SHA-256."""
    c = comparison
    lines = [
        _CARD_HEADING,
        "",
        f"`severity.joblib` (SHA-256 `{sha256}`): a `SeverityClassifier` fitted on the {c.n_tune} tune records "
        "of the --data files with a `severity` (`datasets/labeled/severity.jsonl`), added by `ttpmap train "
        "--severity` because it beat the rules on the held-out records (every third one, never trained on). "
        f"Briefs say `decided_by: {c.decided_by}`.",
        "",
    ]
    for title, a in (("rules", c.rules), ("learned model", c.learned)):
        lines += [
            f"{title}: exact level {a.exact:.1%}, within one level {a.within_one:.1%} (n={a.n})",
            "",
            "| analyst \\ predicted | " + " | ".join(SEVERITY_LEVELS) + " |",
            "|---|" + "---:|" * len(SEVERITY_LEVELS),
            *(
                f"| {lvl} | " + " | ".join(map(str, row)) + " |"
                for lvl, row in zip(SEVERITY_LEVELS, a.confusion, strict=True)
            ),
            "",
        ]
    return "\n".join(lines)
