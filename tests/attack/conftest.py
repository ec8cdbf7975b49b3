from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ttpmap._datahome import get_data_home
from ttpmap.attack import Catalog, build_catalog

DATA = Path(__file__).parent / "data"
FIXTURE_20 = DATA / "mini-enterprise-2.0.json"
FIXTURE_21 = DATA / "mini-enterprise-2.1.json"
BUNDLE_181 = "attack/enterprise-attack-18.1.json.gz"


@pytest.fixture(scope="session")
def mini_catalog() -> Catalog:
    """The catalog built from the STIX 2.0 fixture."""
    return build_catalog(FIXTURE_20)


@pytest.fixture(scope="session", params=["2.0", "2.1"])
def mini_catalog_both(request: pytest.FixtureRequest) -> Catalog:
    """The catalog built from each form of the fixture."""
    return build_catalog(FIXTURE_20 if request.param == "2.0" else FIXTURE_21)


@pytest.fixture(scope="session")
def bundle_181() -> Path:
    path = get_data_home() / BUNDLE_181
    if not path.is_file():
        pytest.skip(
            f"{path} is absent: the ATT&CK v18.1 integration tests need ttpmap's shared data; "
            "set TTPMAP_DATA_HOME to the folder that holds attack/enterprise-attack-18.1.json.gz"
        )
    return path


@pytest.fixture(scope="session")
def catalog_181(bundle_181: Path) -> Catalog:
    """The full v18.1 catalog, built once per session (several seconds)."""
    return build_catalog(bundle_181)


@pytest.fixture
def fixture_copy(tmp_path: Path):
    def copy(name: str, new_name: str | None = None) -> Path:
        target = tmp_path / (new_name or name)
        shutil.copyfile(DATA / name, target)
        return target

    return copy
