from __future__ import annotations

import json
from pathlib import Path

import pytest

from ttpmap._datahome import get_data_home

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "datasets" / "samples"


def shared_file(relative: str) -> Path:
    """A file from the data home, or skip the test saying how to provide it."""
    path = get_data_home() / relative
    if not path.is_file():
        pytest.skip(f"{path} is absent: set TTPMAP_DATA_HOME to the folder with ttpmap's shared data")
    return path


@pytest.fixture(scope="session")
def analyzer():
    from ttpmap import Analyzer

    return Analyzer()


@pytest.fixture(scope="session")
def samples() -> list[Path]:
    paths = sorted(SAMPLES.glob("*.md"))
    assert len(paths) >= 3
    return paths


@pytest.fixture(scope="session")
def tram2_texts() -> list[str]:
    """The texts of the 151 TRAM2 reports in the data home, or skip saying how to provide them."""
    with shared_file("datasets/tram2/reports.jsonl").open(encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f if line.strip()]
    assert len(texts) == 151
    return texts
