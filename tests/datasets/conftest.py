from __future__ import annotations

from pathlib import Path

import pytest

from ttpmap._datahome import get_data_home

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "models" / "default" / "attack-catalog.json.gz"


@pytest.fixture(scope="session")
def catalog():
    if not CATALOG.is_file():
        pytest.skip(f"{CATALOG} is absent: build it with 'ttpmap attack build'")
    from ttpmap.attack import Catalog

    return Catalog.load(CATALOG)


@pytest.fixture(scope="session")
def data_home() -> Path:
    return get_data_home()
