"""Exceptions raised by ttpmap.

* TtpmapError                                     base class of every error below
  x InputError(ValueError)                        empty, binary, undecodable, oversized or unreadable article
  x InvalidParameterError(ValueError, TypeError)  a constructor or function argument out of range
  x UnknownTechniqueError(KeyError, ValueError)   an ATT&CK ID that the catalog does not know
  x CatalogError(ValueError)                      .path: a bundle or catalog file that cannot be read
  x DataNotFoundError(FileNotFoundError)          a dataset or bundle missing from the data home
  x MissingDependencyError(ImportError)           an optional feature whose extra is not installed
  x RuleError(ValueError)                         .path .line: a bad rule, benign list or hunt file
  x NotFittedError(ValueError, AttributeError)    predict before fit or load
  x ModelError(ValueError)                        a model that cannot be used (incompatible, incomplete)
    x ModelIntegrityError                         .path .expected_sha256 .actual_sha256
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
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
]


class TtpmapError(Exception):
    """Base class of every error that ttpmap raises on purpose."""


class InputError(TtpmapError, ValueError):
    """The article cannot be analyzed: empty, binary, undecodable, too large or unreadable."""


class InvalidParameterError(TtpmapError, ValueError, TypeError):
    """A parameter is out of its allowed range or of the wrong type."""


class UnknownTechniqueError(TtpmapError, KeyError, ValueError):
    """An ATT&CK technique or tactic ID that the catalog in use does not know."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class CatalogError(TtpmapError, ValueError):
    """An ATT&CK bundle or catalog file that cannot be read or is not what it claims to be."""

    def __init__(self, message: str, path: str | Path | None = None) -> None:
        self.path = None if path is None else Path(path)
        super().__init__(f"{self.path}: {message}" if self.path else message)


class DataNotFoundError(TtpmapError, FileNotFoundError):
    """A dataset, bundle or rule corpus is missing from the data home; the message says how to set it."""


class MissingDependencyError(TtpmapError, ImportError):
    """An optional feature's package is not installed; the message gives the ``pip install`` line."""


class RuleError(TtpmapError, ValueError):
    """A rule, benign list or hunt file with an invalid entry; names the file and the line."""

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None) -> None:
        self.path = None if path is None else Path(path)
        self.line = line
        where = ""
        if self.path is not None:
            where = f"{self.path}:{line}: " if line is not None else f"{self.path}: "
        super().__init__(where + message)


class NotFittedError(TtpmapError, ValueError, AttributeError):
    """An estimator was used before `fit` (or before a fitted model was loaded)."""


class ModelError(TtpmapError, ValueError):
    """A model that cannot be used: incomplete, incompatible, or built for another catalog."""


class ModelIntegrityError(ModelError):
    """A model file whose SHA-256 does not match its manifest; it is refused before unpickling."""

    def __init__(
        self,
        message: str,
        path: str | Path,
        expected_sha256: str | None = None,
        actual_sha256: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.expected_sha256 = expected_sha256
        self.actual_sha256 = actual_sha256
        super().__init__(message)
