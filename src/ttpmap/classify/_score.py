"""Saved models scored on your own labeled articles, side by side: ``ttpmap evaluate --data F --model DIR``.

Each model analyzes every record's text the way a brief does (`Analyzer`), and its techniques are
compared with the record's labels (reviewed ones included: confirmed and added count, rejected do
not). Scores are micro and macro precision, recall and F1 (`_metrics.set_scores`), per technique and
per tactic; `compare` lists what changed between two models, article by article.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ttpmap.classify._metrics import set_scores

__all__ = ["compare_models", "format_comparison", "format_scores", "save_scores", "score_models"]

Progress = Callable[[str, int, int], None]


def score_models(
    data: Sequence[str | os.PathLike[str]],
    models: Sequence[str | os.PathLike[str] | None],
    *,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Score each model directory (None: the shipped model) on the labeled records of `data`.

    Records marked ``"split": "holdout"`` are scored too: scoring never trains. Returns
    ``{"records": [ids], "gold": [[ids]], "models": [{"name", "path", "predictions", "techniques",
    "tactics"}]}``; ``techniques`` and ``tactics`` are `set_scores` results (micro, macro, per label).
    """
    from ttpmap._analyzer import Analyzer
    from ttpmap._exceptions import InputError
    from ttpmap.datasets import read_articles

    records = [r for path in data for r in read_articles(path)]
    if not records:
        raise InputError(f"no labeled records in {', '.join(map(str, data))}")
    gold = [sorted(r.labels) for r in records]
    out: dict[str, Any] = {"records": [r.id for r in records], "gold": gold, "models": []}
    total = len(records) * len(models)
    for m, model_dir in enumerate(models):
        t0 = time.perf_counter()
        analyzer = Analyzer(model_dir)
        catalog = analyzer.catalog
        pred: list[list[str]] = []
        name = ""
        for k, r in enumerate(records):
            if progress is not None:
                progress(f"model {m + 1}/{len(models)}", m * len(records) + k, total)
            brief = analyzer.analyze(r.text)
            name = str(brief.model.get("name", ""))
            pred.append(sorted(t.id for t in brief.techniques))
        resolved = [sorted(_resolve(g, catalog)) for g in gold]
        out["gold"] = resolved
        out["models"].append(
            {
                "name": name,
                "path": str(model_dir) if model_dir is not None else "(shipped model)",
                "seconds": round(time.perf_counter() - t0, 1),
                "predictions": pred,
                "techniques": set_scores(resolved, pred),
                "tactics": set_scores(
                    [_tactics(g, catalog) for g in resolved], [_tactics(p, catalog) for p in pred]
                ),
            }
        )
    if progress is not None:
        progress("done", total, total)
    return out


def _resolve(ids: Sequence[str], catalog: Any) -> set[str]:
    """Labels as a brief reports them: revoked IDs as their replacements."""
    from ttpmap._exceptions import UnknownTechniqueError

    out = set()
    for tid in ids:
        try:
            info = catalog.resolve(tid)
        except UnknownTechniqueError:
            out.add(tid)
            continue
        out.add(info.id)
    return out


def _tactics(ids: Sequence[str], catalog: Any) -> set[str]:
    out: set[str] = set()
    for tid in ids:
        if tid in catalog.techniques:
            out.update(t.shortname for t in catalog.tactics_of(tid))
    return out


