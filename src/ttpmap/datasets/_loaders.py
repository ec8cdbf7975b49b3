"""Loaders of the labeled data ttpmap trains and evaluates on, read from the data home.

Every loader returns `LabeledArticle` records with technique IDs resolved through an ATT&CK catalog
(revoked IDs become their replacements; IDs the catalog cannot place are dropped and counted).
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ttpmap._datahome import require_data_file
from ttpmap._exceptions import InputError, UnknownTechniqueError
from ttpmap.datasets._records import LabeledArticle

if TYPE_CHECKING:
    from ttpmap.attack import Catalog

__all__ = [
    "ANNOCTR_FILE",
    "TRAM2_FILE",
    "TRAM50_FOLDED",
    "default_catalog",
    "load_annoctr",
    "load_attack_descriptions",
    "load_attack_procedures",
    "load_bootstrap",
    "load_tram2",
    "load_tram2_sentences",
    "load_ttpdrill",
    "normalize_sentence",
    "resolve_labels",
    "tram50_label",
]

DataHome = str | os.PathLike[str] | None
TRAM2_FILE = "datasets/tram2/reports.jsonl"
TRAM2_SENTENCES_FILE = "datasets/tram2/single_label.json"
BOOTSTRAP_FILE = "datasets/tram2/bootstrap-training-data.json"
TTPDRILL_FILE = "datasets/ttpdrill/sentences.csv"
ANNOCTR_FILE = "datasets/annoctr/train.jsonl"
#: Parents whose sub-techniques TRAM's 50-label space folds into the parent.
TRAM50_FOLDED = frozenset({"T1027", "T1055", "T1078", "T1090", "T1110"})
_NEAR_DUPLICATE_PREFIX = "AA22320A "


def catalog_at(path: str | os.PathLike[str]) -> Catalog:
    """The catalog file at `path`, loaded once per process (training and evaluation share it)."""
    return _load_catalog(str(Path(path).expanduser().resolve()))


@cache
def _load_catalog(resolved: str) -> Catalog:
    from ttpmap.attack import Catalog

    return Catalog.load(resolved)


def default_catalog() -> Catalog:
    """The ATT&CK catalog of the default model directory (loaded once)."""
    from ttpmap._model import CATALOG_FILE, default_model_dir

    return catalog_at(default_model_dir() / CATALOG_FILE)


def resolve_labels(ids: Iterable[str], catalog: Catalog) -> tuple[str, ...]:
    """Resolve IDs through `catalog` (revocations, v18<->v19 moves); drop deprecated and unknown IDs."""
    out: list[str] = []
    for raw in ids:
        tid = _resolve(raw, catalog)
        if tid is not None and tid not in out:
            out.append(tid)
    return tuple(sorted(out))


def _resolve(raw: str, catalog: Catalog) -> str | None:
    try:
        info = catalog.resolve(raw)
    except UnknownTechniqueError:
        return None
    if info.deprecated or info.revoked:
        return None
    return info.id


def tram50_label(technique_id: str) -> str:
    """Map an ID into TRAM's 50-label space: sub-techniques of T1027/T1055/T1078/T1090/T1110 -> parent."""
    parent = technique_id.partition(".")[0]
    return parent if parent in TRAM50_FOLDED else technique_id


def normalize_sentence(text: str) -> str:
    """Lower-case, whitespace-collapsed text: the key for 'appears verbatim' comparisons."""
    return " ".join(text.lower().split())


def load_tram2(data_home: DataHome = None, *, catalog: Catalog | None = None) -> list[LabeledArticle]:
    """Load TRAM2's 151 human-annotated threat reports (MITRE CTID, Apache-2.0).

    Labels and span IDs (ATT&CK v13) are resolved through `catalog` (default: the default model's).
    ``extra["labels_tram50"]`` holds the labels in TRAM's 50-label space. The two near-duplicate
    "Iranian Government-Sponsored..." reports share one `group`, so grouped CV keeps them together.

    Raises
    ------
    DataNotFoundError
        If ``datasets/tram2/reports.jsonl`` is not in the data home.
    """
    cat = catalog if catalog is not None else default_catalog()
    path = require_data_file(TRAM2_FILE, data_home)
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").split("\n")):
        if not line.strip():
            continue
        obj = json.loads(line)
        title = " ".join(str(obj["doc_title"]).split())
        spans = []
        for start, end, raw in obj.get("spans", ()):
            tid = _resolve(raw, cat)
            if tid is not None:
                spans.append((int(start), int(end), tid))
        labels = resolve_labels(obj.get("labels", ()), cat)
        out.append(
            LabeledArticle(
                id=f"tram2:{n:03d}",
                title=title,
                text=obj["text"],
                url=obj.get("url", ""),
                labels=labels,
                spans=tuple(spans),
                group=title.removeprefix(_NEAR_DUPLICATE_PREFIX),
                extra={"labels_tram50": resolve_labels(obj.get("labels_tram50", ()), cat), "source": "tram2"},
            )
        )
    return out


