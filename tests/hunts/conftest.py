from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from ttpmap._datahome import get_data_home
from ttpmap._results import Technique

SIGMAHQ = "sigma/sigmahq-rules-8eaafff.tar.gz"


@pytest.fixture(scope="session")
def catalog():
    """The ATT&CK catalog of the default model (v18.1)."""
    from ttpmap._model import CATALOG_FILE, default_model_dir
    from ttpmap.attack import load_catalog

    path = default_model_dir() / CATALOG_FILE
    if not path.is_file():
        pytest.skip(f"{path} is absent: build it with `ttpmap attack build` (see models/default)")
    return load_catalog(path)


@pytest.fixture(scope="session")
def pack(catalog):
    from ttpmap.hunts import HuntLibrary

    return HuntLibrary.default(catalog)


@pytest.fixture(scope="session")
def sigmahq_tarball() -> Path:
    path = get_data_home() / SIGMAHQ
    if not path.is_file():
        pytest.skip(f"{path} is absent: set TTPMAP_DATA_HOME to the folder with ttpmap's shared data")
    return path


@pytest.fixture(scope="session")
def sigmahq_dir(sigmahq_tarball: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SigmaHQ corpus extracted into a temporary folder (the layout users have)."""
    out = tmp_path_factory.mktemp("sigmahq")
    with tarfile.open(sigmahq_tarball) as tar:
        tar.extractall(out, filter="data")
    return out / "sigmahq-rules"


@pytest.fixture(scope="session")
def sigmahq(sigmahq_dir: Path, catalog):
    from ttpmap.hunts import HuntLibrary

    return HuntLibrary.from_directory(sigmahq_dir, catalog)


@pytest.fixture(scope="session")
def tech(catalog):
    """Build a `Technique` as the classifier would, from an ID and a confidence."""

    def make(tid: str, confidence: float = 0.8) -> Technique:
        info = catalog.resolve(tid)
        return Technique(id=info.id, name=info.name, tactics=info.tactics, confidence=confidence)

    return make
