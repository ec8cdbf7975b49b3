"""Severity: an explainable rules engine (rules as YAML data) and a learned severity model.

`SeverityRules.default()` reads the rules shipped beside this module (``rules.yaml``, with the actor
list in ``actors.yaml``); `SeverityRules.from_file` reads a user's file. `SeverityClassifier` learns
severity from labeled articles; `why_it_matters` turns a `Severity` into plain sentences.
The learned model imports scikit-learn on first use only, so the rules stay cheap to load.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ttpmap.severity._explain import why_it_matters
from ttpmap.severity._rules import SeverityRules

if TYPE_CHECKING:
    from ttpmap.severity._learn import SeverityClassifier, train_severity

__all__ = ["SeverityClassifier", "SeverityRules", "train_severity", "why_it_matters"]


def __getattr__(name: str) -> Any:
    if name in ("SeverityClassifier", "train_severity"):
        from ttpmap.severity import _learn

        return getattr(_learn, name)
    raise AttributeError(f"module 'ttpmap.severity' has no attribute {name!r}")
