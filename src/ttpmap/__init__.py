"""ttpmap: read a security article, get a brief.

The brief holds the MITRE ATT&CK techniques the article describes (with confidence and evidence
sentences), kill-chain phases, high-fidelity IOCs, recommended hunts in Splunk SPL and Microsoft
KQL, and a severity with its reasons.

>>> import ttpmap
>>> brief = ttpmap.analyze("The loader ran PowerShell (T1059.001) to fetch its payload.")
>>> brief.techniques[0].id
'T1059.001'
"""

from __future__ import annotations

import contextlib
import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "Analyzer",
    "Article",
    "BatchError",
    "Brief",
    "CatalogError",
    "DataNotFoundError",
    "Evidence",
    "Hunt",
    "InputError",
    "InvalidParameterError",
    "Ioc",
    "MissingDependencyError",
    "ModelError",
    "ModelIntegrityError",
    "NotFittedError",
    "Phase",
    "Reason",
    "RuleError",
    "Severity",
    "Tactic",
    "Technique",
    "TtpmapError",
    "UnknownTechniqueError",
    "__version__",
    "analyze",
    "load_model",
]

_LAZY = {
    "Analyzer": "ttpmap._analyzer",
    "analyze": "ttpmap._analyzer",
    "Article": "ttpmap._article",
    "Brief": "ttpmap._brief",
    "BatchError": "ttpmap._batch",
    "load_model": "ttpmap._model",
    **dict.fromkeys(
        ("Evidence", "Hunt", "Ioc", "Phase", "Reason", "Severity", "Tactic", "Technique"), "ttpmap._results"
    ),
    **dict.fromkeys(
        (
            "CatalogError",
            "DataNotFoundError",
            "InputError",
            "InvalidParameterError",
            "MissingDependencyError",
            "ModelError",
            "ModelIntegrityError",
            "NotFittedError",
            "RuleError",
            "TtpmapError",
            "UnknownTechniqueError",
        ),
        "ttpmap._exceptions",
    ),
}

if TYPE_CHECKING:
    from ttpmap._analyzer import Analyzer, analyze
    from ttpmap._article import Article
    from ttpmap._batch import BatchError
    from ttpmap._brief import Brief
    from ttpmap._exceptions import (
        CatalogError,
        DataNotFoundError,
        InputError,
        InvalidParameterError,
        MissingDependencyError,
        ModelError,
        ModelIntegrityError,
        NotFittedError,
        RuleError,
        TtpmapError,
        UnknownTechniqueError,
    )
    from ttpmap._model import load_model
    from ttpmap._results import Evidence, Hunt, Ioc, Phase, Reason, Severity, Tactic, Technique


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ttpmap' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    if hasattr(value, "__module__") and not isinstance(value, type(importlib)):
        with contextlib.suppress(AttributeError, TypeError):
            value.__module__ = "ttpmap"
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
