"""Optional dependencies: import them on first use, or say which extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType

from ttpmap._exceptions import MissingDependencyError

__all__ = ["require"]


def require(module: str, *, extra: str, feature: str) -> ModuleType:
    """Import `module`, or raise `MissingDependencyError` naming the ``pip install`` line to run."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingDependencyError(
            f"{feature} needs the {module.split('.')[0]!r} package: pip install 'ttpmap[{extra}]'"
        ) from None
