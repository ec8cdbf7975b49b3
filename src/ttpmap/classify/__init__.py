"""ATT&CK technique and tactic classification: the estimator, training and evaluation.

    from ttpmap.classify import TechniqueClassifier
    clf = TechniqueClassifier().fit(texts, labels, spans=spans, groups=groups)
    techniques, tactics = clf.explain([article_text])[0]

``ttpmap train --out DIR`` rebuilds the default model; ``ttpmap evaluate`` scores the method on TRAM2
with grouped 5-fold cross-validation next to the rcATT baseline (TF-IDF + one LinearSVC per label).
Names are imported on first use, so ``import ttpmap.classify`` does not load scikit-learn.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ttpmap.classify._baseline import TfidfSvcBaseline
    from ttpmap.classify._estimator import TechniqueClassifier
    from ttpmap.classify._evaluate import evaluate_tram2
    from ttpmap.classify._train import default_corpus, fit_inputs, train_model

__all__ = [
    "TechniqueClassifier",
    "TfidfSvcBaseline",
    "default_corpus",
    "evaluate_tram2",
    "fit_inputs",
    "train_model",
]

_WHERE = {
    "TechniqueClassifier": "ttpmap.classify._estimator",
    "TfidfSvcBaseline": "ttpmap.classify._baseline",
    "evaluate_tram2": "ttpmap.classify._evaluate",
    "train_model": "ttpmap.classify._train",
    "default_corpus": "ttpmap.classify._train",
    "fit_inputs": "ttpmap.classify._train",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'ttpmap.classify' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return list(__all__)
