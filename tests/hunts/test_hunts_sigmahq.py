"""Bring your own rules, for real: the SigmaHQ corpus from ../shared/sigma (skipped when absent)."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.shared


def test_sigmahq_is_indexed_with_v18_and_v19_ids(sigmahq, catalog):
    assert sigmahq.name == "sigmahq-rules"
    assert len(sigmahq) > 3500
    index = sigmahq._index
    assert len(index) > 350
    # SigmaHQ tags T1685 (v19) for Disable or Modify Tools; the v18.1 catalog calls it T1562.001.
    assert "T1685" not in index
    assert len(index["T1562.001"]) > 50
    assert not [f for f in sigmahq.failures if f.backend == "parse"]


def test_sigmahq_hunts_keep_author_link_and_licence(sigmahq, tech):
    start = time.perf_counter()
    hunts = sigmahq.hunts_for([tech("T1195.002", 0.8), tech("T1059.001", 0.9), tech("T1562.001", 0.7)])
    first_call = time.perf_counter() - start
    assert 3 <= len(hunts) <= 6
    for h in hunts:
        assert h.spl or h.kql or h.kql_sentinel
        assert h.source["author"], "the DRL 1.1 requires the author in any output that shows a match"
        assert h.source["license"] == "DRL-1.1"
        assert h.source["link"].startswith("http")
        assert h.phase
        assert h.id == h.source["rule_id"]
    assert {t for h in hunts for t in h.techniques} == {"T1195.002", "T1059.001", "T1562.001"}
    start = time.perf_counter()
    assert (
        sigmahq.hunts_for([tech("T1195.002", 0.8), tech("T1059.001", 0.9), tech("T1562.001", 0.7)]) == hunts
    )
    warm = time.perf_counter() - start
    assert warm < 0.01, f"cached hunts_for took {warm * 1000:.1f} ms (first call {first_call:.2f} s)"


def test_sigmahq_rules_that_fail_are_reported_with_reasons(sigmahq, tech):
    sigmahq.hunts_for([tech("T1078.004", 0.9), tech("T1098", 0.9)], max_per_technique=3)
    assert sigmahq.failures, "cloud rules cannot be converted to Defender KQL"
    assert all(f.reason and f.backend in ("spl", "kql", "kql_sentinel") for f in sigmahq.failures)


def test_tarball_is_read_without_extracting(sigmahq_tarball, catalog, tech):
    from ttpmap.hunts import HuntLibrary

    library = HuntLibrary.from_directory(sigmahq_tarball, catalog)
    assert library.name == "sigmahq-rules-8eaafff"
    assert len(library) > 3500
    (hunt,) = library.hunts_for([tech("T1003.001", 0.9)], max_per_technique=1)
    assert hunt.source["link"].startswith("http")
    assert hunt.source["path"].startswith("sigmahq-rules/rules")