def compare_models(result: dict[str, Any], first: int = 0, second: int = 1) -> dict[str, Any]:
    """What changed from model `first` to model `second`: per technique, F1 and counts of articles
    where it was gained or lost (right or wrong, against the labels); per article, the techniques."""
    a, b = result["models"][first], result["models"][second]
    per_a, per_b = a["techniques"]["per_label"], b["techniques"]["per_label"]
    techniques = []
    for tid in sorted(set(per_a) | set(per_b)):
        gained_right = gained_wrong = lost_right = lost_wrong = 0
        for gold, pa, pb in zip(result["gold"], a["predictions"], b["predictions"], strict=True):
            if tid in pb and tid not in pa:
                gained_right += tid in gold
                gained_wrong += tid not in gold
            elif tid in pa and tid not in pb:
                lost_right += tid not in gold
                lost_wrong += tid in gold
        f1_a, f1_b = per_a.get(tid, {}).get("f1", 0.0), per_b.get(tid, {}).get("f1", 0.0)
        if gained_right or gained_wrong or lost_right or lost_wrong:
            techniques.append(
                {
                    "id": tid,
                    "f1": [f1_a, f1_b],
                    "fixed": gained_right + lost_right,
                    "broken": gained_wrong + lost_wrong,
                    "gained": gained_right + gained_wrong,
                    "lost": lost_right + lost_wrong,
                }
            )
    articles = []
    for rid, gold, pa, pb in zip(
        result["records"], result["gold"], a["predictions"], b["predictions"], strict=True
    ):
        added, removed = sorted(set(pb) - set(pa)), sorted(set(pa) - set(pb))
        if added or removed:
            articles.append({"id": rid, "added": added, "removed": removed, "gold": gold})
    return {"from": a["name"], "to": b["name"], "techniques": techniques, "articles": articles}


def format_scores(result: dict[str, Any]) -> str:
    """Micro and macro P/R/F1 of each model side by side, then F1 per technique and per tactic."""
    models = result["models"]
    names = [m["name"] for m in models]
    if len(set(names)) < len(names):
        names = [f"{m['name']} ({m['path']})" for m in models]
    width = max(20, *(len(n) for n in names))
    lines = [
        f"{len(result['records'])} labeled records",
        f"{'':24} {'avg':5} | " + " | ".join(f"{n:>{width}}" for n in names),
        f"{'':24} {'':5} | " + " | ".join(f"{'    P      R     F1':>{width}}" for _ in names),
    ]
    for key, title in (("techniques", "techniques, exact ID"), ("tactics", "tactics")):
        for avg in ("micro", "macro"):
            cells = " | ".join(_prf(m[key][avg], width) for m in models)
            lines.append(f"{title if avg == 'micro' else '':24} {avg:5} | {cells}")
    for key, title in (("techniques", "F1 per technique"), ("tactics", "F1 per tactic")):
        lines += ["", f"{title + ' (support)':30} | " + " | ".join(f"{n:>{width}}" for n in names)]
        for lab in sorted(set().union(*(m[key]["per_label"] for m in models))):
            support = int(max(m[key]["per_label"].get(lab, {}).get("support", 0) for m in models))
            f1s = " | ".join(f"{m[key]['per_label'].get(lab, {}).get('f1', 0.0):>{width}.3f}" for m in models)
            lines.append(f"{f'{lab} ({support})':30} | {f1s}")
    return "\n".join(lines)


def _prf(m: dict[str, float], width: int) -> str:
    return f"{m['precision']:.3f}  {m['recall']:.3f}  {m['f1']:.3f}".rjust(width)


def format_comparison(diff: dict[str, Any]) -> str:
    """The techniques and articles that changed from one model to the other, as plain text."""
    lines = [f"changed from {diff['from']} to {diff['to']}:"]
    if not diff["techniques"]:
        return lines[0] + " nothing"
    lines.append(
        f"  {'technique':12} {'F1 before':>9} {'F1 after':>9} {'gained':>6} {'lost':>5} {'fixed':>5} {'broken':>6}"
    )
    for t in diff["techniques"]:
        lines.append(
            f"  {t['id']:12} {t['f1'][0]:9.3f} {t['f1'][1]:9.3f} {t['gained']:6d} {t['lost']:5d} "
            f"{t['fixed']:5d} {t['broken']:6d}"
        )
    lines.append("  articles:")
    for a in diff["articles"]:
        parts = [f"+{x}" for x in a["added"]] + [f"-{x}" for x in a["removed"]]
        lines.append(f"    {a['id']}: {' '.join(parts)}")
    return "\n".join(lines)


def save_scores(result: dict[str, Any], out_dir: str | os.PathLike[str]) -> Path:
    """Write ``scores.json`` into `out_dir` and return its path."""
    import json

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "scores.json"
    path.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path
