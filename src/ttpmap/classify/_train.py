"""Training data assembly and `train_model`, the code behind ``ttpmap train``."""

from __future__ import annotations

import os
import re
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
    "evidence_only",
    "fit_inputs",
    "label_spaces",
    "read_user_records",
    "rejected_spans",
    "save_model",
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


def rejected_spans(records: Sequence[LabeledArticle]) -> list[list[tuple[int, int, str]] | None]:
    """What an analyst rejected in each record (`LabeledArticle.rejected`), for `TechniqueClassifier.fit`."""
    return [list(r.rejected) or None for r in records]


def evidence_only(records: Sequence[LabeledArticle]) -> list[bool]:
    """Which records are reviewed briefs (``techniques``: `Brief.to_label`), whose spans are a brief's
    evidence: a few sentences per technique, not every sentence that shows it."""
    return ["techniques" in r.extra for r in records]


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
    """``[pattern, technique, matches, hits, precision, used, curated]`` of each lexicon pattern, as fitted."""
    table = clf.phrases_
    return [
        [pat, str(clf.classes_[j]), int(n), int(k), round(float(p), 3), bool(a), bool(v)]
        for pat, j, n, k, p, a, v in zip(
            table.patterns,
            table.classes,
            table.matches,
            table.hits,
            table.precision,
            table.active,
            table.vouched,
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
    name: str | None = None,
    base: str | os.PathLike[str] | None = None,
) -> tuple[Path, dict[str, Any]]:
    """Train on every available source and write a model directory (manifest, catalog, classifier, predictor).

    `name` names the model in its manifest, its card and every brief it writes (default: the name of
    `out_dir`). `base` is the model directory whose ATT&CK catalog and estimator parameters training
    starts from (default: the shipped model); `catalog_path` overrides its catalog. Records of `data`
    with reviewed techniques (``ttpmap analyze --format label``) teach what was confirmed, added and
    rejected. Returns the directory and the metadata written into the manifest.
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
    model_name = check_model_name(name if name is not None else Path(out_dir).resolve().name)
    base_dir = Path(base) if base is not None else default_model_dir()
    base_info, base_params = describe_base(base_dir)
    cat_path = Path(catalog_path) if catalog_path is not None else base_dir / CATALOG_FILE
    catalog = catalog_at(cat_path)
    t0 = time.perf_counter()
    sentences, reports = default_corpus(data_home, catalog=catalog, sources=sources)
    user = read_user_records(data)
    records = [*sentences, *reports, *user]
    X, y, spans, groups = fit_inputs(records)
    clf = (
        estimator
        if estimator is not None
        else TechniqueClassifier(**{**base_params, "catalog": str(cat_path)})
    )
    clf.fit(
        X,
        y,
        spans=spans,
        groups=groups,
        label_spaces=label_spaces(records),
        rejected=rejected_spans(records),
        evidence_only=evidence_only(records),
    )
    seconds = time.perf_counter() - t0
    meta = {
        "name": model_name,
        "base_model": base_info,
        "sources": list(sources),
        "data_files": [_data_file(path) for path in data],
        "rejected_phrases": [list(r) for r in clf.rejected_phrases_],
        "rejected_mentions": [list(r) for r in clf.rejected_mentions_],
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


_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def check_model_name(name: str) -> str:
    """`name` if it can name a model (letters, digits, ``.``, ``_``, ``-``; at most 64), else `InputError`."""
    from ttpmap._exceptions import InputError

    if not _NAME.fullmatch(name):
        raise InputError(
            f"model name {name!r}: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or "
            "digit (e.g. --name acme-2026-12)"
        )
    return name


def describe_base(base_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(name, path and manifest SHA-256 of the base model, its estimator parameters)``."""
    import json

    from ttpmap._model import MANIFEST_FILE, sha256_file

    manifest_path = base_dir / MANIFEST_FILE
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(
            f"{base_dir}: not a model directory ({exc}); pass a folder written by 'ttpmap train'"
        ) from None
    info = {
        "name": str(manifest.get("name") or base_dir.name),
        "path": str(base_dir),
        "manifest_sha256": sha256_file(manifest_path),
        "trained": manifest.get("trained"),
    }
    from ttpmap.classify._estimator import TechniqueClassifier

    known = TechniqueClassifier().get_params()
    return info, {k: v for k, v in (manifest.get("estimator") or {}).items() if k in known and k != "catalog"}


def _data_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Records, labels and rejected techniques of one ``--data`` file, for the manifest."""
    records = [r for r in read_articles(path) if r.extra.get("split") != "holdout"]
    return {
        "path": str(path),
        "records": len(records),
        "labels": sum(len(r.labels) for r in records),
        "rejected": sum(len({t for _, _, t in r.rejected}) for r in records),
    }


def save_model(
    classifier: TechniqueClassifier,
    out_dir: str | os.PathLike[str],
    *,
    name: str,
    catalog_path: str | os.PathLike[str] | None = None,
    metadata: dict[str, Any] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write a fitted `TechniqueClassifier` as a model directory that `Analyzer(model=...)` and
    `load_model` read: its ATT&CK catalog, ``classifier.joblib``, ``predictor.npz`` and a manifest
    with the SHA-256 of each, `name` and `metadata`.

    `catalog_path` is the catalog file it was fitted with (default: its ``catalog`` parameter).
    Nothing is overwritten unless `overwrite`.
    """
    from ttpmap._exceptions import InputError
    from ttpmap._model import CATALOG_FILE, CLASSIFIER_FILE, PREDICTOR_FILE, write_model_dir

    predictor = classifier._check_fitted()
    path = catalog_path if catalog_path is not None else classifier.catalog
    if not isinstance(path, str | os.PathLike):
        raise InputError("pass catalog_path=, the ATT&CK catalog file the classifier was fitted with")
    meta = {
        **(metadata or {}),
        "name": check_model_name(name),
        "attack_version": predictor.attack_version_,
        "trained": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "n_labels": len(classifier.classes_),
        "estimator": {k: v for k, v in classifier.get_params().items() if k != "catalog"},
    }
    files = {CLASSIFIER_FILE: classifier, PREDICTOR_FILE: predictor, CATALOG_FILE: Path(path)}
    return write_model_dir(out_dir, files, meta, overwrite=overwrite)
