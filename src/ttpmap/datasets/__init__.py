"""Labeled data for training and evaluating ttpmap's classifiers, read from the data home.

Every loader takes ``data_home=None`` (default ``$TTPMAP_DATA_HOME``, else ``../shared`` beside a
checkout) and returns `LabeledArticle` records, the labeled-article format described in
``datasets/README.md``. Technique IDs are resolved through an ATT&CK catalog (revoked -> replacement).
"""

from ttpmap.datasets._loaders import (
    TRAM50_FOLDED,
    default_catalog,
    load_annoctr,
    load_attack_descriptions,
    load_attack_procedures,
    load_bootstrap,
    load_tram2,
    load_tram2_sentences,
    load_ttpdrill,
    normalize_sentence,
    resolve_labels,
    tram50_label,
)
from ttpmap.datasets._records import LabeledArticle, read_articles, write_articles

__all__ = [
    "TRAM50_FOLDED",
    "LabeledArticle",
    "default_catalog",
    "load_annoctr",
    "load_attack_descriptions",
    "load_attack_procedures",
    "load_bootstrap",
    "load_tram2",
    "load_tram2_sentences",
    "load_ttpdrill",
    "normalize_sentence",
    "read_articles",
    "resolve_labels",
    "tram50_label",
    "write_articles",
]
