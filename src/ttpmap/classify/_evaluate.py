"""``ttpmap evaluate``: grouped 5-fold cross-validation on TRAM2, next to the rcATT baseline."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import clone

from ttpmap.classify._baseline import TfidfSvcBaseline
from ttpmap.classify._estimator import TechniqueClassifier
from ttpmap.classify._metrics import set_scores, to_parent
from ttpmap.classify._train import SOURCES, default_corpus, fit_inputs, label_spaces, read_user_records
from ttpmap.datasets import LabeledArticle, tram50_label

if TYPE_CHECKING:
    from ttpmap.attack import Catalog

__all__ = [
    "CAMPAIGN_TECHNIQUES",
    "SCORE_METRICS",
    "SCORE_ROWS",
    "evaluate_annoctr",
    "evaluate_tram2",
    "format_annoctr_table",
    "format_table",
    "grouped_folds",
    "save_report",
    "score_short_texts",
]

#: Techniques an article states at the level of the campaign, in plain words (issue 17), as parents.
CAMPAIGN_TECHNIQUES = (
    "T1078",
    "T1133",
    "T1189",
    "T1190",
    "T1195",
    "T1199",
    "T1203",
    "T1485",
    "T1486",
    "T1490",
    "T1491",
    "T1498",
    "T1499",
    "T1561",
    "T1566",
    "T1567",
    "T1657",
)

Progress = Callable[[str, int, int], None]


def grouped_folds(
    reports: Sequence[LabeledArticle], n_splits: int = 5
) -> list[tuple[np.ndarray, np.ndarray]]:
    """GroupKFold splits of the reports by `LabeledArticle.group` (near-duplicates share a fold)."""
    from sklearn.model_selection import GroupKFold

    groups = [r.group or r.id for r in reports]
    return [(tr, te) for tr, te in GroupKFold(n_splits=n_splits).split(np.zeros(len(reports)), groups=groups)]


def _tactics_of(ids: Sequence[str], catalog: Catalog) -> set[str]:
    out: set[str] = set()
    for tid in ids:
        out.update(t.id for t in catalog.tactics_of(tid))
    return out


def _setup(
    data_home: str | os.PathLike[str] | None,
    catalog_path: str | os.PathLike[str] | None,
    estimator: TechniqueClassifier | None,
    sources: Sequence[str],
    data: Sequence[str | os.PathLike[str]],
) -> tuple[Catalog, TechniqueClassifier, list[LabeledArticle], list[LabeledArticle]]:
    """The catalog, the estimator to clone per fold, the sentence records and the article records."""
    from ttpmap._model import CATALOG_FILE, default_model_dir
    from ttpmap.datasets._loaders import catalog_at

    cat_path = Path(catalog_path) if catalog_path is not None else default_model_dir() / CATALOG_FILE
    catalog = catalog_at(cat_path)
    base_est = estimator if estimator is not None else TechniqueClassifier(catalog=str(cat_path), n_jobs=2)
    sentences, all_reports = default_corpus(data_home, catalog=catalog, sources=sources)
    return catalog, base_est, [*sentences, *read_user_records(data)], list(all_reports)


def evaluate_tram2(
    data_home: str | os.PathLike[str] | None = None,
    *,
    catalog_path: str | os.PathLike[str] | None = None,
    estimator: TechniqueClassifier | None = None,
    n_splits: int = 5,
    progress: Progress | None = None,
    sources: Sequence[str] = SOURCES,
    data: Sequence[str | os.PathLike[str]] = (),
) -> dict[str, Any]:
    """Score `estimator` and the rcATT baseline on TRAM2 with grouped `n_splits`-fold CV.

    Each fold trains the classifier on all sentence sources (bootstrap sentences that appear in
    TRAM2 already removed) plus the training reports, and the baseline on the training reports.
    Returns every score (TRAM-50 and full label space; exact and parent level; techniques and
    tactics) for both systems, computed on the pooled out-of-fold predictions.
    """
    t0 = time.perf_counter()
    catalog, base_est, sentences, all_reports = _setup(data_home, catalog_path, estimator, sources, data)
    reports = [r for r in all_reports if r.extra.get("source") == "tram2"]
    sentences = [*sentences, *(r for r in all_reports if r.extra.get("source") != "tram2")]
    folds = grouped_folds(reports, n_splits)
    n = len(reports)
    ours: list[list[str]] = [[] for _ in range(n)]
    ours_tac: list[set[str]] = [set() for _ in range(n)]
    base: list[list[str]] = [[] for _ in range(n)]
    fold_of = np.zeros(n, dtype=np.int64)
    fit_seconds: list[float] = []
    for f, (tr, te) in enumerate(folds):
        if progress is not None:
            progress("folds", f, len(folds))
        fold_of[te] = f
        records = [*sentences, *(reports[i] for i in tr)]
        X, y, spans, groups = fit_inputs(records)
        ts = time.perf_counter()
        clf = clone(base_est).fit(X, y, spans=spans, groups=groups, label_spaces=label_spaces(records))
        fit_seconds.append(time.perf_counter() - ts)
        texts = [reports[i].text for i in te]
        P = clf.predict(texts)
        tac_ids, T = clf.predict_tactics(texts)
        bl = TfidfSvcBaseline(n_jobs=base_est.n_jobs).fit(
            [reports[i].text for i in tr], [reports[i].labels for i in tr]
        )
        B = bl.predict_labels(texts)
        for k, i in enumerate(te):
            ours[i] = [str(clf.classes_[j]) for j in np.flatnonzero(P[k])]
            ours_tac[i] = {tac_ids[j] for j in np.flatnonzero(T[k])}
            base[i] = B[k]
    if progress is not None:
        progress("folds", len(folds), len(folds))

    l50 = sorted({lab for r in reports for lab in r.extra.get("labels_tram50", ())})
    s50 = set(l50)

    def in50(tid: str) -> str | None:
        m = tram50_label(tid)
        return m if m in s50 else None

    parents50 = {to_parent(lab) for lab in l50}

    def in50_parent(tid: str) -> str | None:
        m = to_parent(tid)
        return m if m in parents50 else None

    gold50 = [list(r.extra.get("labels_tram50", ())) for r in reports]
    gold = [list(r.labels) for r in reports]
    gold_tac = [_tactics_of(g, catalog) for g in gold]
    systems = {"ttpmap": ours, "baseline": base}
    scores: dict[str, Any] = {}
    for name, pred in systems.items():
        tac_pred = ours_tac if name == "ttpmap" else [_tactics_of(p, catalog) for p in pred]
        scores[name] = {
            "tram50_exact": set_scores(gold50, pred, mapper=in50),
            "tram50_parent": set_scores(gold50, pred, mapper=in50_parent),
            "full_exact": set_scores(gold, pred),
            "full_parent": set_scores(gold, pred, mapper=to_parent),
            "tactics": set_scores([sorted(t) for t in gold_tac], [sorted(t) for t in tac_pred]),
        }
    return {
        "dataset": "TRAM2 (151 reports, MITRE CTID, Apache-2.0)",
        "protocol": (
            f"grouped {n_splits}-fold CV (sklearn GroupKFold over report groups; the two near-duplicate "
            "Iranian reports share a group); bootstrap sentences appearing verbatim in TRAM2 removed; "
            "scores on pooled out-of-fold predictions"
        ),
        "attack_version": catalog.version,
        "tram50_labels": l50,
        "estimator": {k: v for k, v in base_est.get_params().items() if k != "catalog"},
        "baseline": (
            "rcATT: TF-IDF (sublinear, English stop words) + one class-balanced LinearSVC per technique, "
            "trained on the fold's reports"
        ),
        "n_sentence_examples": len(sentences),
        "fit_seconds": [round(s, 1) for s in fit_seconds],
        "seconds": round(time.perf_counter() - t0, 1),
        "scores": scores,
        "predictions": {
            "ids": [r.id for r in reports],
            "fold": fold_of.tolist(),
            "ttpmap": ours,
            "baseline": base,
        },
    }


def evaluate_annoctr(
    data_home: str | os.PathLike[str] | None = None,
    *,
    catalog_path: str | os.PathLike[str] | None = None,
    estimator: TechniqueClassifier | None = None,
    progress: Progress | None = None,
    sources: Sequence[str] = SOURCES,
    data: Sequence[str | os.PathLike[str]] = (),
) -> dict[str, Any]:
    """Score `estimator` and the rcATT baseline on AnnoCTR leave-one-vendor-out.

    Each fold tests on one vendor's reports; the classifier trains on every other source plus the
    other four vendors, the baseline on the same reports (TRAM2's and the other vendors'). Scores are
    parent-level, on the pooled out-of-fold predictions, overall and over `CAMPAIGN_TECHNIQUES`.
    """
    if "annoctr" not in sources:
        raise ValueError("evaluate_annoctr needs 'annoctr' among the sources")
    from ttpmap.datasets import load_annoctr

    t0 = time.perf_counter()
    catalog, base_est, sentences, all_reports = _setup(data_home, catalog_path, estimator, sources, data)
    reports = [r for r in all_reports if r.extra.get("source") == "annoctr"]
    others = [r for r in all_reports if r.extra.get("source") != "annoctr"]
    published = {r.id: r.text for r in load_annoctr(data_home, catalog=catalog)}
    vendors = sorted({str(r.extra["vendor"]) for r in reports})
    ours: list[list[str]] = [[] for _ in reports]
    briefs: list[list[str]] = [[] for _ in reports]
    base: list[list[str]] = [[] for _ in reports]
    for f, vendor in enumerate(vendors):
        if progress is not None:
            progress("vendors", f, len(vendors))
        te = [i for i, r in enumerate(reports) if r.extra["vendor"] == vendor]
        train = [*others, *(r for r in reports if r.extra["vendor"] != vendor)]
        X, y, spans, groups = fit_inputs([*sentences, *train])
        clf = clone(base_est).fit(
            X, y, spans=spans, groups=groups, label_spaces=label_spaces([*sentences, *train])
        )
        texts = [reports[i].text for i in te]
        P = clf.predict(texts)
        bl = TfidfSvcBaseline(n_jobs=base_est.n_jobs).fit([r.text for r in train], [r.labels for r in train])
        analyzer = _fold_analyzer(clf, catalog, vendor)
        for k, (i, b) in enumerate(zip(te, bl.predict_labels(texts), strict=True)):
            ours[i] = [str(clf.classes_[j]) for j in np.flatnonzero(P[k])]
            briefs[i] = [t.id for t in analyzer.analyze(published[reports[i].id]).techniques]
            base[i] = b
    if progress is not None:
        progress("vendors", len(vendors), len(vendors))
    campaign = set(CAMPAIGN_TECHNIQUES)

    def in_campaign(tid: str) -> str | None:
        p = to_parent(tid)
        return p if p in campaign else None

    era = _annotation_era(reports, catalog)

    def in_era(tid: str) -> str | None:
        p = to_parent(tid)
        return p if era is None or p in era else None

    gold = [list(r.labels) for r in reports]
    scores = {
        name: {
            "parent": set_scores(gold, pred, mapper=to_parent),
            "era": set_scores(gold, pred, mapper=in_era),
            "campaign": set_scores(gold, pred, mapper=in_campaign),
        }
        for name, pred in (("ttpmap", briefs), ("classifier", ours), ("baseline", base))
    }
    return {
        "dataset": "AnnoCTR train split (70 reports, 5 vendors, CC BY-SA 4.0)",
        "protocol": (
            "leave-one-vendor-out: each vendor's reports are scored by a model trained on every other "
            "source plus the other four vendors; parent-level scores on pooled out-of-fold predictions. "
            "'ttpmap' scores the techniques of the brief (the report as published, analyzed with the "
            "fold's model: the classifier on the prose plus the IDs and ATT&CK tables the report gives); "
            "'classifier' the fold's classifier alone on the prose view. 'of its time': only the "
            "techniques ATT&CK had when AnnoCTR was annotated (created no later than its newest label), "
            "since a technique created later (Financial Theft, 2023) cannot be among its labels"
        ),
        "campaign_techniques": list(CAMPAIGN_TECHNIQUES),
        "vendors": vendors,
        "seconds": round(time.perf_counter() - t0, 1),
        "scores": scores,
        "predictions": {
            "ids": [r.id for r in reports],
            "ttpmap": briefs,
            "classifier": ours,
            "baseline": base,
        },
    }


def _annotation_era(records: Sequence[LabeledArticle], catalog: Catalog) -> frozenset[str] | None:
    """The parent techniques ATT&CK had when `records` were annotated: those created no later than
    the newest technique among their labels. A corpus cannot label a technique that did not exist
    yet (AnnoCTR's newest is T1620, created 2021-10-05; Financial Theft, T1657, came in 2023). None
    (every technique) without labels or without creation dates in the catalog."""
    known = catalog.techniques
    dates = [known[lab].created for r in records for lab in r.labels if lab in known]
    if not dates or None in dates:
        return None
    era = max(d for d in dates if d is not None)
    return frozenset(
        t.id.partition(".")[0] for t in known.values() if t.created is not None and t.created <= era
    )


def _fold_analyzer(clf: TechniqueClassifier, catalog: Catalog, fold: str) -> Any:
    """An `Analyzer` over a fold's freshly fitted classifier: what a user would get from it."""
    from ttpmap._analyzer import Analyzer
    from ttpmap._model import Model

    manifest = {"name": f"fold-{fold}"}
    return Analyzer(Model(Path(f"<fold {fold}>"), manifest, catalog, predictor=clf.predictor_))


def score_short_texts(predictor: Any, records: Sequence[LabeledArticle], split: str) -> dict[str, Any]:
    """Parent-level micro scores of `predictor` on the records whose ``extra["split"]`` is `split`.

    `predictor` is anything with ``explain`` (a `TechniquePredictor` or `TechniqueClassifier`); the
    techniques go through the final output stage, as in a brief.
    """
    from ttpmap.classify._final import final_techniques
    from ttpmap.datasets import default_catalog

    chosen = [r for r in records if r.extra.get("split") == split]
    explained = predictor.explain([r.text for r in chosen])
    pred = [[t.id for t in final_techniques(ts, default_catalog())] for ts, _ in explained]
    result = set_scores([list(r.labels) for r in chosen], pred, mapper=to_parent)
    result["predictions"] = {r.id: p for r, p in zip(chosen, pred, strict=True)}
    return result


def format_annoctr_table(result: dict[str, Any]) -> str:
    """AnnoCTR leave-one-vendor-out scores of both systems, as plain text."""
    lines = [
        f"AnnoCTR leave-one-vendor-out ({len(result['vendors'])} vendors, {result['seconds']:.0f} s), parent level",
        f"{'':34} {'avg':5} | {'ttpmap':^20} | {'baseline (rcATT)':^20}",
        f"{'':34} {'':5} | {'P':>6} {'R':>6} {'F1':>6} | {'P':>6} {'R':>6} {'F1':>6}",
    ]
    systems = (("ttpmap", "brief"), ("classifier", "classifier alone"))
    rows = (("parent", "all techniques"), ("era", "of its time"), ("campaign", "campaign-level"))
    for key, title in rows:
        if key not in result["scores"]["baseline"]:
            continue
        for system, what in systems:
            if system not in result["scores"]:
                continue
            cells = []
            for name in (system, "baseline"):
                m = result["scores"][name][key]["micro"]
                cells.append(" ".join(f"{m[k]:6.3f}" for k in ("precision", "recall", "f1")))
            lines.append(f"{title + ', ' + what:34} {'micro':5} | {cells[0]} | {cells[1]}")
    return "\n".join(lines)


#: The columns of the score table, for each system.
SCORE_METRICS = ("precision", "recall", "f1", "f0.5")
#: The rows of the score table: (key in the evaluation's scores, title), as printed and in model cards.
SCORE_ROWS = (
    ("tram50_exact", "TRAM-50 techniques, exact ID"),
    ("tram50_parent", "TRAM-50 techniques, parent level"),
    ("full_exact", "all techniques, exact ID"),
    ("full_parent", "all techniques, parent level"),
    ("tactics", "tactics"),
)


def format_table(result: dict[str, Any]) -> str:
    """The scores of both systems side by side, as plain text."""
    n_folds = len(set(result["predictions"]["fold"]))
    lines = [
        f"TRAM2 grouped {n_folds}-fold CV, ATT&CK v{result['attack_version']} ({result['seconds']:.0f} s)",
        f"{'':34} {'avg':5} | {'ttpmap':^27} | {'baseline (rcATT)':^27}",
        f"{'':34} {'':5} | {'P':>6} {'R':>6} {'F1':>6} {'F0.5':>6} | {'P':>6} {'R':>6} {'F1':>6} {'F0.5':>6}",
    ]
    for key, title in SCORE_ROWS:
        for avg in ("micro", "macro"):
            cells = []
            for system in ("ttpmap", "baseline"):
                m = result["scores"][system][key][avg]
                cells.append(" ".join(f"{m[k]:6.3f}" for k in SCORE_METRICS))
            label = title if avg == "micro" else ""
            lines.append(f"{label:34} {avg:5} | {cells[0]} | {cells[1]}")
    return "\n".join(lines)


def save_report(result: dict[str, Any], out_dir: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Write ``evaluation.json`` and ``per-technique-f1.png`` (TRAM-50, both systems) into `out_dir`."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / "evaluation.json"
    json_path.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    png_path = out / "per-technique-f1.png"
    if "scores" in result:
        _plot(result, png_path)
    return json_path, png_path


def _plot(result: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ours = result["scores"]["ttpmap"]["tram50_exact"]["per_label"]
    base = result["scores"]["baseline"]["tram50_exact"]["per_label"]
    labels = [lab for lab in result["tram50_labels"] if ours.get(lab, {}).get("support", 0) > 0]
    labels.sort(key=lambda lab: (-ours[lab]["support"], lab))
    x = np.arange(len(labels))
    fig, ax = plt.subplots(figsize=(max(10, len(labels) * 0.32), 5))
    ax.bar(x - 0.2, [ours[lab]["f1"] for lab in labels], width=0.4, label="ttpmap")
    ax.bar(x + 0.2, [base.get(lab, {}).get("f1", 0.0) for lab in labels], width=0.4, label="baseline (rcATT)")
    ax.set_xticks(x, [f"{lab} ({int(ours[lab]['support'])})" for lab in labels], rotation=90, fontsize=7)
    ax.set_ylabel("F1 (report level)")
    ax.set_ylim(0, 1)
    micro = result["scores"]["ttpmap"]["tram50_exact"]["micro"]["f1"]
    micro_b = result["scores"]["baseline"]["tram50_exact"]["micro"]["f1"]
    ax.set_title(
        f"TRAM2 grouped CV, per-technique F1 (TRAM-50, gold support in brackets); micro F1 ttpmap "
        f"{micro:.3f}, baseline {micro_b:.3f}",
        fontsize=9,
    )
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
