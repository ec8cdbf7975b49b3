"""Report-level multi-label metrics: micro and macro precision, recall, F1 and F0.5."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

__all__ = ["label_scores", "set_scores", "to_parent"]


def to_parent(technique_id: str) -> str:
    """``'T1059.001'`` -> ``'T1059'``."""
    return technique_id.partition(".")[0]


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    f05 = 1.25 * p * r / (0.25 * p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f1, "f0.5": f05}


def set_scores(
    gold: Sequence[Iterable[str]],
    pred: Sequence[Iterable[str]],
    *,
    mapper: Callable[[str], str | None] | None = None,
) -> dict[str, object]:
    """Micro and macro scores of predicted label sets against gold ones, one set per report.

    `mapper` maps every ID first (e.g. into a smaller label space); ``None`` drops the ID. Macro
    averages over the labels that occur in the gold sets.
    """
    g_sets, p_sets = [], []
    for g, p in zip(gold, pred, strict=True):
        g_sets.append(_mapped(g, mapper))
        p_sets.append(_mapped(p, mapper))
    per = label_scores(g_sets, p_sets)
    tp = sum(len(g & p) for g, p in zip(g_sets, p_sets, strict=True))
    fp = sum(len(p - g) for g, p in zip(g_sets, p_sets, strict=True))
    fn = sum(len(g - p) for g, p in zip(g_sets, p_sets, strict=True))
    micro = _prf(tp, fp, fn)
    supported = [v for v in per.values() if v["support"] > 0]
    macro = {k: sum(float(v[k]) for v in supported) / len(supported) if supported else 0.0 for k in micro}
    return {
        "micro": micro,
        "macro": macro,
        "n_reports": len(g_sets),
        "n_gold": tp + fn,
        "n_pred": tp + fp,
        "per_label": per,
    }


def label_scores(gold: Sequence[set[str]], pred: Sequence[set[str]]) -> dict[str, dict[str, float]]:
    """Precision, recall, F1, F0.5 and support of every label in `gold` or `pred`."""
    labels = sorted(set().union(*gold, *pred)) if gold else []
    out = {}
    for lab in labels:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if lab in g and lab in p)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if lab not in g and lab in p)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if lab in g and lab not in p)
        out[lab] = {**_prf(tp, fp, fn), "support": float(tp + fn)}
    return out


def _mapped(ids: Iterable[str], mapper: Callable[[str], str | None] | None) -> set[str]:
    if mapper is None:
        return set(ids)
    return {m for m in (mapper(i) for i in ids) if m is not None}
