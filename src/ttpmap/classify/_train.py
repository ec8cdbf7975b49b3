"""Training data assembly and `train_model`, the code behind ``ttpmap train``."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ttpmap._exceptions import InvalidParameterError, ModelError
from ttpmap.datasets import (
    LabeledArticle,
    load_annoctr,
    load_attack_descriptions,
    load_attack_procedures,
    load_bootstrap,
    load_tram2,
    load_ttpdrill,
    normalize_sentence,
    read_articles,
)

if TYPE_CHECKING:
    from ttpmap.attack import Catalog
    from ttpmap.classify._estimator import TechniqueClassifier

__all__ = [
    "OPTIONAL_SOURCES",
    "SOURCES",
    "as_analyzed",
    "default_corpus",
    "fit_inputs",
    "label_spaces",
    "read_user_records",
    "train_model",
    "tram2_sentence_texts",
]

DataHome = str | os.PathLike[str] | None


def tram2_sentence_texts(reports: Iterable[LabeledArticle]) -> set[str]:
    """Every sentence of the TRAM2 reports, normalised: what the bootstrap set must not repeat."""
    from ttpmap._sentences import split_sentences

    out = set()
    for r in reports:
        for s, e in split_sentences(r.text):
            out.add(normalize_sentence(r.text[s:e]))
    return out


def as_analyzed(records: Iterable[LabeledArticle]) -> list[LabeledArticle]:
    """`records` as analysis reads them: each one longer than a sentence replaced by its prose view
    (`Structure.prose`: headings, tables, code, images and link targets blanked, same length, so
    its spans keep their offsets); single sentences unchanged."""
    from dataclasses import replace

    from ttpmap._sentences import split_sentences
    from ttpmap._structure import parse_structure

    out = []
    for r in records:
        if len(split_sentences(r.text)) > 1:
            r = replace(r, text=parse_structure(r.text).prose)
        out.append(r)
    return out


#: The training sources `default_corpus` reads by default.
SOURCES = ("attack_procedures", "bootstrap", "ttpdrill", "tram2", "annoctr")
#: Sources that can be asked for (``--sources``) but are not used by default: the sentences of the
#: technique descriptions cost precision on reports from outside TRAM2 (measured in the issue note).
OPTIONAL_SOURCES = ("attack_descriptions",)


def default_corpus(
    data_home: DataHome = None, *, catalog: Catalog, sources: Sequence[str] = SOURCES
) -> tuple[list[LabeledArticle], list[LabeledArticle]]:
    """``(sentences, reports)``: procedure examples, description sentences, bootstrap and TTPDrill sentences; TRAM2's and AnnoCTR's reports.

    Reports come as analysis reads them (`as_analyzed`). Bootstrap sentences that appear verbatim in TRAM2 are always dropped, so the same sentence never
    sits in a training fold and in a test report.
    """
    unknown = sorted(set(sources) - set(SOURCES) - set(OPTIONAL_SOURCES))
    if unknown:
        raise InvalidParameterError(
            f"unknown training sources {unknown}; choose from {[*SOURCES, *OPTIONAL_SOURCES]}"
        )
    tram = load_tram2(data_home, catalog=catalog) if "tram2" in sources or "bootstrap" in sources else []
    sentences: list[LabeledArticle] = []
    if "attack_procedures" in sources:
        sentences.extend(load_attack_procedures(catalog))
    if "attack_descriptions" in sources:
        sentences.extend(load_attack_descriptions(catalog, by_sentence=True))
    if "bootstrap" in sources:
        sentences.extend(load_bootstrap(data_home, catalog=catalog, exclude=tram2_sentence_texts(tram)))
    if "ttpdrill" in sources:
        sentences.extend(load_ttpdrill(data_home, catalog=catalog))
    reports = list(tram) if "tram2" in sources else []
    if "annoctr" in sources:
        reports.extend(load_annoctr(data_home, catalog=catalog))
    return sentences, as_analyzed(reports)


#: Sources of single-label sentences: each names one technique it shows, not every one it shows.
_SINGLE_LABEL = frozenset(
    {"attack_procedures", "attack_descriptions", "bootstrap", "ttpdrill", "tram2_sentences"}
)


def label_spaces(records: Sequence[LabeledArticle]) -> list[frozenset[str] | None]:
    """What each record was annotated for: TRAM2's reports only for the techniques TRAM2 labels
    (its reports' labels, as parents); single-label sentences for nothing (the empty set); AnnoCTR
    and your own records for every technique (None)."""
    tram = frozenset(
        lab.partition(".")[0] for r in records if r.extra.get("source") == "tram2" for lab in r.labels
    )
    spaces: list[frozenset[str] | None] = []
    for r in records:
        source = r.extra.get("source")
        spaces.append(tram if source == "tram2" else frozenset() if source in _SINGLE_LABEL else None)
    return spaces


def read_user_records(paths: Sequence[str | os.PathLike[str]]) -> list[LabeledArticle]:
    """Labeled articles from `paths` as analysis reads them (`as_analyzed`), without those marked
    ``"split": "holdout"`` (never trained on) and without severity-only records (a ``severity`` and
    no technique labels: labeled for severity, not for techniques, so they are no negatives)."""
    out: list[LabeledArticle] = []
    for path in paths:
        out.extend(
            r
            for r in read_articles(path)
            if r.extra.get("split") != "holdout" and (r.labels or r.severity is None)
        )
    return as_analyzed(out)


def fit_inputs(
    records: Sequence[LabeledArticle],
) -> tuple[list[str], list[list[str]], list[list[tuple[int, int, str]] | None], list[str]]:
    """``(X, y, spans, groups)`` for `TechniqueClassifier.fit` from labeled records."""
    X = [r.text for r in records]
    y = [list(r.labels) for r in records]
    spans = [list(r.spans) if r.spans else None for r in records]
    groups = [r.group or r.id or str(n) for n, r in enumerate(records)]
    return X, y, spans, groups


def _phrase_rows(clf: TechniqueClassifier) -> list[list[Any]]:
    """``[pattern, technique, matches, hits, precision, used]`` of each lexicon pattern, as fitted."""
    table = clf.phrases_
    return [
        [pat, str(clf.classes_[j]), int(n), int(k), round(float(p), 3), bool(a)]
        for pat, j, n, k, p, a in zip(
            table.patterns,
            table.classes,
            table.matches,
            table.hits,
            table.precision,
            table.active,
            strict=True,
        )
    ]


def train_model(
    out_dir: str | os.PathLike[str],
    *,
    data_home: DataHome = None,
    data: Sequence[str | os.PathLike[str]] = (),
    catalog_path: str | os.PathLike[str] | None = None,
    estimator: TechniqueClassifier | None = None,
    overwrite: bool = False,
    extra_files: dict[str, object] | None = None,
    sources: Sequence[str] = SOURCES,
) -> tuple[Path, dict[str, Any]]:
    """Train on every available source and write a model directory (manifest, catalog, classifier, predictor).

    Returns the directory and the metadata written into the manifest.
    """
    from ttpmap._model import (
        CATALOG_FILE,
        CLASSIFIER_FILE,
        PREDICTOR_FILE,
        default_model_dir,
        write_model_dir,
    )
    from ttpmap.classify._estimator import TechniqueClassifier
    from ttpmap.datasets._loaders import catalog_at

    if not overwrite:
        names = (CLASSIFIER_FILE, PREDICTOR_FILE, "manifest.json")
        taken = [n for n in names if (Path(out_dir) / n).exists()]
        if taken:
            raise ModelError(
                f"{out_dir} already holds {', '.join(taken)}; choose another --out or pass --force"
            )
    cat_path = Path(catalog_path) if catalog_path is not None else default_model_dir() / CATALOG_FILE
    catalog = catalog_at(cat_path)
    t0 = time.perf_counter()
    sentences, reports = default_corpus(data_home, catalog=catalog, sources=sources)
    user = read_user_records(data)
    records = [*sentences, *reports, *user]
    X, y, spans, groups = fit_inputs(records)
    clf = estimator if estimator is not None else TechniqueClassifier(catalog=str(cat_path), n_jobs=2)
    clf.fit(X, y, spans=spans, groups=groups, label_spaces=label_spaces(records))
    seconds = time.perf_counter() - t0
    meta = {
        "name": "ttpmap-default",
        "attack_version": catalog.version,
        "trained": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "training_seconds": round(seconds, 1),
        "n_labels": len(clf.classes_),
        "mention_floor": round(float(clf.mention_floor_), 4),
        "training_data": {
            "attack_procedures": sum(1 for r in sentences if r.extra.get("source") == "attack_procedures"),
            "attack_descriptions": sum(
                1 for r in sentences if r.extra.get("source") == "attack_descriptions"
            ),
            "bootstrap": sum(1 for r in sentences if r.extra.get("source") == "bootstrap"),
            "ttpdrill": sum(1 for r in sentences if r.extra.get("source") == "ttpdrill"),
            "tram2_reports": sum(1 for r in reports if r.extra.get("source") == "tram2"),
            "annoctr_reports": sum(1 for r in reports if r.extra.get("source") == "annoctr"),
            "user_records": len(user),
        },
        "estimator": {k: v for k, v in clf.get_params().items() if k != "catalog"},
        "phrases": _phrase_rows(clf),
    }
    files: dict[str, object] = {
        CLASSIFIER_FILE: clf,
        PREDICTOR_FILE: clf.predictor_,
        CATALOG_FILE: cat_path,
        **(extra_files or {}),
    }
    root = write_model_dir(out_dir, files, meta, overwrite=overwrite)
    return root, meta
