"""MODEL_CARD.md, written by ``ttpmap train`` from what it measured (nothing typed by hand)."""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

from ttpmap.classify._evaluate import SCORE_METRICS, SCORE_ROWS

__all__ = ["write_model_card"]


def write_model_card(
    model_dir: str | os.PathLike[str],
    meta: dict[str, Any],
    *,
    command: str,
    evaluation: str | os.PathLike[str] | None = None,
) -> Path:
    """Write ``MODEL_CARD.md`` into `model_dir` from training metadata, manifest and an evaluation JSON."""
    root = Path(model_dir)
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    est = meta["estimator"]
    template = resources.files("ttpmap.classify").joinpath("data/model-card.md").read_text(encoding="utf-8")
    text = template.format(
        attack_version=meta["attack_version"],
        n_labels=meta["n_labels"],
        min_examples=est["min_examples"],
        trained=meta["trained"],
        training_seconds=meta["training_seconds"],
        command=command,
        versions=", ".join(f"{k} {v}" for k, v in sorted(manifest["versions"].items())),
        files="\n".join(f"- `{name}`: `{digest}`" for name, digest in sorted(manifest["files"].items())),
        inner_cv=est["inner_cv"],
        mention_floor=f"{meta['mention_floor']:.2f}",
        params=json.dumps(est, sort_keys=True),
        scores=_scores(evaluation) if evaluation is not None else "",
        **meta["training_data"],
    )
    path = root / "MODEL_CARD.md"
    path.write_text(text, encoding="utf-8")
    return path


def _scores(evaluation: str | os.PathLike[str]) -> str:
    result = json.loads(Path(evaluation).read_text(encoding="utf-8"))
    command = result.get("command", "ttpmap evaluate")
    lines = [
        "## Scores",
        "",
        f"Measured by `{command}` in {result['seconds']} s: {result['protocol']}. "
        "Each fold's model is trained like this one, on every source except that fold's reports.",
        f"Baseline: {result['baseline']}.",
        "",
        "| report-level scores | avg | P | R | F1 | F0.5 | baseline P | R | F1 | F0.5 |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, title in SCORE_ROWS:
        for avg in ("micro", "macro"):
            ours = result["scores"]["ttpmap"][key][avg]
            base = result["scores"]["baseline"][key][avg]
            cells = " | ".join(f"{m[k]:.3f}" for m in (ours, base) for k in SCORE_METRICS)
            lines.append(f"| {title if avg == 'micro' else ''} | {avg} | {cells} |")
    return "\n".join(lines) + "\n\n"