def load_annoctr(data_home: DataHome = None, *, catalog: Catalog | None = None) -> list[LabeledArticle]:
    """Load AnnoCTR's train split: 70 vendor reports with technique links and mention offsets (CC BY-SA 4.0).

    `labels` are the report's linked techniques, `spans` its located mentions (plain-word ones
    included: "encrypted the files" -> T1486), both resolved through `catalog`; `group` is the
    vendor (``extra["vendor"]``), so grouped folds never split a vendor.

    Raises
    ------
    DataNotFoundError
        If ``datasets/annoctr/train.jsonl`` is not in the data home.
    """
    cat = catalog if catalog is not None else default_catalog()
    path = require_data_file(ANNOCTR_FILE, data_home)
    out = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if not line.strip():
            continue
        obj = json.loads(line)
        text = obj["text"]
        spans = []
        for m in obj.get("mentions", ()):
            start, end = m.get("start"), m.get("end")
            tid = _resolve(m.get("technique", ""), cat)
            if (
                tid is not None
                and isinstance(start, int)
                and isinstance(end, int)
                and 0 <= start < end <= len(text)
            ):
                spans.append((start, end, tid))
        vendor = str(obj.get("vendor", ""))
        first = text.lstrip().split("\n", 1)[0].strip("#* ")
        out.append(
            LabeledArticle(
                id=f"annoctr:{obj['id']}",
                title=first[:200],
                text=text,
                labels=resolve_labels(obj.get("techniques", ()), cat),
                spans=tuple(sorted(set(spans))),
                group=f"annoctr:{vendor}",
                extra={"source": "annoctr", "vendor": vendor},
            )
        )
    return out


def load_tram2_sentences(
    data_home: DataHome = None, *, catalog: Catalog | None = None
) -> list[LabeledArticle]:
    """Load TRAM2's 5,089 single-label sentences (``extra["doc_title"]`` names their report)."""
    cat = catalog if catalog is not None else default_catalog()
    path = require_data_file(TRAM2_SENTENCES_FILE, data_home)
    out = []
    for n, obj in enumerate(json.loads(path.read_text(encoding="utf-8"))):
        labels = resolve_labels([obj["label"]], cat)
        if labels:
            out.append(
                _sentence(f"tram2-sentence:{n:05d}", obj["text"], labels, "tram2_sentences", obj["doc_title"])
            )
    return out


def load_bootstrap(
    data_home: DataHome = None,
    *,
    catalog: Catalog | None = None,
    exclude: Iterable[str] = (),
) -> list[LabeledArticle]:
    """Load TRAM's bootstrap sentences (mostly ATT&CK procedure examples with the actor removed).

    Parameters
    ----------
    exclude : iterable of str
        Texts to leave out, compared by `normalize_sentence`; pass TRAM2's sentences before
        evaluating on TRAM2 (3,6xx bootstrap sentences appear in TRAM2 verbatim).
    """
    cat = catalog if catalog is not None else default_catalog()
    skip = {normalize_sentence(t) for t in exclude}
    path = require_data_file(BOOTSTRAP_FILE, data_home)
    doc = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for n, s in enumerate(doc["sentences"]):
        text = s.get("text", "")
        if not text.strip() or normalize_sentence(text) in skip:
            continue
        labels = resolve_labels([m["attack_id"] for m in s.get("mappings", ())], cat)
        if labels:
            out.append(_sentence(f"bootstrap:{n:05d}", text, labels, "bootstrap"))
    return out


def load_ttpdrill(data_home: DataHome = None, *, catalog: Catalog | None = None) -> list[LabeledArticle]:
    """Load TTPDrill's procedure sentences (MIT), their pre-sub-technique IDs mapped through revocations.

    Sentences whose technique is deprecated without a replacement are dropped.
    """
    cat = catalog if catalog is not None else default_catalog()
    path = require_data_file(TTPDRILL_FILE, data_home)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    if not rows or [c.strip() for c in rows[0]] != ["text", "id"]:
        raise InputError(f"{path}: expected a 'text,id' header")
    out = []
    for n, row in enumerate(rows[1:], 2):
        if len(row) < 2:
            continue
        text = ",".join(row[:-1]).strip()
        labels = resolve_labels([row[-1]], cat)
        if text and labels:
            out.append(_sentence(f"ttpdrill:{n:05d}", text, labels, "ttpdrill"))
    return out


def load_attack_procedures(catalog: Catalog | None = None) -> list[LabeledArticle]:
    """The catalog's procedure examples (how a group, software or campaign used a technique)."""
    cat = catalog if catalog is not None else default_catalog()
    out = []
    for n, p in enumerate(cat.procedures):
        labels = resolve_labels([p.technique_id], cat)
        if labels and p.text.strip():
            out.append(
                _sentence(f"attack-procedure:{n:05d}", p.text, labels, "attack_procedures", p.source_name)
            )
    return out


def load_attack_descriptions(
    catalog: Catalog | None = None, *, by_sentence: bool = False
) -> list[LabeledArticle]:
    """Each active technique's name and description, labeled with its own ID.

    One record per technique, or with ``by_sentence=True`` one per sentence of the description
    (sentence-level training examples, like procedure examples).
    """
    from ttpmap._sentences import split_sentences

    cat = catalog if catalog is not None else default_catalog()
    out = []
    for t in cat.active_techniques():
        if not t.description.strip():
            continue
        text = f"{t.name}. {t.description}".strip()
        if not by_sentence:
            out.append(
                LabeledArticle(
                    id=f"attack-description:{t.id}",
                    title=t.name,
                    text=text,
                    url=t.url,
                    labels=(t.id,),
                    extra={"source": "attack_descriptions"},
                )
            )
            continue
        for n, (a, b) in enumerate(split_sentences(text)):
            if b - a >= 20:
                out.append(
                    _sentence(
                        f"attack-description:{t.id}:{n}", text[a:b], (t.id,), "attack_descriptions", t.name
                    )
                )
    return out


def _sentence(rid: str, text: str, labels: tuple[str, ...], source: str, title: str = "") -> LabeledArticle:
    extra: dict[str, Any] = {"source": source}
    return LabeledArticle(id=rid, title=title, text=text.strip(), labels=labels, extra=extra)
