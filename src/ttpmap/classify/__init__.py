"""ATT&CK technique and tactic classification: the estimator, training and evaluation.

    from ttpmap.classify import TechniqueClassifier
    clf = TechniqueClassifier().fit(texts, labels, spans=spans, groups=groups)
    techniques, tactics = clf.explain([article_text])[0]

``ttpmap train --out DIR --name NAME`` trains a named model (`train_model`; `save_model` writes a
classifier you fitted yourself); ``ttpmap evaluate --data FILE --model DIR ...`` scores saved models on
your labeled articles (`score_models`, `compare_models`); ``ttpmap evaluate`` alone scores the method on
TRAM2 with grouped 5-fold cross-validation next to the rcATT baseline (TF-IDF + one LinearSVC per label).
Names are imported on first use, so ``import ttpmap.classify`` does not load scikit-learn.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ttpmap.classify._baseline import TfidfSvcBaseline
    from ttpmap.classify._estimator import TechniqueClassifier
    from ttpmap.classify._evaluate import evaluate_tram2
    from ttpmap.classify._score import compare_models, score_models
    from ttpmap.classify._train import default_corpus, fit_inputs, save_model, train_model

__all__ = [
    "TechniqueClassifier",
    "TfidfSvcBaseline",
    "compare_models",
    "default_corpus",
    "evaluate_tram2",
    "fit_inputs",
    "save_model",
    "score_models",
    "train_model",
]

_WHERE = {
    "TechniqueClassifier": "ttpmap.classify._estimator",
    "TfidfSvcBaseline": "ttpmap.classify._baseline",
    "evaluate_tram2": "ttpmap.classify._evaluate",
    "train_model": "ttpmap.classify._train",
    "default_corpus": "ttpmap.classify._train",
    "fit_inputs": "ttpmap.classify._train",
    "save_model": "ttpmap.classify._train",
    "score_models": "ttpmap.classify._score",
    "compare_models": "ttpmap.classify._score",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'ttpmap.classify' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return list(__all__)
