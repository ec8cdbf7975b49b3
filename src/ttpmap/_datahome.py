"""Where ttpmap finds data that does not ship with it (datasets, ATT&CK bundles, rule corpora)."""

from __future__ import annotations

import os
from pathlib import Path

from ttpmap._exceptions import DataNotFoundError

__all__ = ["DATA_HOME_ENV", "get_data_home", "require_data_file"]

DATA_HOME_ENV = "TTPMAP_DATA_HOME"


def get_data_home(data_home: str | os.PathLike[str] | None = None) -> Path:
    """Return the data folder: `data_home`, else ``$TTPMAP_DATA_HOME``, else ``../shared`` of a checkout.

    Like ``sklearn.datasets.get_data_home``, ``~`` is expanded. The folder is not created: ttpmap only
    reads from it.
    """
    if data_home is None:
        env = os.environ.get(DATA_HOME_ENV)
        if env:
            data_home = env
        else:
            return _checkout_shared()
    return Path(data_home).expanduser()


def require_data_file(relative: str, data_home: str | os.PathLike[str] | None = None) -> Path:
    """Return ``data_home / relative``, or raise `DataNotFoundError` that says how to point ttpmap at it."""
    home = get_data_home(data_home)
    path = home / relative
    if not path.is_file():
        raise DataNotFoundError(
            f"{path} not found: ttpmap reads datasets from the data home ({home}). Point "
            f"{DATA_HOME_ENV} (on the command line also --data-home DIR; in Python, data_home=) at the folder "
            f"that holds '{relative}'; "
            "datasets/README.md in ttpmap's repository lists each dataset and where it comes from."
        )
    return path


def _checkout_shared() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file():
            return parent.parent / "shared"
    return Path.cwd().parent / "shared"
