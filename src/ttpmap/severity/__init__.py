"""Severity: an explainable rules engine (rules as YAML data) and a learned severity model.

`SeverityRules.default()` reads the rules shipped beside this module (``rules.yaml``, with the actor
list in ``actors.yaml``); `SeverityRules.from_file` reads a user's file. `SeverityClassifier` learns
severity from labeled articles; `why_it_matters` turns a `Severity` into plain sentences.
"""

from ttpmap.severity._explain import why_it_matters
from ttpmap.severity._learn import SeverityClassifier, train_severity
from ttpmap.severity._rules import SeverityRules

__all__ = ["SeverityClassifier", "SeverityRules", "train_severity", "why_it_matters"]
