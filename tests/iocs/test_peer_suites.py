"""The four peer extractors' suites (``ioc-peers/`` in the data home): every difference between their
expectations and ttpmap is a documented, reasoned choice in ``benchmarks/ioc_suite_differences.json``.
Needs only the suites' files, not the peer packages (``benchmarks/bench_ioc_suites.py`` runs those)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ttpmap._datahome import get_data_home

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import bench_ioc_suites as suites


@pytest.mark.shared
@pytest.mark.parametrize("suite", list(suites.SUITES))
def test_every_difference_from_a_peer_suite_is_documented(suite: str) -> None:
    root = get_data_home() / "ioc-peers"
    if not root.is_dir():
        pytest.skip(f"{root} is absent: set TTPMAP_DATA_HOME to the folder with ttpmap's shared data")
    cases = list(suites.SUITES[suite](root))
    assert len(cases) >= 30
    rows = suites.load_differences()
    bugs = [f"{case.id}: {diff}" for case, diff, row in suites.ttpmap_differences(cases, rows) if row is None]
    assert not bugs, bugs


def test_every_documented_difference_has_a_reason() -> None:
    for row in suites.load_differences():
        assert row["kind"] in ("missing", "extra")
        assert len(row["reason"]) > 20
